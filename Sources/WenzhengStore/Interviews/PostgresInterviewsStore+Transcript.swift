import Foundation
import PostgresNIO
import WenzhengCore

/// The numbered transcript on PostgreSQL (`GRDBInterviewsStore+Transcript`).
/// Every event takes the next number of the interview's one counter
/// (`interview.last_seq`) in the transaction that records it. Writers to
/// one interview queue on its advisory lock (`writeInterview`), across
/// nodes; SERIALIZABLE still refuses any other writer that saw the counter
/// before a commit moved it, so the stream has no gap and no duplicate.
extension PostgresInterviewsStore {
    func postEntry(
        interviewID: Int64, kind: TranscriptEntryKind, body: String, author: EntryAuthor, questionID: Int64?,
        actor: AuthenticatedStaff, at now: Date
    ) async throws -> TranscriptEvent {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(body, field: "body", maxLength: InterviewRules.entryMaxLength, into: &errors)
        if kind != .remark && kind != .answer {
            errors.append(.invalid("kind", "kind must be remark or answer"))
        }
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        return try await writeInterview(interviewID) { tx in
            let interview = try await Self.existingInterview(tx, id: interviewID)
            try await Self.ensureRuns(tx, interview, actor)
            var late = false
            var question: InterviewQuestionRecord?
            if let questionID {
                question = try await Self.existingQuestion(tx, interviewID: interviewID, id: questionID)
            }
            switch interview.status {
            case .live:
                if let state = question?.state, ![.onAir, .approved, .answered].contains(state) {
                    throw StoreError.conflict("question \(questionID!) is \(state.rawValue)")
                }
            case .ended, .published:
                // After the interview only deferred questions are answered.
                guard kind == .answer, let state = question?.state, state == .deferred || state == .answered else {
                    throw StoreError.conflict(
                        "the interview is \(interview.status.rawValue); only answers to deferred questions can be added")
                }
                late = true
            case .scheduled, .open:
                throw StoreError.conflict("the interview is not live yet")
            case .cancelled:
                throw StoreError.conflict("the interview is cancelled")
            }
            let (name, title, department) = try await Self.author(tx, interview: interview, kind: kind, author: author, actor: actor)
            let event = try await Self.appendEntry(
                tx, interviewID: interviewID, kind: kind, author: name, authorTitle: title, questionID: questionID, body: text,
                late: late, postedBy: actor.userID, department: department, at: now)
            var questionsChanged = false
            if kind == .answer, var question {
                question.state = .answered
                // 答复日期 is the first answer's: a later addition does not
                // move it (or make a late answer look timely).
                question.answeredAt = question.answeredAt ?? now
                try await question.update(tx)
                questionsChanged = true
            }
            if late {
                try await AuditEntry.record(
                    tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.late_answer",
                    subjectType: "interview_question", subjectID: questionID.map(String.init), at: now)
            }
            try await Self.notifyChange(tx, interviewID: interviewID, seq: event.seq, questionsChanged: questionsChanged)
            return event
        }
    }

