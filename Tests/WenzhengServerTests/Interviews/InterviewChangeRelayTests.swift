import Foundation
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WenzhengCore
@testable import WenzhengStore

@testable import WenzhengServer

/// The relay that brings what other nodes commit to this node's rooms
/// (issue 16), against a feed the test writes and an SQLite database the
/// test writes to as "another node" would: the store's events without
/// the room publishing them.
@Suite("Interview change relay")
struct InterviewChangeRelayTests {
    /// A live interview and a console following its room, subscribed the
    /// way the console socket subscribes (then `memberJoined`).
    struct Watched {
        let server: TestServer
        let id: Int64
        let host: AuthenticatedStaff
        let room: InterviewRoom
        let console: Broadcaster.Subscription
        let joinedAt: Int64

        /// An entry written straight to the database, as another node
        /// commits it: this node's room does not publish it.
        func otherNodePosts(_ body: String) async throws -> TranscriptEvent {
            try await server.database.interviews.postEntry(
                interviewID: id, kind: .remark, body: body, author: .host, questionID: nil, actor: host, at: server.clock.now())
        }

        /// Everything the console got, once the subscription is ended.
        func received() async throws -> [Broadcaster.Frame] {
            room.console.unsubscribe(console)
            var frames: [Broadcaster.Frame] = []
            for try await frame in console.frames { frames.append(frame) }
            return frames
        }
    }

    static func watched(_ server: TestServer, staff: String = "host") async throws -> Watched {
        let summary = try await server.addStaff(staff, role: .host)
        let host = AuthenticatedStaff(
            userID: summary.id, username: staff, displayName: "Host", role: .host, departmentID: 1, department: "办公室",
            csrfToken: "c", sessionExpiresAt: .distantFuture)
        let interview = try await server.database.interviews.createInterview(
            InterviewDraft(
                title: "在线访谈", summary: "", scheduledStart: testStart, plannedMinutes: 60, hostUsername: nil,
                guests: [InterviewGuest(name: "张局长", title: "局长", department: "市司法局")]),
            actor: host, at: server.clock.now())
        _ = try await server.database.interviews.changeInterviewStatus(id: interview.id, to: .open, actor: host, at: server.clock.now())
        _ = try await server.database.interviews.changeInterviewStatus(id: interview.id, to: .live, actor: host, at: server.clock.now())
        let room = server.hub.room(interview.id)
        let console = room.console.subscribe()
        let lastSeq = try await server.database.interviews.interview(id: interview.id).lastSeq
        room.memberJoined(lastSeq: lastSeq)
        return Watched(server: server, id: interview.id, host: host, room: room, console: console, joinedAt: lastSeq)
    }

    /// Runs the relay over `events` until it has worked all of them off.
    static func relay(_ server: TestServer, _ events: [InterviewChangeFeedEvent]) async throws {
        let (feed, sink) = AsyncStream.makeStream(of: InterviewChangeFeedEvent.self)
        for event in events { sink.yield(event) }
        sink.finish()
        let relay = InterviewChangeRelay(
            changes: feed, hub: server.hub, interviews: server.database.interviews, logger: Logger(label: "test.relay"))
        try await relay.run()
    }

    static func notice(_ id: Int64, seq: Int64?, questions: Bool = false) -> InterviewChangeFeedEvent {
        .notice(InterviewChangeNotice(interviewID: id, seq: seq, questionsChanged: questions))
    }

    static func numbered(_ frames: [Broadcaster.Frame]) -> [Int64] {
        frames.map(\.seq).filter { $0 != 0 }
    }

