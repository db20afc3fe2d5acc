import Foundation
import GRDB
import Testing

@testable import WenzhengStore

/// The outbox on a real SQLite file: a notice exists exactly when the
/// transaction that wrote it committed, and each is sent at most once.
@Suite("Outbox")
struct OutboxStoreTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func notice(_ recipient: String? = "visitor@example.cn") -> OutgoingNotice {
        OutgoingNotice(
            kind: "open_day.rescheduled", recipient: recipient, subject: "开放日时间调整", body: "开放日改在 2027-05-20 09:30。",
            subjectType: "open_day", subjectID: "1")
    }

    @Test("a notice written in a transaction that rolls back never exists")
    func enqueueFollowsTheTransaction() async throws {
        let file = try TemporaryDatabase()
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await file.database.writer.write { db in
                try GRDBNotificationsStore.enqueue(db, Self.notice(), at: Self.start)
                throw Abort()
            }
        }
        #expect(try await file.database.notifications.dueMessages(at: Self.start, limit: 10).isEmpty)
        try await file.database.writer.write { db in _ = try GRDBNotificationsStore.enqueue(db, Self.notice(nil), at: Self.start) }
        let due = try await file.database.notifications.dueMessages(at: Self.start, limit: 10)
        #expect(due.map(\.recipient) == [nil])
    }

    @Test("due in order; a failure retries later or gives up; a sent notice is not sent again")
    func attempts() async throws {
        let file = try TemporaryDatabase()
        let store = file.database.notifications
        for _ in 0..<3 {
            try await file.database.writer.write { db in _ = try GRDBNotificationsStore.enqueue(db, Self.notice(), at: Self.start) }
        }
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
        #expect(try await store.messages(subjectType: "open_day", subjectID: "1").count == 3)
    }

    @Test("the schema refuses a notice without a subject line or with an empty body")
    func schemaChecks() async throws {
        let file = try TemporaryDatabase()
        let empty = OutgoingNotice(
            kind: "open_day.cancelled", recipient: nil, subject: "开放日取消", body: "", subjectType: "open_day", subjectID: "1")
        await #expect(throws: DatabaseError.self) {
            try await file.database.writer.write { db in _ = try GRDBNotificationsStore.enqueue(db, empty, at: Self.start) }
        }
    }
}
