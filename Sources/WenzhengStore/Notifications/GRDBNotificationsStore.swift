import Foundation
import GRDB

/// `NotificationsStore` over the shared SQLite connection pool (GRDB).
struct GRDBNotificationsStore: NotificationsStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }

    /// Writes a notice in the caller's transaction, due at once.
    @discardableResult
    static func enqueue(_ db: Database, _ notice: OutgoingNotice, at now: Date) throws -> OutboxMessage {
        var message = OutboxMessage(
            id: nil, kind: notice.kind, recipient: notice.recipient, subject: notice.subject, body: notice.body,
            subjectType: notice.subjectType, subjectId: notice.subjectID, createdAt: now, attempts: 0, nextAttemptAt: now,
            sentAt: nil, abandonedAt: nil, lastError: nil)
        try message.insert(db)
        return message
    }

    func dueMessages(at now: Date, limit: Int) async throws -> [OutboxMessage] {
        try await reader.read { db in
            try OutboxMessage.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox_message
                    WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [now, limit])
        }
    }

    func markSent(id: Int64, at now: Date) async throws {
        try await writer.write { db in
            var message = try Self.pending(db, id: id)
            message.attempts += 1
            message.sentAt = now
            message.lastError = nil
            try message.update(db)
        }
    }

    func markFailed(id: Int64, error: String, retryAt: Date?, at now: Date) async throws {
        try await writer.write { db in
            var message = try Self.pending(db, id: id)
            message.attempts += 1
            message.lastError = String(error.prefix(1000))
            if let retryAt {
                message.nextAttemptAt = retryAt
            } else {
                message.abandonedAt = now
            }
            try message.update(db)
        }
    }

    func outboxCounts() async throws -> OutboxCounts {
        try await reader.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FILTER (WHERE sent_at IS NULL AND abandoned_at IS NULL) AS pending,
                           COUNT(sent_at) AS sent, COUNT(abandoned_at) AS abandoned
                    FROM outbox_message
                    """)!
            return OutboxCounts(pending: row["pending"], sent: row["sent"], abandoned: row["abandoned"])
        }
    }

    func messages(subjectType: String, subjectID: String) async throws -> [OutboxMessage] {
        try await reader.read { db in
            try OutboxMessage.filter(Column("subject_type") == subjectType && Column("subject_id") == subjectID)
                .order(Column("id")).fetchAll(db)
        }
    }

    /// A notice still waiting; sent or abandoned ones are not attempted again.
    static func pending(_ db: Database, id: Int64) throws -> OutboxMessage {
        guard let message = try OutboxMessage.fetchOne(db, key: id) else { throw StoreError.notFound(kind: "outbox message", key: String(id)) }
        guard message.sentAt == nil && message.abandonedAt == nil else {
            throw StoreError.conflict("outbox message \(id) was already \(message.sentAt != nil ? "sent" : "abandoned")")
        }
        return message
    }
}
