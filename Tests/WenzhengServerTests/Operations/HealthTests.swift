import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

@Suite("Health probes")
struct HealthTests {
    @Test func healthAndReadiness() async throws {
        try await TestServer().test { client in
            let alive = try await client.execute(uri: "/healthz", method: .get)
            #expect(alive.status == .ok)
            #expect(alive.text.contains(#""status":"ok""#))
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.text.contains(#""status":"ready""#))
        }
    }
}
