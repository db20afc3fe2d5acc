import Foundation
import PostgresNIO
import WenzhengCore

/// Withdrawing a transcript entry and publishing it again on PostgreSQL
/// (`GRDBInterviewsStore+TranscriptWithdrawals`): each one transaction that
/// also hands out the event's sequence number and tells the other nodes.
extension PostgresInterviewsStore {
    func unpublishEntry(
        interviewID: Int64, entryID: Int64, reason: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> TranscriptEvent {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let reason = try PublicationWithdrawals.validatedReason(reason)
        return try await writeInterview(interviewID) { tx in
            let entry = try await Self.withdrawableEntry(tx, interviewID: interviewID, entryID: entryID)
            let withdrawal = try await PostgresPublicationWithdrawals.recordWithdrawal(
                tx, .transcriptEntry, entryID, published: true, reason: reason, actor: actor, at: now)
            let seq = try await Self.appendWithdrawalEvent(
                tx, .withdrawn, entry: entry, withdrawal: withdrawal, audit: "interview.unpublish_entry", actor: actor,
                before: AuditedPublication(published: true, text: entry.body), after: AuditedPublication(published: false, reason: reason),
                at: now)
            // A question's text leaves the public question list too.
            try await Self.notifyChange(tx, interviewID: interviewID, seq: seq, questionsChanged: entry.kind == .question)
            return .withdrawal(TranscriptWithdrawal(seq: seq, entryId: entryID, entrySeq: entry.seq, withdrawnAt: now))
        }
    }

    func republishEntry(
        interviewID: Int64, entryID: Int64, body: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> PublishedCorrection {
        try PublicationWithdrawals.ensureWithdraws(actor)
        return try await writeInterview(interviewID) { tx in
            var entry = try await Self.withdrawableEntry(tx, interviewID: interviewID, entryID: entryID)
            var question: InterviewQuestionRecord?
            if let questionID = entry.questionId { question = try await Self.question(tx, id: questionID) }
            var errors: [FieldError] = []
            let masked = WithdrawalRules.correctedText(
                body, field: "body", maxLength: InterviewRules.entryMaxLength,
                authorName: entry.kind == .question ? question?.nickname : nil, into: &errors)
            try GRDBModerationStore.throwIfInvalid(errors)
            let withdrawal = try await PostgresPublicationWithdrawals.recordRepublication(tx, .transcriptEntry, entryID, text: masked.text, actor: actor, at: now)
            let previous = entry.body
            entry.body = masked.text
            entry.version += 1
            try await tx.update("transcript_entry", entry, id: entryID)
            if entry.kind == .question, var asked = question {
                asked.publishedText = masked.text
                try await asked.update(tx)
            }
            let seq = try await Self.appendWithdrawalEvent(
                tx, .republished, entry: entry, withdrawal: withdrawal, audit: "interview.republish_entry", actor: actor,
                before: AuditedPublication(published: false, text: previous),
                after: AuditedPublication(published: true, text: masked.text, masked: PublicationWithdrawals.maskedKinds(masked)), at: now)
            try await Self.notifyChange(tx, interviewID: interviewID, seq: seq, questionsChanged: entry.kind == .question)
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
        _ tx: PostgresTransaction, _ kind: TranscriptWithdrawalEventRecord.Kind, entry: TranscriptEntryRecord,
        withdrawal: PublicationWithdrawalRecord, audit action: String, actor: AuthenticatedStaff, before: AuditedPublication,
        after: AuditedPublication, at now: Date
    ) async throws -> Int64 {
        let seq = try await nextSeq(tx, interviewID: entry.interviewId)
        let event = TranscriptWithdrawalEventRecord(
            id: nil, interviewId: entry.interviewId, seq: seq, entryId: entry.id!, withdrawalId: withdrawal.id!, kind: kind,
            version: entry.version)
        try await tx.insert(into: "transcript_withdrawal_event", event)
        try await AuditEntry.record(
            tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: "transcript_entry",
            subjectID: String(entry.id!), before: before, after: after, at: now)
        return seq
    }

    /// An entry of this interview that is not a system line.
    static func withdrawableEntry(_ tx: PostgresTransaction, interviewID: Int64, entryID: Int64) async throws -> TranscriptEntryRecord {
        _ = try await existingInterview(tx, id: interviewID)
        guard let entry = try await entry(tx, interviewID: interviewID, id: entryID) else {
            throw StoreError.notFound(kind: "transcript entry", key: String(entryID))
        }
        guard entry.kind != .system else { throw StoreError.conflict("system entries are not withdrawn") }
        return entry
    }

    /// The entries withdrawn now among `entries`, marked, and without their
    /// text unless the reader may read it.
    static func markWithdrawn(_ tx: PostgresTransaction, _ entries: [TranscriptEntry], for reader: TranscriptReader) async throws
        -> (entries: [TranscriptEntry], withdrawals: [Int64: PublicationWithdrawal])
    {
        let withdrawals = try await PostgresPublicationWithdrawals.withdrawalsInForce(tx, .transcriptEntry, ids: entries.map(\.id))
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
    static func withdrawalEvents(_ tx: PostgresTransaction, interviewID: Int64, since: Int64, limit: Int) async throws
        -> [TranscriptEvent]
    {
        let rows = try await tx.rows(
            """
            SELECT transcript_withdrawal_event.*, transcript_entry.seq AS entry_seq,
                   publication_withdrawal.withdrawn_at, publication_withdrawal.republished_at,
                   publication_withdrawal.republished_text
            FROM transcript_withdrawal_event
            JOIN transcript_entry ON transcript_entry.id = transcript_withdrawal_event.entry_id
            JOIN publication_withdrawal ON publication_withdrawal.id = transcript_withdrawal_event.withdrawal_id
            WHERE transcript_withdrawal_event.interview_id = \(interviewID) AND transcript_withdrawal_event.seq > \(since)
            ORDER BY transcript_withdrawal_event.seq LIMIT \(Int64(limit))
            """)
        return try rows.map { row in
            let event = try PostgresRecordDecoder.decode(TranscriptWithdrawalEventRecord.self, from: row)
            let entrySeq = try row.value("entry_seq", as: Int64.self)
            switch event.kind {
            case .withdrawn:
                return .withdrawal(
                    TranscriptWithdrawal(
                        seq: event.seq, entryId: event.entryId, entrySeq: entrySeq,
                        withdrawnAt: try row.value("withdrawn_at", as: Date.self)))
            case .republished:
                return .republication(
                    TranscriptCorrection(
                        seq: event.seq, entryId: event.entryId, entrySeq: entrySeq, version: event.version,
                        body: try row.value("republished_text", as: String.self),
                        correctedAt: try row.value("republished_at", as: Date.self)))
            }
        }
    }
}
