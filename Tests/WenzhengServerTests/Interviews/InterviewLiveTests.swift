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
@testable import WenzhengServer
import WenzhengStore

#if canImport(Glibc)
import Glibc
#endif

/// Seqs received by a viewer, in arrival order.
actor SeqLog {
    var seqs: [Int64] = []
    var hello: String?
    func add(_ seq: Int64) { seqs.append(seq) }
    func setHello(_ text: String) { hello = text }
}

func seq(of frame: String) -> Int64? {
    guard frame.contains(#""type":"entry""#) || frame.contains(#""type":"correction""#),
        let match = frame.firstMatch(of: /"seq":(\d+)/)
    else { return nil }
    return Int64(match.1)
}

@Suite("Live interview sockets", .serialized)
struct InterviewLiveTests {
    /// Watches until `lastSeq` arrives; returns what arrived.
    func watch(_ client: some TestClientProtocol, _ id: Int64, since: Int64, until lastSeq: Int64, log: SeqLog) async throws -> WebSocketCloseFrame? {
        try await client.ws("/live/interviews/\(id)?since=\(since)") { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                if text.contains(#""type":"hello""#) { await log.setHello(text) }
                if let value = seq(of: text) {
                    await log.add(value)
                    if value >= lastSeq { break }
                }
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
    }

    @Test("replay then live: no gap and no duplicate while entries are posted concurrently")
    func replayAndResume() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.testLive { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "live")  // seq 1: started
            for index in 0..<20 { _ = try await host.post(id, "开场 \(index)") }  // seqs 2...21
            let total: Int64 = 21 + 60
            let log = SeqLog()
            async let watching = watch(client, id, since: 5, until: total, log: log)
            // 60 more from three concurrent posters while the viewer replays.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for poster in 0..<3 {
                    group.addTask {
                        for index in 0..<20 { _ = try await host.post(id, "并发 \(poster)-\(index)") }
                    }
                }
                try await group.waitForAll()
            }
            _ = try await watching
            let seqs = await log.seqs
            #expect(seqs == Array(6...total), "got \(seqs)")
            #expect(await log.hello?.contains(#""status":"live""#) == true)

            // A reconnect with its last seq gets exactly what it missed.
            _ = try await host.post(id, "断线期间")
            let resumed = SeqLog()
            _ = try await watch(client, id, since: total, until: total + 1, log: resumed)
            #expect(await resumed.seqs == [total + 1])
        }
    }

    @Test func correctionsArriveInSequence() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.testLive { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "live")
            let posted = try await host.post(id, "初稿")
            let entryID = try JSONDecoder.iso.decode(EntryEventBody.self, from: Data(buffer: posted.body)).entry!.id
            _ = try await host.json(.post, "/api/v1/interviews/\(id)/entries/\(entryID)/corrections", #"{"body":"定稿"}"#)
            let received = ReceivedFrames()
            _ = try await client.ws("/live/interviews/\(id)?since=0") { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    await received.append(text)
                    if text.contains(#""type":"correction""#) { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            let frames = await received.frames
            // The replayed entry shows its original text, then the correction.
            #expect(frames.contains { $0.contains("初稿") && $0.contains(#""type":"entry""#) })
            #expect(frames.last?.contains("定稿") == true)
            #expect(frames.last?.contains(#""version":2"#) == true)
        }
    }

    @Test func unknownInterviewIsRefusedAndBadFramesCloseOnlyThatSocket() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.testLive { client in
            await #expect(throws: (any Error).self) {
                try await client.ws("/live/interviews/424242") { _, _, _ in }
            }
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "live")

            let oversized = try await client.ws("/live/interviews/\(id)") { inbound, outbound, _ in
                try await outbound.write(.text(String(repeating: "x", count: 10_000)))
                for try await _ in inbound {}
            }
            #expect(oversized?.closeCode == .messageTooLarge)

            let malformed = try await client.ws("/live/interviews/\(id)") { inbound, outbound, _ in
                try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: [0xFF, 0xFE, 0xFD]))))
                for try await _ in inbound {}
            }
            #expect(malformed?.closeCode == .dataInconsistentWithMessage)

            // The server is unharmed: a new viewer still gets the stream.
            let log = SeqLog()
            _ = try await host.post(id, "仍然正常")
            _ = try await watch(client, id, since: 0, until: 2, log: log)
            #expect(await log.seqs == [1, 2])
        }
    }

    @Test("a viewer that never reads is cut off while the others keep receiving")
    func slowConsumer() async throws {
        // 8 MiB: far more than the 2.4 MB the reader that reads may fall
        // behind (see the pacing below); the stalled one is sent 24 MB.
        let server = try await TestServer { $0.viewerByteBudget = 8 << 20 }
        try await server.addStaff("host", role: .host)
        try await server.testLive { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            _ = try await host.status(id, "live")
            let port = try #require(client.port)
            // A raw socket that completes the handshake and then never reads.
            let stalled = try RawWebSocket.stalled(port: port, path: "/live/interviews/\(id)")
            defer { stalled.close() }
            let room = server.hub.room(id)
            for _ in 0..<100 where room.viewers.viewerCount < 1 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(room.viewers.viewerCount == 1)

            let log = SeqLog()
            let count: Int64 = 1500
            async let watching = watch(client, id, since: 1, until: 1 + count, log: log)
            for _ in 0..<100 where room.viewers.viewerCount < 2 { try await Task.sleep(for: .milliseconds(20)) }
            // Large events straight through the room, as the console path
            // would publish them (16 KiB each: far more than socket buffers).
            let body = String(repeating: "慢", count: 5000)
            for index in 0..<count {
                let entry = TranscriptEntry(
                    id: 1000 + index, seq: 2 + index, kind: .remark, author: "主持人", authorTitle: nil, questionId: nil, body: body,
                    createdAt: Date(), version: 1, late: false)
                room.publish([.entry(entry)])
                // Paced by the reader that reads, however loaded the test
                // process is: at most 150 frames (2.4 MB, well inside its
                // budget) ahead of it. The stalled viewer falls behind
                // without bound.
                if index % 50 == 49 {
                    let deadline = ContinuousClock.now + .seconds(20)
                    while await log.seqs.count < Int(index) - 100, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
            }
            let closed = try await watching
            let received = await log.seqs.count
            #expect(received == Int(count), "got \(received) frames, closed with \(String(describing: closed))")
            #expect(await log.seqs == Array(2...(1 + count)))
            // The stalled viewer was dropped from the room.
            for _ in 0..<200 where room.viewers.viewerCount > 0 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(room.viewers.viewerCount == 0)
        }
    }
}
