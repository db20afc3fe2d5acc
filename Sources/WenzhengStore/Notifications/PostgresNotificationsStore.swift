import Foundation
import PostgresNIO

/// `NotificationsStore` on PostgreSQL, where several server nodes run a
/// sender each against one outbox.
///
/// `dueMessages` therefore claims what it returns: in one transaction it
/// takes the due rows with `FOR UPDATE SKIP LOCKED` (a node claiming at the
/// same moment skips them rather than waiting) and moves their
/// `next_attempt_at` to the end of a lease (`claimLease`). Another node's
/// sender does not see them as due until the lease has passed, by when the
/// claiming node has recorded each outcome (`markSent`, `markFailed`, which
/// set the row's real state). A node that stops mid-batch leaves its
/// unsent claims to whichever node comes after the lease: delivery stays at
/// least once, and no notice is handed to two senders at once.
struct PostgresNotificationsStore: NotificationsStore {
    let backend: PostgresBackend
    /// Longer than a batch takes to deliver: 50 notices, each bounded by
    /// the SMTP reply timeout (60 s), rarely more than a few minutes.
    var claimLease: TimeInterval = 15 * 60

    /// Writes a notice in the caller's transaction, due at once
    /// (`GRDBNotificationsStore.enqueue`).
    @discardableResult
    static func enqueue(_ tx: PostgresTransaction, _ notice: OutgoingNotice, at now: Date) async throws -> OutboxMessage {
        var message = OutboxMessage(
            id: nil, kind: notice.kind, recipient: notice.recipient, subject: notice.subject, body: notice.body,
            subjectType: notice.subjectType, subjectId: notice.subjectID, createdAt: now, attempts: 0, nextAttemptAt: now,
            sentAt: nil, abandonedAt: nil, lastError: nil)
        message.id = try await tx.insert(into: OutboxMessage.databaseTableName, message)
        return message
    }

    func dueMessages(at now: Date, limit: Int) async throws -> [OutboxMessage] {
        let leaseEnd = now.addingTimeInterval(claimLease)
        return try await backend.write { tx in
            let due = try await tx.records(
                OutboxMessage.self,
                """
                SELECT * FROM outbox_message
                WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= \(now)
                ORDER BY next_attempt_at, id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
                """)
            let ids = due.compactMap(\.id)
            if !ids.isEmpty {
                try await tx.execute("UPDATE outbox_message SET next_attempt_at = \(leaseEnd) WHERE id = ANY(\(ids))")
            }
            // As they were when due: the sender reads `attempts` from them.
            return due
        }
    }

    func markSent(id: Int64, at now: Date) async throws {
        try await backend.write { tx in
            var message = try await Self.pending(tx, id: id)
            message.attempts += 1
            message.sentAt = now
            message.lastError = nil
            try await tx.update(OutboxMessage.databaseTableName, message, id: id)
        }
    }

    func markFailed(id: Int64, error: String, retryAt: Date?, at now: Date) async throws {
        try await backend.write { tx in
            var message = try await Self.pending(tx, id: id)
            message.attempts += 1
            message.lastError = String(error.prefix(1000))
            if let retryAt {
                message.nextAttemptAt = retryAt
            } else {
                message.abandonedAt = now
            }
            try await tx.update(OutboxMessage.databaseTableName, message, id: id)
        }
    }

    func outboxCounts() async throws -> OutboxCounts {
        try await backend.read { tx in
            guard
                let row = try await tx.row(
                    """
                    SELECT COUNT(*) FILTER (WHERE sent_at IS NULL AND abandoned_at IS NULL) AS pending,
                           COUNT(sent_at) AS sent, COUNT(abandoned_at) AS abandoned
                    FROM outbox_message
                    """)
            else { return OutboxCounts(pending: 0, sent: 0, abandoned: 0) }
            return OutboxCounts(
                pending: try row.value("pending", as: Int.self), sent: try row.value("sent", as: Int.self),
                abandoned: try row.value("abandoned", as: Int.self))
        }
    }

    func messages(subjectType: String, subjectID: String) async throws -> [OutboxMessage] {
        try await backend.read { tx in
            try await tx.records(
                OutboxMessage.self,
                "SELECT * FROM outbox_message WHERE subject_type = \(subjectType) AND subject_id = \(subjectID) ORDER BY id")
        }
    }

    /// A notice still waiting; sent or abandoned ones are not attempted
    /// again. Locked for the rest of the transaction.
    static func pending(_ tx: PostgresTransaction, id: Int64) async throws -> OutboxMessage {
        guard let message = try await tx.record(OutboxMessage.self, "SELECT * FROM outbox_message WHERE id = \(id) FOR UPDATE") else {
            throw StoreError.notFound(kind: "outbox message", key: String(id))
        }
        guard message.sentAt == nil && message.abandonedAt == nil else {
            throw StoreError.conflict("outbox message \(id) was already \(message.sentAt != nil ? "sent" : "abandoned")")
        }
        return message
    }
}
