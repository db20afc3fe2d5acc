import Foundation
import NIOCore
import WenzhengCore
import Testing

@testable import WenzhengServer
@testable import WenzhengStore

/// The replay cache vouches only for what the database confirms, and
/// replays exactly what the database's replay would.
@Suite struct TranscriptReplayCacheTests {
    static func entry(_ seq: Int64, id: Int64? = nil, _ body: String = "正文") -> TranscriptEvent {
        .entry(
            TranscriptEntry(
                id: id ?? seq, seq: seq, kind: .remark, author: "主持人", authorTitle: nil, questionId: nil, body: body,
                createdAt: Date(timeIntervalSince1970: 1_795_000_000), version: 1, late: false))
    }

    static func held(_ events: [TranscriptEvent]) -> [TranscriptReplayCache.Held] {
        events.map { .init(event: $0, frame: InterviewRoom.frame(for: $0)) }
    }

    static func text(_ frames: [ViewerFrame]?) -> [String]? {
        frames?.map { frame in
            var wire = frame.wire
            wire.moveReaderIndex(forwardBy: wire.getInteger(at: 1, as: UInt8.self)! & 0x7f == 126 ? 4 : 2)
            return String(buffer: wire)
        }
    }

    @Test func servesOnlyAContiguousRunThatReachesTheDatabasesLastSeq() {
        let cache = TranscriptReplayCache(capacity: 5)
        #expect(cache.replay(after: 0, lastSeq: 0)?.isEmpty == true)
        #expect(cache.replay(after: 0, lastSeq: 1) == nil)
        cache.append(Self.held((1...3).map { Self.entry($0) }))
        #expect(cache.replay(after: 1, lastSeq: 3)?.map(\.seq) == [2, 3])
        #expect(cache.replay(after: 3, lastSeq: 3)?.isEmpty == true)
        // The database has more than was published here: read it instead.
        #expect(cache.replay(after: 1, lastSeq: 4) == nil)
        // Past the capacity the oldest go; a viewer from before them reads the database.
        cache.append(Self.held((4...7).map { Self.entry($0) }))
        #expect(cache.replay(after: 2, lastSeq: 7)?.map(\.seq) == [3, 4, 5, 6, 7])
        #expect(cache.replay(after: 1, lastSeq: 7) == nil)
        // A gap (seq 8 written by another process) starts the cache again.
        cache.append(Self.held([Self.entry(9)]))
        #expect(cache.replay(after: 7, lastSeq: 9) == nil)
        #expect(cache.replay(after: 8, lastSeq: 9)?.map(\.seq) == [9])
    }

    @Test func mergesADatabaseReadWithWhatWasPublishedMeanwhile() {
        let cache = TranscriptReplayCache(capacity: 100)
        cache.append(Self.held([Self.entry(6), Self.entry(7)]))
        cache.merge(Self.held((2...6).map { Self.entry($0) }))
        #expect(cache.replay(after: 1, lastSeq: 7)?.map(\.seq) == [2, 3, 4, 5, 6, 7])
        // A read that does not join up changes nothing.
        let gapped = TranscriptReplayCache(capacity: 100)
        gapped.append(Self.held([Self.entry(9)]))
        gapped.merge(Self.held((2...6).map { Self.entry($0) }))
        #expect(gapped.replay(after: 1, lastSeq: 9) == nil)
        #expect(gapped.replay(after: 8, lastSeq: 9)?.map(\.seq) == [9])
    }

    @Test("a replay that includes a withdrawal hides the withdrawn text exactly as the database's replay does")
    func withdrawnTextIsNotReplayed() throws {
        let cache = TranscriptReplayCache()
        let withdrawal = TranscriptEvent.withdrawal(TranscriptWithdrawal(seq: 4, entryId: 2, entrySeq: 2, withdrawnAt: Date()))
        let events = [Self.entry(1), Self.entry(2, "撤回的文字"), Self.entry(3), withdrawal]
        cache.append(Self.held(events))
        let replayed = try #require(Self.text(cache.replay(after: 0, lastSeq: 4)))
        let expected = try #require(Self.text(TranscriptEvent.redactWithdrawnText(events).map(InterviewRoom.frame(for:))))
        // Key order differs between encodings: compare the JSON values.
        func objects(_ texts: [String]) -> [NSDictionary] {
            texts.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary }
        }
        #expect(objects(replayed) == objects(expected))
        #expect(objects(replayed).count == 4)
        #expect(!replayed.joined().contains("撤回的文字"))
        // A viewer that already had the entry gets only the withdrawal.
        #expect(cache.replay(after: 3, lastSeq: 4)?.map(\.seq) == [4])
    }

    @Test func oneDatabaseReadFillsTheCacheForEveryoneAskingAtOnce() async {
        let cache = TranscriptReplayCache()
        let reads = ReadCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    await cache.fill {
                        await reads.add()
                        try await Task.sleep(for: .milliseconds(50))
                        return Self.held((1...10).map { Self.entry($0) })
                    }
                }
            }
        }
        #expect(await reads.count == 1)
        #expect(cache.replay(after: 4, lastSeq: 10)?.map(\.seq) == Array(5...10))
    }
}

actor ReadCounter {
    var count = 0
    func add() { count += 1 }
}