    static func signals(_ frames: [Broadcaster.Frame], _ type: String) -> Int {
        frames.filter { String(buffer: $0.bytes).contains(#""type":"\#(type)""#) }.count
    }

    @Test("another node's events reach the room once each, in order, whatever order and how often their notices come")
    func publishesOnceInOrder() async throws {
        let server = try await TestServer()
        let watched = try await Self.watched(server)
        let start = watched.joinedAt
        let first = try await watched.otherNodePosts("一")
        let second = try await watched.otherNodePosts("二")
        let third = try await watched.otherNodePosts("三")
        #expect([first.seq, second.seq, third.seq] == [start + 1, start + 2, start + 3])

        try await Self.relay(
            server,
            [
                Self.notice(watched.id, seq: second.seq), Self.notice(watched.id, seq: first.seq),
                Self.notice(watched.id, seq: third.seq), Self.notice(watched.id, seq: third.seq),
                Self.notice(watched.id, seq: second.seq), Self.notice(424_242, seq: 9),
            ])
        let frames = try await watched.received()
        #expect(Self.numbered(frames) == [first.seq, second.seq, third.seq])
        #expect(String(buffer: frames[0].bytes).contains("一"))
        #expect(Self.signals(frames, "questions") == 0)
        #expect(watched.room.lastPublishedSeq == third.seq)
        // A notice for an interview nobody here follows makes no room.
        #expect(server.hub.existingChannel(InterviewRoomKey(interviewID: 424_242)) == nil)
    }

    @Test("this node's own post fills the gap before it, and its notices publish nothing again")
    func ownPostsAreNotRepeated() async throws {
        let server = try await TestServer()
        let watched = try await Self.watched(server)
        // Another node's entry, whose notice has not arrived yet.
        let elsewhere = try await watched.otherNodePosts("别的节点")
        // This node posts and publishes at once, as `InterviewActions` does.
        let own = try await watched.room.sequencer.run {
            let event = try await watched.otherNodePosts("本节点")
            await watched.room.publish([event], catchingUpFrom: server.database.interviews)
            return event
        }
        try await Self.relay(server, [Self.notice(watched.id, seq: elsewhere.seq), Self.notice(watched.id, seq: own.seq, questions: true)])
        let frames = try await watched.received()
        #expect(Self.numbered(frames) == [elsewhere.seq, own.seq])
        #expect(Self.signals(frames, "questions") == 1)
        #expect(Self.signals(frames, "queue") == 1)
        // The replay cache holds both, so a viewer coming back with
        // since= is served from memory, gap-free.
        #expect(watched.room.recent.replay(after: watched.joinedAt, lastSeq: own.seq)?.map(\.seq) == [elsewhere.seq, own.seq])
    }

    @Test("the room publishes each seq once and in order, whoever hands it events and how often")
    func roomPublishesEachSeqOnce() async throws {
        let server = try await TestServer()
        let watched = try await Self.watched(server)
        let events = [
            try await watched.otherNodePosts("甲"), try await watched.otherNodePosts("乙"), try await watched.otherNodePosts("丙"),
        ]
        watched.room.publish([events[1], events[0]])
        watched.room.publish([events[0], events[1], events[2], events[2]])
        watched.room.publish([events[1]])
        let frames = try await watched.received()
        #expect(Self.numbered(frames) == events.map(\.seq))
        #expect(watched.room.recent.replay(after: watched.joinedAt, lastSeq: events[2].seq)?.map(\.seq) == events.map(\.seq))
    }

    @Test("resync catches every room up and has every room refetch its questions")
    func resyncCatchesUpEveryRoom() async throws {
        let server = try await TestServer()
        let one = try await Self.watched(server, staff: "host1")
        let two = try await Self.watched(server, staff: "host2")
        let missedOne = try await one.otherNodePosts("断线时一")
        let missedTwo = [try await two.otherNodePosts("断线时二"), try await two.otherNodePosts("断线时三")]
        try await Self.relay(server, [.resync])
        let framesOne = try await one.received()
        let framesTwo = try await two.received()
        #expect(Self.numbered(framesOne) == [missedOne.seq])
        #expect(Self.numbered(framesTwo) == missedTwo.map(\.seq))
        #expect(Self.signals(framesOne, "questions") == 1)
        #expect(Self.signals(framesTwo, "questions") == 1)
    }

    @Test("a room no one is in reads nothing, and starts again from the next member's replay")
    func idleRoomsForget() async throws {
        let server = try await TestServer()
        let watched = try await Self.watched(server)
        watched.room.console.unsubscribe(watched.console)
        let unwatched = try await watched.otherNodePosts("没人看")
        try await Self.relay(server, [Self.notice(watched.id, seq: unwatched.seq)])
        #expect(watched.room.lastPublishedSeq == nil)

        // A console joins later: its replay holds `unwatched`; what comes
        // after it arrives through the room.
        let console = watched.room.console.subscribe()
        watched.room.memberJoined(lastSeq: unwatched.seq)
        let later = try await watched.otherNodePosts("后来")
        try await Self.relay(server, [Self.notice(watched.id, seq: later.seq)])
        watched.room.console.unsubscribe(console)
        var frames: [Broadcaster.Frame] = []
        for try await frame in console.frames { frames.append(frame) }
        #expect(Self.numbered(frames) == [later.seq])
    }

    @Test("a viewer on this node gets another node's entries live, after its replay, each once")
    func viewerFollowsAnotherNode() async throws {
        let server = try await TestServer()
        let (id, host) = try await ViewerEngineTests.liveInterview(server)
        let (feed, sink) = AsyncStream.makeStream(of: InterviewChangeFeedEvent.self)
        let relay = InterviewChangeRelay(
            changes: feed, hub: server.hub, interviews: server.database.interviews, logger: Logger(label: "test.relay"))
        let relaying = Task { try await relay.run() }
        defer {
            sink.finish()
            relaying.cancel()
        }
        try await server.testLive { client in
            let port = try #require(client.port)
            let before = try await server.database.interviews.postEntry(
                interviewID: id, kind: .remark, body: "连接前", author: .host, questionID: nil, actor: host, at: server.clock.now())
            let socket = try RawWebSocket(port: port)
            socket.handshake("/live/interviews/\(id)?since=0", port: port)
            #expect(await socket.readResponse()?.status == 101)
            var texts: [String] = []
            // hello, then the replay up to `before`.
            while !texts.contains(where: { $0.contains("连接前") }), let frame = await socket.readFrame() {
                texts.append(String(decoding: frame.payload, as: UTF8.self))
            }
            var posted: [Int64] = []
            for index in 1...3 {
                let event = try await server.database.interviews.postEntry(
                    interviewID: id, kind: .remark, body: "别的节点\(index)", author: .host, questionID: nil, actor: host,
                    at: server.clock.now())
                posted.append(event.seq)
                // Each notice twice, and the first again at the end.
                sink.yield(Self.notice(id, seq: event.seq))
                sink.yield(Self.notice(id, seq: event.seq))
            }
            sink.yield(Self.notice(id, seq: posted[0]))
            while !texts.contains(where: { $0.contains("别的节点3") }), let frame = await socket.readFrame() {
                texts.append(String(decoding: frame.payload, as: UTF8.self))
            }
            #expect(texts.compactMap(seq(of:)) == Array(1...before.seq) + posted)
        }
    }
}
