import Testing
import WenzhengCore

@Suite("Listen addresses (--metrics-address)")
struct ListenAddressTests {
    @Test("IPv4, bracketed IPv6 and localhost parse, with their loopback-ness")
    func valid() throws {
        let v4 = try ListenAddress(parsing: "127.0.0.1:9464")
        #expect(v4.host == "127.0.0.1" && v4.port == 9464 && v4.isLoopback && v4.description == "127.0.0.1:9464")
        let v6 = try ListenAddress(parsing: "[::1]:9464")
        #expect(v6.host == "::1" && v6.port == 9464 && v6.isLoopback && v6.description == "[::1]:9464")
        #expect(try ListenAddress(parsing: "localhost:0").isLoopback)
        #expect(try ListenAddress(parsing: "127.8.9.10:1").isLoopback)
        #expect(try !ListenAddress(parsing: "10.0.0.5:9464").isLoopback)
        #expect(try !ListenAddress(parsing: "0.0.0.0:9464").isLoopback)
        #expect(try !ListenAddress(parsing: "[fd00::1]:9464").isLoopback)
    }

    @Test(
        "malformed addresses are refused with a reason",
        arguments: [
            "", "9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:94a4", "127.0.0.1:+80",
            "::1:9464", "[::1]9464", "[::1]:", "[127.0.0.1]:9464", "[::1", "metrics.example.cn:9464", "256.0.0.1:9464",
            "127.0.0.01:9464", " 127.0.0.1:9464", "127.0.0.1:9464 ", "127.0.0.1:000009464",
        ])
    func invalid(text: String) {
        #expect(throws: ListenAddress.Invalid.self) { try ListenAddress(parsing: text) }
    }
}
