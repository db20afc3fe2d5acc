import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing
import WenzhengCore
@testable import WenzhengStore

@testable import WenzhengServer

/// The anonymous viewer's socket as a client sees it on the wire
/// (docs/live-protocol.md): the handshake's real refusals, the inbound
/// rules, the replay cache's fallbacks and shutdown.
@Suite("Viewer engine", .serialized)
struct ViewerEngineTests {
    /// A live interview made through the store, as the CLI would; returns
    /// its id and its host.
    static func liveInterview(_ server: TestServer) async throws -> (Int64, AuthenticatedStaff) {
        let summary = try await server.addStaff("host", role: .host)
        let host = AuthenticatedStaff(
            userID: summary.id, username: "host", displayName: "Host", role: .host, departmentID: 1, department: "办公室",
            csrfToken: "c", sessionExpiresAt: .distantFuture)
        let interview = try await server.database.interviews.createInterview(
            InterviewDraft(
                title: "在线访谈", summary: "", scheduledStart: testStart, plannedMinutes: 60, hostUsername: nil,
                guests: [InterviewGuest(name: "张局长", title: "局长", department: "市司法局")]),
            actor: host, at: server.clock.now())
        _ = try await server.database.interviews.changeInterviewStatus(id: interview.id, to: .open, actor: host, at: server.clock.now())
        _ = try await server.database.interviews.changeInterviewStatus(id: interview.id, to: .live, actor: host, at: server.clock.now())
        return (interview.id, host)
    }

