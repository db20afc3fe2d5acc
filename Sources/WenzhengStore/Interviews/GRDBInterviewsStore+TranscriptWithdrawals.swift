import Foundation
import GRDB
import WenzhengCore

/// A numbered event of the live stream that withdraws an entry or publishes
/// it again (`transcript_withdrawal_event`).
struct TranscriptWithdrawalEventRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    enum Kind: String, Codable, Sendable {
        case withdrawn
        case republished
    }

    var id: Int64?
    var interviewId: Int64
    var seq: Int64
    var entryId: Int64
    var withdrawalId: Int64
    var kind: Kind
    /// The entry's version after the event.
    var version: Int

    static let databaseTableName = "transcript_withdrawal_event"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Withdrawing a transcript entry (an answer, a question put on air, a
/// remark, a late answer) and publishing it again after correction (issue
/// 9, item 23). Each is one transaction that also hands out the event's
/// sequence number, so the live stream stays gap-free.
extension GRDBInterviewsStore {
    /// Withdraws an entry from the public transcript, the transcript API and
    /// the live stream (a numbered `withdrawal` event). A question's text
    /// leaves the public question list too.
    ///
    /// - Throws: `StoreError.forbidden` for anyone but an admin;
    ///   `StoreError.conflict` for a system entry or one already withdrawn.
    func unpublishEntry(
        interviewID: Int64, entryID: Int64, reason: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> TranscriptEvent {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let reason = try PublicationWithdrawals.validatedReason(reason)
        return try await writer.write { db in
            let entry = try Self.withdrawableEntry(db, interviewID: interviewID, entryID: entryID)
            let withdrawal = try PublicationWithdrawals.recordWithdrawal(
                db, .transcriptEntry, entryID, published: true, reason: reason, actor: actor, at: now)
            let seq = try Self.appendWithdrawalEvent(
                db, .withdrawn, entry: entry, withdrawal: withdrawal, audit: "interview.unpublish_entry", actor: actor,
                before: AuditedPublication(published: true, text: entry.body), after: AuditedPublication(published: false, reason: reason),
                at: now)
            return .withdrawal(TranscriptWithdrawal(seq: seq, entryId: entryID, entrySeq: entry.seq, withdrawnAt: now))
        }
    }

    /// Publishes a withdrawn entry again with a corrected text, masked as
    /// citizens' text is (a question's asker's name too), as a numbered
    /// `republication` event; the entry's version goes up. A question's
    /// public text becomes the corrected one.
    ///
    /// - Returns: the event, and what masking changed, for the admin.
    func republishEntry(
        interviewID: Int64, entryID: Int64, body: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> PublishedCorrection {
        try PublicationWithdrawals.ensureWithdraws(actor)
        return try await writer.write { db in
            var entry = try Self.withdrawableEntry(db, interviewID: interviewID, entryID: entryID)
            let question = try entry.questionId.flatMap { try InterviewQuestionRecord.fetchOne(db, key: $0) }
            var errors: [FieldError] = []
            let masked = WithdrawalRules.correctedText(
                body, field: "body", maxLength: InterviewRules.entryMaxLength,
                authorName: entry.kind == .question ? question?.nickname : nil, into: &errors)
            try GRDBModerationStore.throwIfInvalid(errors)
            let withdrawal = try PublicationWithdrawals.recordRepublication(db, .transcriptEntry, entryID, text: masked.text, actor: actor, at: now)
            let previous = entry.body
            entry.body = masked.text
            entry.version += 1
            try entry.update(db)
            if entry.kind == .question, var asked = question {
                asked.publishedText = masked.text
                try asked.update(db)
            }
            let seq = try Self.appendWithdrawalEvent(
                db, .republished, entry: entry, withdrawal: withdrawal, audit: "interview.republish_entry", actor: actor,
                before: AuditedPublication(published: false, text: previous),
                after: AuditedPublication(published: true, text: masked.text, masked: PublicationWithdrawals.maskedKinds(masked)), at: now)
            return PublishedCorrection(
                event: .republication(
                    TranscriptCorrection(
                        seq: seq, entryId: entryID, entrySeq: entry.seq, version: entry.version, body: masked.text, correctedAt: now)),
                masked: masked.spans)
        }
    }

    /// The numbered stream event of a withdrawal or a republication, and its
    /// audit line; returns the event's sequence number.
    static func appendWithdrawalEvent(
        _ db: Database, _ kind: TranscriptWithdrawalEventRecord.Kind, entry: TranscriptEntryRecord,
        withdrawal: PublicationWithdrawalRecord, audit action: String, actor: AuthenticatedStaff, before: AuditedPublication,
        after: AuditedPublication, at now: Date
    ) throws -> Int64 {
        let seq = try nextSeq(db, interviewID: entry.interviewId)
        var event = TranscriptWithdrawalEventRecord(
            id: nil, interviewId: entry.interviewId, seq: seq, entryId: entry.id!, withdrawalId: withdrawal.id!, kind: kind,
            version: entry.version)
        try event.insert(db)
        try AuditEntry.record(
            db, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: "transcript_entry",
            subjectID: String(entry.id!), before: before, after: after, at: now)
        return seq
    }

    /// An entry of this interview that is not a system line.
    static func withdrawableEntry(_ db: Database, interviewID: Int64, entryID: Int64) throws -> TranscriptEntryRecord {
        _ = try existingInterview(db, id: interviewID)
        guard let entry = try TranscriptEntryRecord.filter(Column("interview_id") == interviewID && Column("id") == entryID).fetchOne(db)
        else {
            throw StoreError.notFound(kind: "transcript entry", key: String(entryID))
        }
        guard entry.kind != .system else { throw StoreError.conflict("system entries are not withdrawn") }
        return entry
    }

    /// The entries withdrawn now among `entries`, marked, and without their
    /// text unless the reader may read it.
    static func markWithdrawn(_ db: Database, _ entries: [TranscriptEntry], for reader: TranscriptReader) throws
        -> (entries: [TranscriptEntry], withdrawals: [Int64: PublicationWithdrawal])
    {
        let withdrawals = try PublicationWithdrawals.withdrawalsInForce(db, .transcriptEntry, ids: entries.map(\.id))
        guard !withdrawals.isEmpty else { return (entries, [:]) }
        let marked = entries.map { entry -> TranscriptEntry in
            guard withdrawals[entry.id] != nil else { return entry }
            var entry = entry
            entry.withdrawn = true
            if reader != .staff(readsWithdrawnText: true) { entry = entry.publicView }
            return entry
        }
        return (marked, reader == .public ? [:] : withdrawals)
    }

    /// The numbered withdrawal events after `since`, for the replay.
    static func withdrawalEvents(_ db: Database, interviewID: Int64, since: Int64, limit: Int) throws -> [TranscriptEvent] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT transcript_withdrawal_event.*, transcript_entry.seq AS entry_seq,
                       publication_withdrawal.withdrawn_at, publication_withdrawal.republished_at,
                       publication_withdrawal.republished_text
                FROM transcript_withdrawal_event
                JOIN transcript_entry ON transcript_entry.id = transcript_withdrawal_event.entry_id
                JOIN publication_withdrawal ON publication_withdrawal.id = transcript_withdrawal_event.withdrawal_id
                WHERE transcript_withdrawal_event.interview_id = ? AND transcript_withdrawal_event.seq > ?
                ORDER BY transcript_withdrawal_event.seq LIMIT ?
                """,
            arguments: [interviewID, since, limit])
        return try rows.map { row in
            let event = try TranscriptWithdrawalEventRecord(row: row)
            switch event.kind {
            case .withdrawn:
                return .withdrawal(
                    TranscriptWithdrawal(
                        seq: event.seq, entryId: event.entryId, entrySeq: row["entry_seq"], withdrawnAt: row["withdrawn_at"]))
            case .republished:
                return .republication(
                    TranscriptCorrection(
                        seq: event.seq, entryId: event.entryId, entrySeq: row["entry_seq"], version: event.version,
                        body: row["republished_text"], correctedAt: row["republished_at"]))
            }
        }
    }
}
