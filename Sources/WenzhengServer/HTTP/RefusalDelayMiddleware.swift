import HTTPTypes
import Hummingbird
import Synchronization

/// Holds a 429 or 503 answer for `delay` before sending it (a tarpit).
///
/// Why: a refusal is cheap, but not free. A flood that ignores Retry-After
/// and sends its next request the moment the refusal arrives keeps the
/// event loops busy with refusals alone, and a live interview's viewers
/// share those loops: Benchmarks/flood-load measured 1,000 addresses
/// getting about 21,000 refusals a second and the viewers' p99
/// post-to-delivery at 8 × the quiet p99 in the same run. Held for a
/// second, each connection of such a client gets at most one refusal a
/// second, and waiting costs the server a suspended task, no CPU. A client
/// that honours Retry-After waits longer than the delay anyway.
///
/// At most `maxHeld` refusals are held at once; past that they are sent
/// at once. A client that opens a new connection for every request, without
/// waiting for answers, is not slowed by holding, and would otherwise make
/// the server hold one connection per refusal for the whole delay (20,000
/// a second at the flood's rate).
///
/// Outside `ErrorMiddleware` (it sees the problems as responses), inside
/// the access log (which then logs the time the client waited).
struct RefusalDelayMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let delay: Duration
    let maxHeld: Int
    private let counter = HeldRefusals()

    init(delay: Duration, maxHeld: Int = 4_096) {
        self.delay = delay
        self.maxHeld = maxHeld
    }

    /// Refusals being held now.
    var heldNow: Int { counter.held.load(ordering: .relaxed) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        guard response.status == .tooManyRequests || response.status == .serviceUnavailable else { return response }
        let holding = counter.held.wrappingAdd(1, ordering: .relaxed).newValue
        defer { counter.held.wrappingSubtract(1, ordering: .relaxed) }
        if holding <= maxHeld {
            // Cancelled (the client went away or the server stops): answer at once.
            try? await Task.sleep(for: delay)
        }
        return response
    }
}

/// The count shared by every copy of the middleware.
private final class HeldRefusals: Sendable {
    let held = Atomic<Int>(0)
}
