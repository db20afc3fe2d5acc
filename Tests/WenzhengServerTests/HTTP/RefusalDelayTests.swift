import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import WenzhengServer

/// Refusals are held before they are sent (a tarpit for clients that
/// ignore Retry-After), up to a number held at once.
@Suite struct RefusalDelayTests {
    @Test("429 and 503 are held for the delay; other answers are not; past `maxHeld` refusals go at once")
    func holdsRefusalsUpToTheCap() async throws {
        // Long enough that the first refusal is surely still held while the
        // others are answered, however loaded the machine (the full suite
        // once starved a 3 s version); the test cancels it at the end.
        let middleware = RefusalDelayMiddleware(delay: .seconds(600), maxHeld: 1)
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: middleware)
        router.get("/refused") { _, _ -> Response in Response(status: .tooManyRequests) }
        router.get("/busy") { _, _ -> Response in Response(status: .serviceUnavailable) }
        router.get("/fine") { _, _ -> Response in Response(status: .ok) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.router) { client in
            let clock = ContinuousClock()
            let first = Task { try await clock.measure { _ = try await client.execute(uri: "/refused", method: .get) } }
            for _ in 0..<1_000 where middleware.heldNow == 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(middleware.heldNow == 1, "the first refusal should be held")
            // The cap is 1: this refusal is answered while the first is still held.
            let second = try await client.execute(uri: "/busy", method: .get)
            #expect(second.status == .serviceUnavailable)
            #expect(middleware.heldNow == 1, "the first refusal should still be held")
            let fine = try await client.execute(uri: "/fine", method: .get)
            #expect(fine.status == .ok)
            #expect(middleware.heldNow == 1)
            // A held refusal whose client goes away is answered at once.
            first.cancel()
            let held = try await first.value
            #expect(held < .seconds(600))
            #expect(middleware.heldNow == 0)
        }
    }
}
