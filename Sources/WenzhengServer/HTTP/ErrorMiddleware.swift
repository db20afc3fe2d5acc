import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import WenzhengCore
import WenzhengStore

/// Counts refused writes while the disk is full and says when to report
/// them: at the first, then at most once a minute.
final class RateLimitedReport: Sendable {
    private struct State {
        var lastReport: ContinuousClock.Instant?
        var pending = 0
    }
    private let state = Mutex(State())
    let interval: Duration

    init(interval: Duration) { self.interval = interval }

    /// Counts one occurrence; returns how many to report when a report is
    /// due, nil otherwise.
    func due(now: ContinuousClock.Instant) -> Int? {
        state.withLock { state in
            state.pending += 1
            if let last = state.lastReport, now - last < interval { return nil }
            state.lastReport = now
            defer { state.pending = 0 }
            return state.pending
        }
    }
}

private let fullDiskReport = RateLimitedReport(interval: .seconds(60))

/// Turns every error into the answer its client can use: RFC 9457 problem
/// JSON for the API, a readable page (in the reader's language) for the
/// browser. Unexpected errors are logged with the request id and shown
/// without internals.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, context: context)
            if Self.wantsJSON(request) {
                return try problem.response(from: request, context: context)
            }
            return try page(for: problem, request: request, context: context)
        }
    }

    /// API clients and sockets get JSON; everyone else a page.
    static func wantsJSON(_ request: Request) -> Bool {
        let path = request.uri.path
        if path.hasPrefix("/api/") || path.hasPrefix("/live/") || path == "/healthz" || path == "/readyz" {
            return true
        }
        let accept = request.headers[.accept] ?? ""
        return accept.contains("json") && !accept.contains("text/html")
    }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let failure as ValidationFailure:
            return .validation(failure)
        case let fieldError as FieldError:
            return .validation(fieldError)
        case let store as StoreError:
            switch store {
            case .notFound: return Problem(kind: .notFound, detail: store.description)
            case .conflict: return Problem(kind: .conflict, detail: store.description)
            case .invalid(let failure): return .validation(failure)
            case .forbidden(let message): return Problem(kind: .forbidden, detail: message)
            case .newerSchema, .cannotOpen:
                context.logger.error("storage failure: \(store)")
                return Problem(kind: .serviceUnavailable, detail: "storage is unavailable")
            case .storageFull:
                // The operator must act, so it is an error; but once a minute
                // with the count, not once per refused request, since the
                // log may well live on the same full disk.
                if let refused = fullDiskReport.due(now: .now) {
                    context.logger.error("the disk holding the database is full: \(refused) writes refused since the last report")
                }
                return Problem(
                    kind: .serviceUnavailable, detail: "the server cannot save anything at the moment; nothing was saved, try again later",
                    headers: [.retryAfter: "60"])
            case .storageBusy:
                context.logger.warning("a write waited out the busy timeout")
                return Problem(
                    kind: .serviceUnavailable, detail: "the server is busy; nothing was saved, try again in a few seconds",
                    headers: [.retryAfter: "5"])
            }
        case is NIOTooManyBytesError:
            return Problem(kind: .payloadTooLarge)
        case let http as any HTTPResponseError:
            return problem(forStatus: http.status, detail: (http as? HTTPError)?.body)
        default:
            if let store = StoreError.from(error) {
                if case .invalid = store { context.logger.warning("input broke a storage constraint: \(error)") }
                return problem(for: store, context: context)
            }
            context.logger.error("unhandled error: \(String(reflecting: error))")
            return Problem(kind: .internalError, detail: "request \(context.requestID) failed; the error was logged")
        }
    }

    static func problem(forStatus status: HTTPResponse.Status, detail: String?) -> Problem {
        switch status.code {
        case 400:
            // Hummingbird's JSON decoding failures arrive as 400 with the
            // decoder's explanation.
            return Problem(kind: .malformedJSON, detail: detail ?? "the request body is not valid JSON")
        case 401: return Problem(kind: .unauthenticated, detail: detail)
        case 403: return Problem(kind: .forbidden, detail: detail)
        case 404: return Problem(kind: .notFound, detail: detail ?? "no such resource")
        case 405: return Problem(kind: .methodNotAllowed, detail: detail)
        case 413: return Problem(kind: .payloadTooLarge, detail: detail)
        case 415: return Problem(kind: .unsupportedMediaType, detail: detail)
        case 429: return Problem(kind: .tooManyRequests, detail: detail)
        case 500..<600: return Problem(kind: .internalError, detail: detail)
        default:
            var problem = Problem(kind: .badRequest, detail: detail)
            problem.statusCode = status.code
            problem.title = status.reasonPhrase
            return problem
        }
    }

    private func page(for problem: Problem, request: Request, context: Context) throws -> Response {
        let text = pages.text(for: request)
        var response: Response
        if problem.statusCode == 401 {
            // A browser reaching a staff page without a session gets the
            // login form right there, with the status that says why.
            response = try pages.render(
                LoginView(next: request.uri.description, notice: text("login.required")), title: text("login.title"),
                status: .unauthorized, request: request, context: context)
        } else {
            response = try pages.render(
                ErrorPageView(problem, text: text, requestID: context.requestID), title: text("errors.title"),
                status: problem.status, request: request, context: context)
        }
        response.headers.append(contentsOf: problem.headers)
        return response
    }
}
