import Foundation
import Testing
import WenzhengCore

@Suite("IP addresses and ranges")
struct IPAddressTests {
    @Test(
        "addresses are parsed strictly and written canonically",
        arguments: [
            ("192.0.2.1", "192.0.2.1"), ("0.0.0.0", "0.0.0.0"), ("::1", "::1"), ("::", "::"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:0db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::1"), ("fe80::1:2", "fe80::1:2"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"), ("::ffff:10.1.2.3", "10.1.2.3"), ("::ffff:a01:203", "10.1.2.3"),
            ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ])
    func parsesAndPrints(input: String, expected: String) throws {
        #expect(try #require(IPAddress(input)).description == expected)
    }

    @Test(
        "malformed addresses are refused",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1.2.3.4 ", "a.b.c.d", ":::", "1::2::3",
            "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "fe80::1%eth0", "::g", "[::1]", "unknown", "１.2.3.4",
            "1:2:3:4:5:6:7::8:9",
        ])
    func refusesMalformed(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func rangesContainTheirAddresses() throws {
        let private10 = try IPNetwork(parsing: "10.0.0.0/8")
        #expect(private10.contains(IPAddress("10.255.1.2")!))
        #expect(!private10.contains(IPAddress("11.0.0.1")!))
        #expect(private10.contains(IPAddress("::ffff:10.0.0.9")!))
        let host = try IPNetwork(parsing: "192.0.2.7")
        #expect(host.description == "192.0.2.7/32")
        #expect(host.contains(IPAddress("192.0.2.7")!) && !host.contains(IPAddress("192.0.2.8")!))
        let v6 = try IPNetwork(parsing: "fd00::/8")
        #expect(v6.contains(IPAddress("fd12:3456::1")!))
        #expect(!v6.contains(IPAddress("fe80::1")!))
        #expect(!v6.contains(IPAddress("10.0.0.1")!))
        let everyV4 = try IPNetwork(parsing: "0.0.0.0/0")
        #expect(everyV4.contains(IPAddress("203.0.113.9")!))
        #expect(!everyV4.contains(IPAddress("2001:db8::1")!))
        #expect(try IPNetwork(parsing: "::/0").contains(IPAddress("2001:db8::1")!))
    }

    @Test func badRangesSayWhatWasMeant() {
        #expect(throws: IPNetwork.Invalid.self) { try IPNetwork(parsing: "10.0.0.0/33") }
        #expect(throws: IPNetwork.Invalid.self) { try IPNetwork(parsing: "10.0.0.0/") }
        #expect(throws: IPNetwork.Invalid.self) { try IPNetwork(parsing: "proxy.local") }
        do {
            _ = try IPNetwork(parsing: "10.1.2.3/8")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("did you mean 10.0.0.0/8?"))
        }
        do {
            _ = try IPNetwork(parsing: "2001:db8::1/32")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("did you mean 2001:db8::/32?"))
        }
    }
}

@Suite("Client address behind trusted proxies")
struct ClientAddressResolverTests {
    let resolver = ClientAddressResolver(trustedProxies: [
        try! IPNetwork(parsing: "10.0.0.0/8"), try! IPNetwork(parsing: "fd00::/8"),
    ])

    func resolve(_ peer: String, xff: [String] = [], forwarded: [String] = []) -> String {
        resolver.resolve(peer: peer, forwardedFor: xff, forwarded: forwarded)
    }

    @Test func noTrustedProxiesMeansThePeer() {
        let none = ClientAddressResolver(trustedProxies: [])
        #expect(none.resolve(peer: "10.0.0.1", forwardedFor: ["203.0.113.9"], forwarded: []) == "10.0.0.1")
        #expect(none.resolve(peer: "unknown", forwardedFor: [], forwarded: []) == "unknown")
    }

    @Test func headersFromAnUntrustedPeerAreIgnored() {
        #expect(resolve("198.51.100.4", xff: ["203.0.113.9"]) == "198.51.100.4")
        #expect(resolve("198.51.100.4", forwarded: ["for=203.0.113.9"]) == "198.51.100.4")
        #expect(resolve("::ffff:198.51.100.4", xff: ["203.0.113.9"]) == "198.51.100.4")
    }

    @Test func theRightmostUntrustedAddressIsTheClient() {
        #expect(resolve("10.0.0.2", xff: ["203.0.113.9"]) == "203.0.113.9")
        // A client's own header is on the left and never read.
        #expect(resolve("10.0.0.2", xff: ["6.6.6.6, 203.0.113.9"]) == "203.0.113.9")
        #expect(resolve("10.0.0.2", xff: ["6.6.6.6", "203.0.113.9, 10.0.0.3"]) == "203.0.113.9")
        #expect(resolve("fd00::2", xff: ["2001:DB8::9, fd00::3"]) == "2001:db8::9")
        // Every hop a trusted proxy: the furthest one is what we know.
        #expect(resolve("10.0.0.2", xff: ["10.0.0.5, 10.0.0.3"]) == "10.0.0.5")
        // Ports as some proxies write them.
        #expect(resolve("10.0.0.2", xff: ["203.0.113.9:51234"]) == "203.0.113.9")
        #expect(resolve("10.0.0.2", xff: ["[2001:db8::9]:443"]) == "2001:db8::9")
    }

    @Test func forwardedIsReadWhenThereIsNoXForwardedFor() {
        #expect(resolve("10.0.0.2", forwarded: [#"for=203.0.113.9;proto=https;by=10.0.0.2"#]) == "203.0.113.9")
        #expect(resolve("10.0.0.2", forwarded: [#"for="[2001:db8:cafe::17]:4711""#]) == "2001:db8:cafe::17")
        #expect(resolve("10.0.0.2", forwarded: [#"For=6.6.6.6, for=203.0.113.9"#, "for=10.0.0.7"]) == "203.0.113.9")
        // X-Forwarded-For wins: a client's own Forwarded passes through nginx untouched.
        #expect(resolve("10.0.0.2", xff: ["203.0.113.9"], forwarded: ["for=6.6.6.6"]) == "203.0.113.9")
    }

    static let malformedChains: [String] = [
        "garbage", "203.0.113.9, ", "", "unknown", "203.0.113.9:99999", "[2001:db8::9]443",
        Array(repeating: "10.0.0.9", count: 40).joined(separator: ","),
    ]

    @Test("a malformed X-Forwarded-For entry where the client should be gives the peer", arguments: malformedChains)
    func malformedForwardedForGivesThePeer(header: String) {
        #expect(resolve("10.0.0.2", xff: [header]) == "10.0.0.2")
    }

    static let malformedForwarded: [String] = [
        "for=unknown", "for=_hidden", #"for="203.0.113.9"#, "proto=https", "for=1.2.3.4;for=5.6.7.8", "for", "for=",
    ]

    @Test("a malformed Forwarded element where the client should be gives the peer", arguments: malformedForwarded)
    func malformedForwardedGivesThePeer(header: String) {
        #expect(resolve("10.0.0.2", forwarded: [header]) == "10.0.0.2")
    }

    @Test func malformedEntriesLeftOfTheClientDoNotMatter() {
        #expect(resolve("10.0.0.2", xff: ["not an address, 203.0.113.9"]) == "203.0.113.9")
        #expect(resolve("10.0.0.2", forwarded: [#"for=unknown, for="203.0.113.9""#]) == "203.0.113.9")
    }
}
