import Foundation
import GRDB
import WenzhengCore

/// The numbered transcript: entries, corrections, replays and pages. Every
/// event takes the next number of the interview's one counter in the
/// transaction that records it, so the stream has no gap.
extension GRDBInterviewsStore {
    /// Adds a host remark or a guest answer to a live interview (or, with
    /// `late`, an answer to a deferred question afterwards: 补录).
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
        return try await writer.write { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            try Self.ensureRuns(db, interview, actor)
            var late = false
            var question: InterviewQuestionRecord?
            if let questionID {
                question = try Self.existingQuestion(db, interviewID: interviewID, id: questionID)
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
            let (name, title, department) = try Self.author(db, interview: interview, kind: kind, author: author, actor: actor)
            let event = try Self.appendEntry(
                db, interviewID: interviewID, kind: kind, author: name, authorTitle: title, questionID: questionID, body: text,
                late: late, postedBy: actor.userID, department: department, at: now)
            if kind == .answer, var question {
                question.state = .answered
                // 答复日期 is the first answer's: a later addition does not
                // move it (or make a late answer look timely).
                question.answeredAt = question.answeredAt ?? now
                try question.update(db)
            }
            if late {
                try AuditEntry.record(
                    db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.late_answer",
                    subjectType: "interview_question",
                    subjectID: questionID.map(String.init), at: now)
            }
            return event
        }
    }

