import Foundation
import GRDB
import Synchronization
import Testing

@testable import WenzhengStore

/// Keeps the timings it is told.
final class CollectedTimings: CommitTimingObserver {
    let durations = Mutex<[Duration]>([])

    func writeTransactionCommitted(after duration: Duration) {
        durations.withLock { $0.append(duration) }
    }
}

@Suite("Commit timing hook")
struct CommitTimingTests {
    @Test("each committed write transaction on a file database is timed once; reads and rollbacks are not")
    func timesCommits() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-commits-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try AppDatabase.openFile(atPath: directory.appendingPathComponent("test.sqlite").path)
        let timings = CollectedTimings()
        database.reportCommitTimings(to: timings)
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER)") }
        try await database.writer.write { db in try db.execute(sql: "INSERT INTO t VALUES (1)") }
        _ = try await database.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") }
        await #expect(throws: (any Error).self) {
            try await database.writer.write { db in
                try db.execute(sql: "INSERT INTO t VALUES (2)")
                throw CancellationError()
            }
        }
        let durations = timings.durations.withLock { $0 }
        #expect(durations.count == 2)
        #expect(durations.allSatisfy { $0 > .zero && $0 < .seconds(30) })
        // Told no more once the observer is removed.
        database.reportCommitTimings(to: nil)
        try await database.writer.write { db in try db.execute(sql: "INSERT INTO t VALUES (3)") }
        #expect(timings.durations.withLock { $0.count } == 2)
    }
}