    func correctEntry(
        interviewID: Int64, entryID: Int64, body: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> PublishedCorrection {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(body, field: "body", maxLength: InterviewRules.entryMaxLength, into: &errors)
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        return try await writeInterview(interviewID) { tx in
            let interview = try await Self.existingInterview(tx, id: interviewID)
            try await Self.ensureRuns(tx, interview, actor)
            guard var entry = try await Self.entry(tx, interviewID: interviewID, id: entryID) else {
                throw StoreError.notFound(kind: "transcript entry", key: String(entryID))
            }
            guard entry.kind != .system else { throw StoreError.conflict("system entries cannot be corrected") }
            // A correction is published at once; a withdrawn entry comes
            // back only through republication, by an admin.
            if try await PostgresPublicationWithdrawals.withdrawalInForce(tx, .transcriptEntry, entryID) != nil {
                throw StoreError.conflict("entry \(entryID) is withdrawn; an admin publishes it again with the corrected text")
            }
            if actor.role == .guest && entry.postedBy != actor.userID {
                throw StoreError.forbidden("a guest corrects only their own answers")
            }
            var asker: String?
            if entry.kind == .question, let questionID = entry.questionId {
                asker = try await Self.question(tx, id: questionID)?.nickname
            }
            let masked = PersonalInformation.maskWithSpans(text, authorName: asker)
            if masked.text.unicodeScalars.count > InterviewRules.entryMaxLength {
                throw StoreError.invalid(
                    ValidationFailure([
                        FieldError(
                            field: "body", code: "too_long",
                            message: "body must be at most \(InterviewRules.entryMaxLength) characters once personal information is masked")
                    ]))
            }
            let previous = entry.body
            entry.body = masked.text
            entry.version += 1
            try await tx.update("transcript_entry", entry, id: entryID)
            let seq = try await Self.nextSeq(tx, interviewID: interviewID)
            let correction = TranscriptCorrectionRecord(
                id: nil, interviewId: interviewID, seq: seq, entryId: entryID, version: entry.version, previousBody: previous,
                body: masked.text, correctedBy: actor.userID, correctedAt: now)
            try await tx.insert(into: "transcript_correction", correction)
            try await AuditEntry.record(
                tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.correct_entry",
                subjectType: "transcript_entry", subjectID: String(entryID), before: ["body": previous],
                after: ["body": masked.text, "masked": masked.spans.map(\.kind.rawValue).joined(separator: ",")], at: now)
            try await Self.notifyChange(tx, interviewID: interviewID, seq: seq, questionsChanged: false)
            return PublishedCorrection(
                event: .correction(
                    TranscriptCorrection(
                        seq: seq, entryId: entryID, entrySeq: entry.seq, version: entry.version, body: masked.text, correctedAt: now)),
                masked: masked.spans)
        }
    }

    func transcriptEvents(interviewID: Int64, since: Int64, limit: Int) async throws -> [TranscriptEvent] {
        try await backend.read { tx in
            let entries = try await tx.records(
                TranscriptEntryRecord.self,
                "SELECT * FROM transcript_entry WHERE interview_id = \(interviewID) AND seq > \(since) ORDER BY seq LIMIT \(Int64(limit))")
            let corrections = try await tx.records(
                TranscriptCorrectionRecord.self,
                """
                SELECT * FROM transcript_correction WHERE interview_id = \(interviewID) AND seq > \(since) ORDER BY seq LIMIT \(Int64(limit))
                """)
            var events: [TranscriptEvent] = []
            // An entry replayed together with its later corrections must show
            // the body and version it had at its own seq; the corrections
            // follow. Both come from its first correction in the replay.
            var firstCorrection: [Int64: TranscriptCorrectionRecord] = [:]
            for correction in corrections where firstCorrection[correction.entryId] == nil {
                firstCorrection[correction.entryId] = correction
            }
            var entrySeqs: [Int64: Int64] = [:]
            for var entry in entries {
                entrySeqs[entry.id!] = entry.seq
                if let first = firstCorrection[entry.id!] {
                    entry.body = first.previousBody
                    entry.version = first.version - 1
                }
                events.append(.entry(GRDBInterviewsStore.entryView(entry)))
            }
            for correction in corrections {
                var entrySeq = entrySeqs[correction.entryId]
                if entrySeq == nil {
                    entrySeq = try await tx.scalar("SELECT seq FROM transcript_entry WHERE id = \(correction.entryId)", as: Int64.self)
                }
                events.append(
                    .correction(
                        TranscriptCorrection(
                            seq: correction.seq, entryId: correction.entryId, entrySeq: entrySeq ?? 0, version: correction.version,
                            body: correction.body, correctedAt: correction.correctedAt)))
            }
            // Every withdrawal after `since`, past the limit too: an entry
            // in this replay withdrawn later must come without its text.
            events += try await Self.withdrawalEvents(tx, interviewID: interviewID, since: since, limit: Int.max)
            return Array(TranscriptEvent.redactWithdrawnText(events.sorted { $0.seq < $1.seq }).prefix(limit))
        }
    }

    func transcriptPage(
        interviewID: Int64, _ window: TranscriptWindow, limit: Int, reader transcriptReader: TranscriptReader
    ) async throws -> TranscriptPage {
        let limit = max(1, limit)
        return try await backend.read { tx in
            var page = try await Self.transcriptPage(tx, interviewID: interviewID, window, limit: limit)
            (page.entries, page.withdrawals) = try await Self.markWithdrawn(tx, page.entries, for: transcriptReader)
            return page
        }
    }

    static func transcriptPage(_ tx: PostgresTransaction, interviewID: Int64, _ window: TranscriptWindow, limit: Int) async throws
        -> TranscriptPage
    {
        _ = try await existingInterview(tx, id: interviewID)
        let bound = Int64(limit + 1)
        switch window {
        case .after(let seq):
            let found = try await tx.records(
                TranscriptEntryRecord.self,
                "SELECT * FROM transcript_entry WHERE interview_id = \(interviewID) AND seq > \(seq) ORDER BY seq LIMIT \(bound)")
            let earlier = try await tx.scalar(
                "SELECT EXISTS (SELECT 1 FROM transcript_entry WHERE interview_id = \(interviewID) AND seq <= \(seq))", as: Bool.self)
            return TranscriptPage(
                entries: found.prefix(limit).map(GRDBInterviewsStore.entryView), hasEarlier: earlier ?? false, hasLater: found.count > limit
            )
        case .before(let seq):
            let found = try await tx.records(
                TranscriptEntryRecord.self,
                "SELECT * FROM transcript_entry WHERE interview_id = \(interviewID) AND seq < \(seq) ORDER BY seq DESC LIMIT \(bound)")
            let later = try await tx.scalar(
                "SELECT EXISTS (SELECT 1 FROM transcript_entry WHERE interview_id = \(interviewID) AND seq >= \(seq))", as: Bool.self)
            return TranscriptPage(
                entries: found.prefix(limit).reversed().map(GRDBInterviewsStore.entryView), hasEarlier: found.count > limit,
                hasLater: later ?? false)
        case .latest:
            let found = try await tx.records(
                TranscriptEntryRecord.self,
                "SELECT * FROM transcript_entry WHERE interview_id = \(interviewID) ORDER BY seq DESC LIMIT \(bound)")
            return TranscriptPage(
                entries: found.prefix(limit).reversed().map(GRDBInterviewsStore.entryView), hasEarlier: found.count > limit,
                hasLater: false)
        }
    }

    /// The interview's next transcript number, from its one counter.
    static func nextSeq(_ tx: PostgresTransaction, interviewID: Int64) async throws -> Int64 {
        guard
            let seq = try await tx.scalar(
                "UPDATE interview SET last_seq = last_seq + 1 WHERE id = \(interviewID) RETURNING last_seq", as: Int64.self)
        else {
            throw StoreError.notFound(kind: "interview", key: String(interviewID))
        }
        return seq
    }

    static func appendEntry(
        _ tx: PostgresTransaction, interviewID: Int64, kind: TranscriptEntryKind, author: String, authorTitle: String?,
        questionID: Int64?, body: String, late: Bool, postedBy: Int64?, department: String? = nil, at now: Date
    ) async throws -> TranscriptEvent {
        let seq = try await nextSeq(tx, interviewID: interviewID)
        var record = TranscriptEntryRecord(
            id: nil, interviewId: interviewID, seq: seq, kind: kind, author: author, authorTitle: authorTitle,
            questionId: questionID, body: body, version: 1, late: late, postedBy: postedBy, createdAt: now, department: department)
        record.id = try await tx.insert(into: "transcript_entry", record)
        return .entry(GRDBInterviewsStore.entryView(record))
    }

    static func entry(_ tx: PostgresTransaction, interviewID: Int64, id: Int64) async throws -> TranscriptEntryRecord? {
        try await tx.record(TranscriptEntryRecord.self, "SELECT * FROM transcript_entry WHERE interview_id = \(interviewID) AND id = \(id)")
    }

    /// Who an entry is from: name, title and, for answers, department.
    static func author(
        _ tx: PostgresTransaction, interview: InterviewRecord, kind: TranscriptEntryKind, author: EntryAuthor, actor: AuthenticatedStaff
    ) async throws -> (String, String?, String?) {
        switch (kind, author) {
        case (.remark, _):
            guard actor.role == .host || actor.role == .admin else {
                throw StoreError.conflict("only the host posts remarks")
            }
            return (actor.displayName, "主持人", nil)
        case (.answer, .guest(let guestID)):
            let guests = try await tx.records(
                InterviewGuestRecord.self, "SELECT * FROM interview_guest WHERE interview_id = \(interview.id!) ORDER BY position, id")
            let guest: InterviewGuestRecord?
            if actor.role == .guest {
                // A guest answers as themself only.
                guest = guests.first { $0.userId == actor.userID }
                guard let guest, guestID == nil || guestID == guest.id else {
                    throw StoreError.conflict("you are not a guest of this interview")
                }
                return GRDBInterviewsStore.answerAuthor(guest)
            }
            if let guestID {
                guest = guests.first { $0.id == guestID }
            } else {
                guest = guests.count == 1 ? guests.first : nil
            }
            guard let guest else {
                throw StoreError.invalid(ValidationFailure([.invalid("guestId", "name the guest this answer is from")]))
            }
            return GRDBInterviewsStore.answerAuthor(guest)
        case (.answer, .host):
            throw StoreError.invalid(ValidationFailure([.invalid("guestId", "answers come from a guest")]))
        default:
            throw StoreError.invalid(ValidationFailure([.invalid("kind", "kind must be remark or answer")]))
        }
    }
}
