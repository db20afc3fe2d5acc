import Foundation
import PostgresNIO
import WenzhengCore

// The interview records with explicit columns (`init(row:)`, not Codable),
// read from and written to PostgreSQL rows. Their INSERTs and UPDATEs are
// spelled out here, column by column, as their GRDB `encode(to:)` is.

extension InterviewRecord {
    init(postgresRow row: PostgresRandomAccessRow) throws {
        id = try row.value("id", as: Int64.self)
        title = try row.value("title", as: String.self)
        summary = try row.value("summary", as: String.self)
        scheduledStart = try row.value("scheduled_start", as: Date.self)
        plannedMinutes = try row.value("planned_minutes", as: Int.self)
        hostUserId = try row.value("host_user_id", as: Int64?.self)
        status = try row.value(rawValueOf: "status")
        lastSeq = try row.value("last_seq", as: Int64.self)
        createdAt = try row.value("created_at", as: Date.self)
        updatedAt = try row.value("updated_at", as: Date.self)
        startedAt = try row.value("started_at", as: Date?.self)
        endedAt = try row.value("ended_at", as: Date?.self)
        publishedAt = try row.value("published_at", as: Date?.self)
        revision = try row.value("revision", as: Int.self)
        announcedAt = try row.value("announced_at", as: Date?.self)
        cancellationReason = try row.value("cancellation_reason", as: String?.self)
        cancelledAt = try row.value("cancelled_at", as: Date?.self)
    }

    /// Inserts the record and returns its new id.
    func insert(_ tx: PostgresTransaction) async throws -> Int64 {
        let id = try await tx.scalar(
            """
            INSERT INTO interview (title, summary, scheduled_start, planned_minutes, host_user_id, status, last_seq, created_at,
                updated_at, started_at, ended_at, published_at, revision, announced_at, cancellation_reason, cancelled_at)
            VALUES (\(title), \(summary), \(scheduledStart), \(plannedMinutes), \(hostUserId), \(status.rawValue), \(lastSeq),
                \(createdAt), \(updatedAt), \(startedAt), \(endedAt), \(publishedAt), \(revision), \(announcedAt),
                \(cancellationReason), \(cancelledAt))
            RETURNING id
            """, as: Int64.self)
        guard let id else { throw StoreError.notFound(kind: "interview", key: "new") }
        return id
    }

    /// Writes every column but `id` (and `last_seq`, which only `nextSeq`
    /// moves) to the record's row.
    func update(_ tx: PostgresTransaction) async throws {
        try await tx.execute(
            """
            UPDATE interview SET title = \(title), summary = \(summary), scheduled_start = \(scheduledStart),
                planned_minutes = \(plannedMinutes), host_user_id = \(hostUserId), status = \(status.rawValue),
                updated_at = \(updatedAt), started_at = \(startedAt), ended_at = \(endedAt), published_at = \(publishedAt),
                revision = \(revision), announced_at = \(announcedAt), cancellation_reason = \(cancellationReason),
                cancelled_at = \(cancelledAt)
            WHERE id = \(id)
            """)
    }
}

extension InterviewQuestionRecord {
    /// `reply_due_on` is a DATE on PostgreSQL; the record keeps SQLite's
    /// text form (`2026-05-11`).
    init(postgresRow row: PostgresRandomAccessRow) throws {
        id = try row.value("id", as: Int64.self)
        interviewId = try row.value("interview_id", as: Int64.self)
        text = try row.value("text", as: String.self)
        publishedText = try row.value("published_text", as: String?.self)
        nickname = try row.value("nickname", as: String?.self)
        contact = try row.value("contact", as: String?.self)
        browserKey = try row.value("browser_key", as: String.self)
        clientAddress = try row.value("client_address", as: String.self)
        state = try row.value(rawValueOf: "state")
        moderationItemId = try row.value("moderation_item_id", as: Int64?.self)
        mergedIntoId = try row.value("merged_into_id", as: Int64?.self)
        votes = try row.value("votes", as: Int.self)
        onAirAt = try row.value("on_air_at", as: Date?.self)
        answeredAt = try row.value("answered_at", as: Date?.self)
        deferredAt = try row.value("deferred_at", as: Date?.self)
        replyDueOn = try row.value("reply_due_on", as: CivilDate?.self)?.description
        createdAt = try row.value("created_at", as: Date.self)
    }

    /// The reply deadline as the DATE column takes it.
    var replyDueDate: CivilDate? {
        get throws {
            guard let replyDueOn else { return nil }
            guard let date = CivilDate(replyDueOn) else {
                throw StoreError.invalid(ValidationFailure([.invalid("replyDueOn", "'\(replyDueOn)' is not a date")]))
            }
            return date
        }
    }

    /// Writes every column but `id` to the record's row.
    func update(_ tx: PostgresTransaction) async throws {
        let due = try replyDueDate
        try await tx.execute(
            """
            UPDATE interview_question SET interview_id = \(interviewId), text = \(text), published_text = \(publishedText),
                nickname = \(nickname), contact = \(contact), browser_key = \(browserKey), client_address = \(clientAddress),
                state = \(state.rawValue), moderation_item_id = \(moderationItemId), merged_into_id = \(mergedIntoId),
                votes = \(votes), on_air_at = \(onAirAt), answered_at = \(answeredAt), deferred_at = \(deferredAt),
                reply_due_on = \(due), created_at = \(createdAt)
            WHERE id = \(id)
            """)
    }
}
