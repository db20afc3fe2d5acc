import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

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
