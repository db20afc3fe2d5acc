import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import NIOCore
import NIOWebSocket
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

@Suite("Viewer sockets per address")
struct ViewerSocketLimitTests {
    /// A WebSocket handshake's headers.
    static let handshake: HTTPFields = [
        .connection: "Upgrade", .upgrade: "websocket", .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==", .secWebSocketVersion: "13",
    ]

    /// A live interview, run by a host signed in on `client`.
    func liveInterview(_ client: any TestClientProtocol) async throws -> Int64 {
        let (host, id) = try await InterviewDriver.signInAndCreate(client)
        _ = try await host.status(id, "live")
        return id
    }

    @Test("more viewer sockets than the cap from one address are refused at the handshake; a closed one frees its place")
    func viewerSocketsAreCappedPerAddress() async throws {
        let server = try await TestServer { $0.maxViewerSocketsPerAddress = 2 }
        try await server.addStaff("host", role: .host)
        try await server.testLive { client in
            let id = try await liveInterview(client)
            let port = try #require(client.port)
            let limiter = server.hub.viewerSockets
            // Two viewers from 127.0.0.1 hold their sockets open.
            let first = try RawWebSocket.stalled(port: port, path: "/live/interviews/\(id)")
            let second = try RawWebSocket.stalled(port: port, path: "/live/interviews/\(id)")
            defer { second.close() }
            for _ in 0..<200 where limiter.openCount("127.0.0.1") < 2 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(limiter.openCount("127.0.0.1") == 2)
            // A third is refused at the handshake: no socket is opened.
            await #expect(throws: (any Error).self) {
                try await client.ws("/live/interviews/\(id)") { _, _, _ in }
            }
            #expect(server.hub.room(id).viewers.viewerCount == 2)
            // When one leaves, a new viewer gets in.
            first.close()
            for _ in 0..<200 where limiter.openCount("127.0.0.1") > 1 { try await Task.sleep(for: .milliseconds(10)) }
            let log = SeqLog()
            _ = try await client.ws("/live/interviews/\(id)") { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = message, text.contains(#""type":"hello""#) {
                        await log.setHello(text)
                        break
                    }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(await log.hello != nil)
        }
    }

    @Test("the handshake's answer is 429 with Retry-After, after the other checks, and reserves nothing when refused")
    func theRefusalIsA429() async throws {
        let server = try await TestServer { $0.maxViewerSocketsPerAddress = 2 }
        try await server.addStaff("host", role: .host)
        try await server.test { client in
            let id = try await liveInterview(client)
            // Router tests have no peer: every request comes from "unknown".
            // Its two places are taken by open sockets, which (unlike
            // reservations) do not lapse however slow this machine is.
            let limiter = server.hub.viewerSockets
            for _ in 0..<2 {
                #expect(limiter.reserve("unknown"))
                limiter.open("unknown")
            }
            let refused = try await client.execute(uri: "/live/interviews/\(id)", method: .get, headers: Self.handshake)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.problem().type == "urn:wenzheng:problem:too-many-requests")
            #expect(refused.headers[.retryAfter] == "10")
            // An unknown interview is still a 404, not a 429.
            #expect(try await client.execute(uri: "/live/interviews/424242", method: .get, headers: Self.handshake).status == .notFound)
            #expect(limiter.openCount("unknown") == 2, "a refused handshake takes no place")
        }
    }

    @Test func reservationsLapseAndPlacesAreCountedPerAddress() async throws {
        let limiter = ViewerSocketLimiter(maxPerAddress: 2, reservationLifetime: .milliseconds(50))
        #expect(limiter.reserve("10.0.0.1"))
        limiter.open("10.0.0.1")
        #expect(limiter.reserve("10.0.0.1"))
        // One open, one being opened: full.
        #expect(!limiter.reserve("10.0.0.1"))
        #expect(limiter.reserve("10.0.0.2"))
        // A handshake whose socket never came gives its place back.
        try await Task.sleep(for: .milliseconds(100))
        #expect(limiter.reserve("10.0.0.1"))
        limiter.open("10.0.0.1")
        #expect(limiter.openCount("10.0.0.1") == 2)
        #expect(!limiter.reserve("10.0.0.1"))
        limiter.close("10.0.0.1")
        #expect(limiter.reserve("10.0.0.1"))
    }
}