    /// Corrects an entry's text. The corrected text is masked as citizens'
    /// text is before publication (a question's asker's nickname too), and
    /// what was masked is returned for the corrector to see. The previous
    /// text is kept, the entry's version goes up, and the correction is a
    /// numbered event of its own.
    func correctEntry(
        interviewID: Int64, entryID: Int64, body: String, actor: AuthenticatedStaff, at now: Date
    ) async throws -> PublishedCorrection {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(body, field: "body", maxLength: InterviewRules.entryMaxLength, into: &errors)
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        return try await writer.write { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            try Self.ensureRuns(db, interview, actor)
            guard
                var entry = try TranscriptEntryRecord.filter(Column("interview_id") == interviewID && Column("id") == entryID).fetchOne(db)
            else {
                throw StoreError.notFound(kind: "transcript entry", key: String(entryID))
            }
            guard entry.kind != .system else { throw StoreError.conflict("system entries cannot be corrected") }
            // A correction is published at once; a withdrawn entry comes
            // back only through republication, by an admin.
            if try PublicationWithdrawals.withdrawalInForce(db, .transcriptEntry, entryID) != nil {
                throw StoreError.conflict("entry \(entryID) is withdrawn; an admin publishes it again with the corrected text")
            }
            if actor.role == .guest && entry.postedBy != actor.userID {
                throw StoreError.forbidden("a guest corrects only their own answers")
            }
            let asker =
                entry.kind == .question
                ? try entry.questionId.flatMap { try InterviewQuestionRecord.fetchOne(db, key: $0)?.nickname } : nil
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
            try entry.update(db)
            let seq = try Self.nextSeq(db, interviewID: interviewID)
            var correction = TranscriptCorrectionRecord(
                id: nil, interviewId: interviewID, seq: seq, entryId: entryID, version: entry.version, previousBody: previous,
                body: masked.text, correctedBy: actor.userID, correctedAt: now)
            try correction.insert(db)
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.correct_entry",
                subjectType: "transcript_entry",
                subjectID: String(entryID), before: ["body": previous],
                after: ["body": masked.text, "masked": masked.spans.map(\.kind.rawValue).joined(separator: ",")], at: now)
            return PublishedCorrection(
                event: .correction(
                    TranscriptCorrection(
                        seq: seq, entryId: entryID, entrySeq: entry.seq, version: entry.version, body: masked.text, correctedAt: now)),
                masked: masked.spans)
        }
    }

    /// Every numbered event after `since`, in order: what a reconnecting
    /// viewer missed. Text withdrawn since is not sent again
    /// (`redactWithdrawnText`).
    func transcriptEvents(interviewID: Int64, since: Int64, limit: Int) async throws -> [TranscriptEvent] {
        try await reader.read { db in
            let entries =
                try TranscriptEntryRecord
                .filter(Column("interview_id") == interviewID && Column("seq") > since)
                .order(Column("seq")).limit(limit).fetchAll(db)
            let corrections =
                try TranscriptCorrectionRecord
                .filter(Column("interview_id") == interviewID && Column("seq") > since)
                .order(Column("seq")).limit(limit).fetchAll(db)
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
                events.append(.entry(Self.entryView(entry)))
            }
            for correction in corrections {
                let entrySeq =
                    try entrySeqs[correction.entryId]
                    ?? Int64.fetchOne(db, sql: "SELECT seq FROM transcript_entry WHERE id = ?", arguments: [correction.entryId]) ?? 0
                events.append(
                    .correction(
                        TranscriptCorrection(
                            seq: correction.seq, entryId: correction.entryId, entrySeq: entrySeq, version: correction.version,
                            body: correction.body, correctedAt: correction.correctedAt)))
            }
            // Every withdrawal after `since`, past the limit too: an entry
            // in this replay withdrawn later must come without its text.
            events += try Self.withdrawalEvents(db, interviewID: interviewID, since: since, limit: Int.max)
            return Array(TranscriptEvent.redactWithdrawnText(events.sorted { $0.seq < $1.seq }).prefix(limit))
        }
    }

    /// Part of the transcript as it reads now (corrections applied,
    /// withdrawn entries marked, and without their text for the public),
    /// for pages and the API: at most `limit` entries, oldest first.
    func transcriptPage(
        interviewID: Int64, _ window: TranscriptWindow, limit: Int, reader transcriptReader: TranscriptReader
    ) async throws -> TranscriptPage {
        let limit = max(1, limit)
        return try await reader.read { db in
            var page = try Self.transcriptPage(db, interviewID: interviewID, window, limit: limit)
            (page.entries, page.withdrawals) = try Self.markWithdrawn(db, page.entries, for: transcriptReader)
            return page
        }
    }

    static func transcriptPage(_ db: Database, interviewID: Int64, _ window: TranscriptWindow, limit: Int) throws -> TranscriptPage {
        _ = try Self.existingInterview(db, id: interviewID)
        let entries = TranscriptEntryRecord.filter(Column("interview_id") == interviewID)
        func exists(_ condition: SQLExpression) throws -> Bool {
            try !entries.filter(condition).isEmpty(db)
        }
        switch window {
        case .after(let seq):
            let found = try entries.filter(Column("seq") > seq).order(Column("seq")).limit(limit + 1).fetchAll(db)
            return TranscriptPage(
                entries: found.prefix(limit).map(Self.entryView), hasEarlier: try exists(Column("seq") <= seq),
                hasLater: found.count > limit)
        case .before(let seq):
            let found = try entries.filter(Column("seq") < seq).order(Column("seq").desc).limit(limit + 1).fetchAll(db)
            return TranscriptPage(
                entries: found.prefix(limit).reversed().map(Self.entryView), hasEarlier: found.count > limit,
                hasLater: try exists(Column("seq") >= seq))
        case .latest:
            let found = try entries.order(Column("seq").desc).limit(limit + 1).fetchAll(db)
            return TranscriptPage(
                entries: found.prefix(limit).reversed().map(Self.entryView), hasEarlier: found.count > limit, hasLater: false)
        }
    }

    static func nextSeq(_ db: Database, interviewID: Int64) throws -> Int64 {
        guard
            let seq = try Int64.fetchOne(
                db, sql: "UPDATE interview SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq", arguments: [interviewID])
        else {
            throw StoreError.notFound(kind: "interview", key: String(interviewID))
        }
        return seq
    }

    static func appendEntry(
        _ db: Database, interviewID: Int64, kind: TranscriptEntryKind, author: String, authorTitle: String?, questionID: Int64?,
        body: String, late: Bool, postedBy: Int64?, department: String? = nil, at now: Date
    ) throws -> TranscriptEvent {
        let seq = try nextSeq(db, interviewID: interviewID)
        var record = TranscriptEntryRecord(
            id: nil, interviewId: interviewID, seq: seq, kind: kind, author: author, authorTitle: authorTitle,
            questionId: questionID, body: body, version: 1, late: late, postedBy: postedBy, createdAt: now, department: department)
        try record.insert(db)
        return .entry(entryView(record))
    }

    /// Who an entry is from: name, title and, for answers, department.
    static func author(
        _ db: Database, interview: InterviewRecord, kind: TranscriptEntryKind, author: EntryAuthor, actor: AuthenticatedStaff
    ) throws -> (String, String?, String?) {
        switch (kind, author) {
        case (.remark, _):
            guard actor.role == .host || actor.role == .admin else {
                throw StoreError.conflict("only the host posts remarks")
            }
            return (actor.displayName, "主持人", nil)
        case (.answer, .guest(let guestID)):
            let guests = try InterviewGuestRecord.filter(Column("interview_id") == interview.id!).order(Column("position")).fetchAll(db)
            let guest: InterviewGuestRecord?
            if actor.role == .guest {
                // A guest answers as themself only.
                guest = guests.first { $0.userId == actor.userID }
                guard let guest, guestID == nil || guestID == guest.id else {
                    throw StoreError.conflict("you are not a guest of this interview")
                }
                return Self.answerAuthor(guest)
            }
            if let guestID {
                guest = guests.first { $0.id == guestID }
            } else {
                guest = guests.count == 1 ? guests.first : nil
            }
            guard let guest else {
                throw StoreError.invalid(ValidationFailure([.invalid("guestId", "name the guest this answer is from")]))
            }
            return Self.answerAuthor(guest)
        case (.answer, .host):
            throw StoreError.invalid(ValidationFailure([.invalid("guestId", "answers come from a guest")]))
        default:
            throw StoreError.invalid(ValidationFailure([.invalid("kind", "kind must be remark or answer")]))
        }
    }

    static func answerAuthor(_ guest: InterviewGuestRecord) -> (String, String?, String?) {
        (guest.name, guest.title.isEmpty ? nil : guest.title, guest.department.isEmpty ? nil : guest.department)
    }

    static func entryView(_ record: TranscriptEntryRecord) -> TranscriptEntry {
        TranscriptEntry(
            id: record.id!, seq: record.seq, kind: record.kind, author: record.author, authorTitle: record.authorTitle,
            questionId: record.questionId, body: record.body, createdAt: record.createdAt, version: record.version, late: record.late,
            department: record.department)
    }
}