    @Test("a refused handshake gets the router's status and problem, not an empty 400")
    func refusalsCarryTheirStatus() async throws {
        let server = try await TestServer { $0.maxViewerSocketsPerAddress = 1 }
        let (id, _) = try await Self.liveInterview(server)
        try await server.testLive { client in
            let port = try #require(client.port)
            func handshake(_ path: String, _ headers: [String] = []) async throws -> (status: Int, head: String, body: String) {
                let socket = try RawWebSocket(port: port)
                socket.handshake(path, port: port, headers: headers)
                return try #require(await socket.readResponse())
            }
            let unknown = try await handshake("/live/interviews/424242")
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("urn:wenzheng:problem:not-found"))
            #expect(unknown.head.lowercased().contains("connection: close"))
            let foreign = try await handshake("/live/interviews/\(id)", ["Origin: https://evil.example"])
            #expect(foreign.status == 403)
            let badSince = try await handshake("/live/interviews/\(id)?since=-1")
            #expect(badSince.status == 422)
            #expect(badSince.body.contains("since"))

            // One socket per address here: the second is refused with 429.
            let first = try RawWebSocket(port: port)
            first.handshake("/live/interviews/\(id)", port: port)
            #expect(await first.readResponse()?.status == 101)
            let second = try await handshake("/live/interviews/\(id)")
            #expect(second.status == 429)
            #expect(second.head.lowercased().contains("retry-after: 10"))

            // A plain GET (no upgrade) of a viewer address: 426.
            let plain = try await client.execute(uri: "/live/interviews/\(id)", method: .get)
            #expect(plain.status.code == 426)
        }
    }

    @Test("inbound rules: unmasked frames 1002, pings answered, fragments over 4096 bytes 1009, bad UTF-8 across fragments 1007, floods 1008")
    func inboundRules() async throws {
        let server = try await TestServer()
        let (id, _) = try await Self.liveInterview(server)
        try await server.testLive { client in
            let port = try #require(client.port)
            // `since=1`: the "started" entry is not replayed; hello comes alone.
            func open() async throws -> RawWebSocket {
                let socket = try RawWebSocket(port: port)
                socket.handshake("/live/interviews/\(id)?since=1", port: port)
                #expect(await socket.readResponse()?.status == 101)
                let hello = try #require(await socket.readFrame())
                #expect(String(decoding: hello.payload, as: UTF8.self).contains(#""type":"hello""#))
                return socket
            }
            let unmasked = try await open()
            unmasked.send(RawWebSocket.frame(opcode: 0x1, Array("hi".utf8), masked: false))
            #expect(await unmasked.readCloseCode() == 1002)

            let pinger = try await open()
            pinger.send(RawWebSocket.frame(opcode: 0x9, Array("are you there".utf8)))
            let pong = try #require(await pinger.readFrame())
            #expect(pong.opcode == 0xA)
            #expect(pong.payload == Array("are you there".utf8))

            let large = try await open()
            large.send(RawWebSocket.frame(opcode: 0x1, [UInt8](repeating: 0x61, count: 3000), fin: false))
            large.send(RawWebSocket.frame(opcode: 0x0, [UInt8](repeating: 0x61, count: 3000)))
            #expect(await large.readCloseCode() == 1009)

            // "é" split between two fragments is valid; a lone 0xFF is not.
            let text = try await open()
            text.send(RawWebSocket.frame(opcode: 0x1, [0x61, 0xC3], fin: false))
            text.send(RawWebSocket.frame(opcode: 0x0, [0xA9]))
            text.send(RawWebSocket.frame(opcode: 0x1, [0x61, 0xFF]))
            #expect(await text.readCloseCode() == 1007)

            let flood = try await open()
            for _ in 0..<11 { flood.send(RawWebSocket.frame(opcode: 0x1, Array("x".utf8))) }
            #expect(await flood.readCloseCode() == 1008)

            // The client closes: the server answers with the same code.
            let leaving = try await open()
            leaving.send(RawWebSocket.frame(opcode: 0x8, [0x03, 0xE8]))
            #expect(await leaving.readCloseCode() == 1000)
        }
    }

    @Test("an event this server never published (written by another process) is replayed from the database")
    func replayFallsBackToTheDatabase() async throws {
        let server = try await TestServer()
        let (id, host) = try await Self.liveInterview(server)
        try await server.testLive { client in
            let port = try #require(client.port)
            // Published by this server: 1 (started) and 2 fill the cache.
            let room = server.hub.room(id)
            let first = try await server.database.interviews.postEntry(
                interviewID: id, kind: .remark, body: "服务器发布", author: .host, questionID: nil, actor: host, at: server.clock.now())
            room.publish([first])
            // Written straight to the database, as the CLI or another node would.
            let unpublished = try await server.database.interviews.postEntry(
                interviewID: id, kind: .remark, body: "命令行写入", author: .host, questionID: nil, actor: host, at: server.clock.now())
            #expect(room.recent.replay(after: 0, lastSeq: unpublished.seq) == nil)

            let socket = try RawWebSocket(port: port)
            socket.handshake("/live/interviews/\(id)?since=0", port: port)
            #expect(await socket.readResponse()?.status == 101)
            var texts: [String] = []
            while texts.count < 4, let frame = await socket.readFrame() { texts.append(String(decoding: frame.payload, as: UTF8.self)) }
            #expect(texts.first?.contains(#""lastSeq":\#(unpublished.seq)"#) == true)
            #expect(texts.last?.contains("命令行写入") == true)
            #expect(texts.compactMap(seq(of:)) == Array(1...unpublished.seq))
        }
    }

    @Test("server shutdown sends 1001 to every viewer and does not wait for them")
    func shutdownSendsGoingAway() async throws {
        let server = try await TestServer()
        let (id, _) = try await Self.liveInterview(server)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildApplication(server.dependencies) { address in
            portSink.yield(address?.port ?? 0)
        }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        var viewers: [RawWebSocket] = []
        for _ in 0..<20 {
            let socket = try RawWebSocket(port: port)
            socket.handshake("/live/interviews/\(id)", port: port)
            #expect(await socket.readResponse()?.status == 101)
            _ = await socket.readFrame()  // hello
            viewers.append(socket)
        }
        // One viewer never answers the close frame: the server still stops.
        let started = ContinuousClock.now
        await group.triggerGracefulShutdown()
        for viewer in viewers.dropFirst() {
            #expect(await viewer.readCloseCode() == 1001)
            viewer.send(RawWebSocket.frame(opcode: 0x8, [0x03, 0xE9]))
        }
        try await running.value
        #expect(ContinuousClock.now - started < .seconds(10))
        try? FileManager.default.removeItem(at: server.directory)
    }
}
