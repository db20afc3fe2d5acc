import Foundation
import GRDB
import Testing

@testable import WenzhengStore

/// The outbox on both backends: a notice exists exactly when the
/// transaction that wrote it committed, and each is sent at most once.
@Suite("Outbox")
struct OutboxStoreTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func notice(_ recipient: String? = "visitor@example.cn") -> OutgoingNotice {
        OutgoingNotice(
            kind: "open_day.rescheduled", recipient: recipient, subject: "开放日时间调整", body: "开放日改在 2027-05-20 09:30。",
            subjectType: "open_day", subjectID: "1")
    }

    /// Writes `notice` in a transaction of its own, as a feature would in
    /// its; `abort` throws after the write, rolling it back.
    static func enqueue(_ db: AppDatabase, _ notice: OutgoingNotice, abort: (any Error)? = nil) async throws {
        switch db.backend {
        case .sqlite(let writer):
            try await writer.write { db in
                try GRDBNotificationsStore.enqueue(db, notice, at: Self.start)
                if let abort { throw abort }
            }
        case .postgres(let backend):
            try await backend.write { tx in
                try await PostgresNotificationsStore.enqueue(tx, notice, at: Self.start)
                if let abort { throw abort }
            }
        }
    }

    @Test("a notice written in a transaction that rolls back never exists", arguments: StoreBackend.underTest)
    func enqueueFollowsTheTransaction(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        struct Abort: Error {}
        await #expect(throws: Abort.self) { try await Self.enqueue(db, Self.notice(), abort: Abort()) }
        #expect(try await db.notifications.dueMessages(at: Self.start, limit: 10).isEmpty)
        try await Self.enqueue(db, Self.notice(nil))
        let due = try await db.notifications.dueMessages(at: Self.start, limit: 10)
        #expect(due.map(\.recipient) == [nil])
    }

    @Test("due in order; a failure retries later or gives up; a sent notice is not sent again", arguments: StoreBackend.underTest)
    func attempts(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        let store = db.notifications
        for _ in 0..<3 { try await Self.enqueue(db, Self.notice()) }
        let due = try await store.dueMessages(at: Self.start, limit: 10)
        let ids = due.compactMap(\.id)
        #expect(ids.count == 3 && ids == ids.sorted())
        let (first, second, third) = (ids[0], ids[1], ids[2])

        try await store.markSent(id: first, at: Self.start)
        try await store.markFailed(id: second, error: "421 try later", retryAt: Self.start.addingTimeInterval(60), at: Self.start)
        try await store.markFailed(id: third, error: "550 no such user", retryAt: nil, at: Self.start)
        #expect(try await store.dueMessages(at: Self.start, limit: 10).isEmpty)
        let retried = try await store.dueMessages(at: Self.start.addingTimeInterval(60), limit: 10)
        #expect(retried.map(\.id) == [second] && retried.first?.attempts == 1 && retried.first?.lastError == "421 try later")
        #expect(try await store.outboxCounts() == OutboxCounts(pending: 1, sent: 1, abandoned: 1))

        await #expect(throws: StoreError.self) { try await store.markSent(id: first, at: Self.start) }
        await #expect(throws: StoreError.self) { try await store.markFailed(id: third, error: "x", retryAt: nil, at: Self.start) }
        await #expect(throws: StoreError.self) { try await store.markSent(id: 9_999, at: Self.start) }
        #expect(try await store.messages(subjectType: "open_day", subjectID: "1").count == 3)
    }

    @Test(
        "PostgreSQL: senders on two nodes never get the same notice; one not recorded comes back after the lease; SQLite: due until recorded",
        arguments: StoreBackend.underTest)
    func claims(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        let store = db.notifications
        for _ in 0..<6 { try await Self.enqueue(db, Self.notice()) }
        switch backend {
        case .postgres:
            // Two nodes' passes at the same moment, three notices each at most.
            async let one = store.dueMessages(at: Self.start, limit: 3)
            async let two = store.dueMessages(at: Self.start, limit: 3)
            let (a, b) = try await (one, two)
            let ids = (a + b).compactMap(\.id)
            #expect(ids.count == 6 && Set(ids).count == 6, "each notice goes to exactly one sender")
            #expect(try await store.dueMessages(at: Self.start.addingTimeInterval(60), limit: 10).isEmpty)
            // One node records its three; the other stops without a word.
            for id in a.compactMap(\.id) { try await store.markSent(id: id, at: Self.start) }
            let lease = PostgresNotificationsStore(backend: try #require(db.postgresBackend)).claimLease
            let after = try await store.dueMessages(at: Self.start.addingTimeInterval(lease), limit: 10)
            #expect(Set(after.compactMap(\.id)) == Set(b.compactMap(\.id)))
            #expect(after.allSatisfy { $0.attempts == 0 && $0.sentAt == nil })
        case .sqlite:
            let first = try await store.dueMessages(at: Self.start, limit: 10)
            #expect(first.count == 6)
            #expect(try await store.dueMessages(at: Self.start, limit: 10).map(\.id) == first.map(\.id))
        }
    }

    @Test("the schema refuses a notice without a subject line or with an empty body", arguments: StoreBackend.underTest)
    func schemaChecks(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let empty = OutgoingNotice(
            kind: "open_day.cancelled", recipient: nil, subject: "开放日取消", body: "", subjectType: "open_day", subjectID: "1")
        await #expect(throws: (any Error).self) { try await Self.enqueue(db, empty) }
        let untitled = OutgoingNotice(
            kind: "open_day.cancelled", recipient: nil, subject: "", body: "取消", subjectType: "open_day", subjectID: "1")
        await #expect(throws: (any Error).self) { try await Self.enqueue(db, untitled) }
        #expect(try await db.notifications.outboxCounts() == OutboxCounts(pending: 0, sent: 0, abandoned: 0))
    }
}

extension AppDatabase {
    /// The PostgreSQL backend, when the database is on one.
    var postgresBackend: PostgresBackend? {
        if case .postgres(let backend) = backend { return backend }
        return nil
    }
}
