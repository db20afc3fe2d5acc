import Foundation
import GRDB
import WenzhengCore

/// A new question from a citizen, as the HTTP layer validated it.
public struct NewQuestion: Sendable {
    public var text: String
    public var nickname: String?
    public var contact: String?
    /// The anonymous browser's id (a cookie), for votes and rate limits.
    public var browserKey: String
    public var clientAddress: String

    public init(text: String, nickname: String?, contact: String?, browserKey: String, clientAddress: String) {
        self.text = text
        self.nickname = nickname
        self.contact = contact
        self.browserKey = browserKey
        self.clientAddress = clientAddress
    }
}

extension GRDBInterviewsStore {
    // MARK: Interviews

    func createInterview(_ draft: InterviewDraft, actor: AuthenticatedStaff, at now: Date) async throws -> Interview {
        let draft = try Self.validated(draft)
        return try await writer.write { db in
            let hostID = try Self.hostID(db, username: draft.hostUsername)
            var record = InterviewRecord(
                id: nil, title: draft.title, summary: draft.summary, scheduledStart: draft.scheduledStart,
                plannedMinutes: draft.plannedMinutes, hostUserId: hostID ?? (actor.role == .host ? actor.userID : nil),
                status: .scheduled, lastSeq: 0, createdAt: now, updatedAt: now, startedAt: nil, endedAt: nil, publishedAt: nil)
            try record.insert(db)
            try Self.replaceGuests(db, interviewID: record.id!, guests: draft.guests)
            let interview = try Self.interview(db, id: record.id!)
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.create", subjectType: "interview",
                subjectID: String(record.id!), after: interview, at: now)
            return interview
        }
    }

    /// Changes an interview's details or reschedules it. Guests can only be
    /// replaced before the interview goes live.
    func updateInterview(id: Int64, _ draft: InterviewDraft, actor: AuthenticatedStaff, at now: Date) async throws -> Interview {
        let draft = try Self.validated(draft)
        return try await writer.write { db in
            var record = try Self.existingInterview(db, id: id)
            try Self.ensureRuns(db, record, actor)
            let before = try Self.interview(db, id: id)
            guard record.status == .scheduled || record.status == .open else {
                throw StoreError.conflict("interview \(id) is \(record.status.rawValue); only scheduled or open interviews can be changed")
            }
            record.title = draft.title
            record.summary = draft.summary
            record.scheduledStart = draft.scheduledStart
            record.plannedMinutes = draft.plannedMinutes
            if let hostID = try Self.hostID(db, username: draft.hostUsername) { record.hostUserId = hostID }
            record.updatedAt = now
            try record.update(db)
            try Self.replaceGuests(db, interviewID: id, guests: draft.guests)
            let after = try Self.interview(db, id: id)
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.update", subjectType: "interview",
                subjectID: String(id), before: before, after: after, at: now)
            return after
        }
    }

    func interview(id: Int64) async throws -> Interview {
        try await reader.read { db in try Self.interview(db, id: id) }
    }

    /// Interviews, soonest first; the public sees only announced ones.
    func interviews(publicOnly: Bool) async throws -> [Interview] {
        try await reader.read { db in
            var request = InterviewRecord.all()
            if publicOnly { request = request.filter(Column("status") != InterviewStatus.scheduled.rawValue) }
            let ids = try request.order(Column("scheduled_start").desc).select(Column("id"), as: Int64.self).fetchAll(db)
            return try ids.map { try Self.interview(db, id: $0) }
        }
    }

    /// Moves an interview along its life. Going live writes a `started`
    /// system entry; ending writes `ended` and defers every question not
    /// answered, with a reply deadline in working days.
    ///
    /// - Parameter calendar: the working-day calendar; by default the one
    ///   stored, read in the same transaction so an import cannot slip in.
    func changeInterviewStatus(
        id: Int64, to status: InterviewStatus, actor: AuthenticatedStaff, calendar: (any WorkingDayCalendar)?, at now: Date
    ) async throws -> (Interview, [TranscriptEvent]) {
        try await writer.write { db in
            var record = try Self.existingInterview(db, id: id)
            try Self.ensureRuns(db, record, actor)
            let calendar: any WorkingDayCalendar = try calendar ?? GRDBCalendarStore.holidayCalendar(db)
            guard record.status.next.contains(status) else {
                throw StoreError.conflict("interview \(id) cannot go from \(record.status.rawValue) to \(status.rawValue)")
            }
            let before = record.status
            record.status = status
            record.updatedAt = now
            var events: [TranscriptEvent] = []
            switch status {
            case .live:
                record.startedAt = now
                try record.update(db)
                events.append(try Self.appendEntry(db, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "started", late: false, postedBy: actor.userID, at: now))
            case .ended:
                record.endedAt = now
                try record.update(db)
                let due = calendar.adding(workingDays: InterviewRules.deferredReplyWorkingDays, to: CivilDate(now))
                try db.execute(
                    sql: """
                        UPDATE interview_question SET state = 'deferred', deferred_at = ?, reply_due_on = ?
                        WHERE interview_id = ? AND state IN ('approved', 'on_air')
                        """,
                    arguments: [now, due.description, id])
                events.append(try Self.appendEntry(db, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "ended", late: false, postedBy: actor.userID, at: now))
            case .published:
                record.publishedAt = now
                try record.update(db)
                events.append(try Self.appendEntry(db, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "published", late: false, postedBy: actor.userID, at: now))
            case .open, .scheduled:
                try record.update(db)
            }
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.status", subjectType: "interview",
                subjectID: String(id), before: ["status": before.rawValue], after: ["status": status.rawValue], at: now)
            return (try Self.interview(db, id: id), events)
        }
    }

    // MARK: Questions

    /// Stores a citizen's question and puts it in the moderation queue, in
    /// one transaction.
    func submitQuestion(
        interviewID: Int64, _ question: NewQuestion, check: ContentFilter.Result, at now: Date
    ) async throws -> (PublicQuestion, ModerationItem) {
        try await writer.write { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            guard interview.status.acceptsQuestions else {
                throw StoreError.conflict("this interview is not taking questions (it is \(interview.status.rawValue))")
            }
            var record = InterviewQuestionRecord(
                id: nil, interviewId: interviewID, text: question.text, publishedText: nil, nickname: question.nickname,
                contact: question.contact, browserKey: question.browserKey, clientAddress: question.clientAddress,
                state: .pending, moderationItemId: nil, mergedIntoId: nil, votes: 0, onAirAt: nil, answeredAt: nil,
                deferredAt: nil, replyDueOn: nil, createdAt: now)
            try record.insert(db)
            let item = try GRDBModerationStore.enqueueModeration(
                db,
                NewModerationItem(
                    kind: .question, sourceType: Self.questionSourceType, sourceID: String(record.id!), authorName: question.nickname,
                    text: question.text, check: check),
                at: now)
            record.moderationItemId = item.id
            try record.update(db)
            var queued = try GRDBModerationStore.view(db, item)
            queued.subject = .interviewQuestion(interviewID: interviewID, questionID: record.id!)
            return (Self.publicQuestion(record), queued)
        }
    }

    /// Approved questions and what became of them, for the public page.
    /// A question whose entry on air an admin withdrew is left out with it.
    func publicQuestions(interviewID: Int64) async throws -> [PublicQuestion] {
        try await reader.read { db in
            _ = try Self.existingInterview(db, id: interviewID)
            return try InterviewQuestionRecord
                .filter(Column("interview_id") == interviewID)
                .filter(["approved", "on_air", "answered", "deferred"].contains(Column("state")))
                .filter(
                    sql: """
                        NOT EXISTS (
                            SELECT 1 FROM transcript_entry AS aired
                            WHERE aired.question_id = interview_question.id AND aired.kind = 'question'
                              AND EXISTS (\(PublicationWithdrawals.withdrawalInForceSQL(.transcriptEntry, id: "aired.id"))))
                        """)
                .order(Column("votes").desc, Column("created_at"))
                .fetchAll(db).map(Self.publicQuestion)
        }
    }

    /// The host's queue: approved and on-air questions, by votes or by time.
    func questionQueue(interviewID: Int64, byVotes: Bool, actor: AuthenticatedStaff) async throws -> [StaffQuestion] {
        try await reader.read { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            if actor.role != .moderator { try Self.ensureRuns(db, interview, actor) }
            var request = InterviewQuestionRecord
                .filter(Column("interview_id") == interviewID)
                .filter(["approved", "on_air"].contains(Column("state")))
            if byVotes {
                request = request.order(Column("votes").desc, Column("created_at"))
            } else {
                request = request.order(Column("created_at"))
            }
            return try Self.staffQuestions(db, try request.fetchAll(db), for: actor, today: nil)
        }
    }

    /// Refuses an actor who may not follow an interview's staff console:
    /// the rule of the console page and the REST actions. Admins and
    /// moderators follow any interview; hosts and guests only those they run.
    func checkConsoleAccess(interviewID: Int64, actor: AuthenticatedStaff) async throws {
        try await reader.read { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            if actor.role != .moderator { try Self.ensureRuns(db, interview, actor) }
        }
    }

    /// One vote per browser per question; voting twice changes nothing.
    func voteForQuestion(interviewID: Int64, questionID: Int64, browserKey: String, at now: Date) async throws -> (votes: Int, counted: Bool) {
        try await writer.write { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            var question = try Self.existingQuestion(db, interviewID: interviewID, id: questionID)
            guard interview.status.acceptsQuestions, question.state == .approved || question.state == .onAir else {
                throw StoreError.conflict("only approved questions of a running interview can be supported")
            }
            try db.execute(
                sql: "INSERT INTO question_vote (question_id, browser_key, voted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [questionID, browserKey, now])
            guard db.changesCount > 0 else { return (question.votes, false) }
            question.votes += 1
            try question.update(db)
            return (question.votes, true)
        }
    }

    /// Puts an approved question on air: it enters the transcript with the
    /// asker's masked nickname.
    func putQuestionOnAir(interviewID: Int64, questionID: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> TranscriptEvent {
        try await writer.write { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            try Self.ensureRuns(db, interview, actor)
            guard interview.status == .live else {
                throw StoreError.conflict("questions go on air only while the interview is live")
            }
            var question = try Self.existingQuestion(db, interviewID: interviewID, id: questionID)
            guard question.state == .approved else {
                throw StoreError.conflict("question \(questionID) is \(question.state.rawValue), not approved")
            }
            question.state = .onAir
            question.onAirAt = now
            try question.update(db)
            let event = try Self.appendEntry(
                db, interviewID: interviewID, kind: .question, author: InterviewRules.publicNickname(question.nickname),
                authorTitle: nil, questionID: questionID, body: question.publishedText ?? question.text, late: false,
                postedBy: actor.userID, at: now)
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.question_on_air", subjectType: "interview_question",
                subjectID: String(questionID), at: now)
            return event
        }
    }

    // MARK: Transcript

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
                    throw StoreError.conflict("the interview is \(interview.status.rawValue); only answers to deferred questions can be added")
                }
                late = true
            case .scheduled, .open:
                throw StoreError.conflict("the interview is not live yet")
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
                    db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.late_answer", subjectType: "interview_question",
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
            guard var entry = try TranscriptEntryRecord.filter(Column("interview_id") == interviewID && Column("id") == entryID).fetchOne(db) else {
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
            let asker = entry.kind == .question
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
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.correct_entry", subjectType: "transcript_entry",
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
            let entries = try TranscriptEntryRecord
                .filter(Column("interview_id") == interviewID && Column("seq") > since)
                .order(Column("seq")).limit(limit).fetchAll(db)
            let corrections = try TranscriptCorrectionRecord
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
                let entrySeq = try entrySeqs[correction.entryId]
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
            return Array(Self.redactWithdrawnText(events.sorted { $0.seq < $1.seq }).prefix(limit))
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

    /// Questions deferred to after their interview, a page at a time: the
    /// open ones soonest deadline first, then those answered afterwards
    /// (补录), latest first. Hosts and guests see the questions of the
    /// interviews they run; admins and moderators all. Contacts as
    /// `PersonalInformationAccess` says.
    func deferredQuestions(
        _ filter: DeferredQuestionFilter, for actor: AuthenticatedStaff, at now: Date
    ) async throws -> DeferredQuestionPage {
        let states: [QuestionState] =
            switch filter.state {
            case .open: [.deferred]
            case .answered: [.answered]
            case .all: [.deferred, .answered]
            }
        var conditions = ["interview_question.deferred_at IS NOT NULL", "interview_question.state IN (\(states.map { "'\($0.rawValue)'" }.joined(separator: ", ")))"]
        var arguments: StatementArguments = []
        if let interviewID = filter.interviewID {
            conditions.append("interview_question.interview_id = ?")
            arguments += [interviewID]
        }
        switch actor.role {
        case .admin, .moderator:
            break
        case .host:
            conditions.append("(interview.host_user_id = ? OR interview.host_user_id IS NULL)")
            arguments += [actor.userID]
        case .guest:
            conditions.append(
                "EXISTS (SELECT 1 FROM interview_guest WHERE interview_guest.interview_id = interview.id AND interview_guest.user_id = ?)")
            arguments += [actor.userID]
        case .handler, .reviewer:
            throw StoreError.forbidden("your role does not follow up interviews")
        }
        let limit = max(1, filter.limit)
        arguments += [limit + 1, max(0, filter.offset)]
        let whereClause = conditions.joined(separator: " AND ")
        let boundArguments = arguments
        return try await reader.read { db in
            let records = try InterviewQuestionRecord.fetchAll(
                db,
                sql: """
                    SELECT interview_question.* FROM interview_question
                    JOIN interview ON interview.id = interview_question.interview_id
                    WHERE \(whereClause)
                    ORDER BY interview_question.state = 'answered',
                        CASE WHEN interview_question.state = 'deferred' THEN interview_question.reply_due_on END,
                        interview_question.answered_at DESC, interview_question.id
                    LIMIT ? OFFSET ?
                    """,
                arguments: boundArguments)
            let questions = try Self.staffQuestions(db, Array(records.prefix(limit)), for: actor, today: CivilDate(now))
            return DeferredQuestionPage(questions: questions, more: records.count > limit)
        }
    }

    // MARK: Helpers

    /// Who may run an interview: admins any; a host the interviews they
    /// host (or that have no host yet); a guest only those they are a guest
    /// of.
    static func ensureRuns(_ db: Database, _ interview: InterviewRecord, _ actor: AuthenticatedStaff) throws {
        switch actor.role {
        case .admin:
            return
        case .host:
            if let host = interview.hostUserId, host != actor.userID {
                throw StoreError.forbidden("you are not the host of interview \(interview.id!)")
            }
        case .guest:
            let linked = try InterviewGuestRecord.filter(Column("interview_id") == interview.id! && Column("user_id") == actor.userID)
                .fetchCount(db)
            if linked == 0 { throw StoreError.forbidden("you are not a guest of interview \(interview.id!)") }
        default:
            throw StoreError.forbidden("your role does not run interviews")
        }
    }

    static func validated(_ draft: InterviewDraft) throws -> InterviewDraft {
        var errors: [FieldError] = []
        var result = draft
        result.title = TextRules.requiredText(draft.title, field: "title", maxLength: InterviewRules.titleMaxLength, into: &errors)
        result.summary = TextRules.optionalText(draft.summary, field: "summary", maxLength: InterviewRules.summaryMaxLength, into: &errors) ?? ""
        if !InterviewRules.plannedMinutesRange.contains(draft.plannedMinutes) {
            errors.append(.invalid("plannedMinutes", "plannedMinutes must be between \(InterviewRules.plannedMinutesRange.lowerBound) and \(InterviewRules.plannedMinutesRange.upperBound)"))
        }
        if draft.guests.count > InterviewRules.maxGuests {
            errors.append(.invalid("guests", "at most \(InterviewRules.maxGuests) guests"))
        }
        result.guests = draft.guests.enumerated().map { index, guest in
            var guest = guest
            guest.name = TextRules.requiredText(guest.name, field: "guests[\(index)].name", maxLength: InterviewRules.guestFieldMaxLength, into: &errors)
            guest.title = TextRules.optionalText(guest.title, field: "guests[\(index)].title", maxLength: InterviewRules.guestFieldMaxLength, into: &errors) ?? ""
            guest.department = TextRules.optionalText(guest.department, field: "guests[\(index)].department", maxLength: InterviewRules.guestFieldMaxLength, into: &errors) ?? ""
            return guest
        }
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        return result
    }

    static func hostID(_ db: Database, username: String?) throws -> Int64? {
        guard let username, !username.isEmpty else { return nil }
        guard let user = try StaffUser.filter(StaffUser.Columns.username == username.lowercased()).fetchOne(db), !user.isDisabled else {
            throw StoreError.invalid(ValidationFailure([.invalid("host", "no active staff account '\(username)'")]))
        }
        guard user.role == .host || user.role == .admin else {
            throw StoreError.invalid(ValidationFailure([.invalid("host", "'\(username)' is not a host")]))
        }
        return user.id
    }

    static func replaceGuests(_ db: Database, interviewID: Int64, guests: [InterviewGuest]) throws {
        try InterviewGuestRecord.filter(Column("interview_id") == interviewID).deleteAll(db)
        for (position, guest) in guests.enumerated() {
            var userID: Int64?
            if let username = guest.username, !username.isEmpty {
                guard let user = try StaffUser.filter(StaffUser.Columns.username == username.lowercased()).fetchOne(db), user.role == .guest else {
                    throw StoreError.invalid(ValidationFailure([.invalid("guests[\(position)].username", "no guest account '\(username)'")]))
                }
                userID = user.id
            }
            var record = InterviewGuestRecord(
                id: nil, interviewId: interviewID, position: position, name: guest.name, title: guest.title,
                department: guest.department, userId: userID)
            try record.insert(db)
        }
    }

    static func existingInterview(_ db: Database, id: Int64) throws -> InterviewRecord {
        guard let record = try InterviewRecord.fetchOne(db, key: id) else {
            throw StoreError.notFound(kind: "interview", key: String(id))
        }
        return record
    }

    static func existingQuestion(_ db: Database, interviewID: Int64, id: Int64) throws -> InterviewQuestionRecord {
        guard let record = try InterviewQuestionRecord.fetchOne(db, key: id), record.interviewId == interviewID else {
            throw StoreError.notFound(kind: "question", key: String(id))
        }
        return record
    }

    static func interview(_ db: Database, id: Int64) throws -> Interview {
        let record = try existingInterview(db, id: id)
        let guests = try Row.fetchAll(
            db,
            sql: """
                SELECT interview_guest.*, staff_user.username AS username FROM interview_guest
                LEFT JOIN staff_user ON staff_user.id = interview_guest.user_id
                WHERE interview_id = ? ORDER BY position
                """,
            arguments: [id]
        ).map { row in
            InterviewGuest(id: row["id"], name: row["name"], title: row["title"], department: row["department"], username: row["username"])
        }
        var host: (String, String)?
        if let hostID = record.hostUserId,
            let row = try Row.fetchOne(db, sql: "SELECT display_name, username FROM staff_user WHERE id = ?", arguments: [hostID])
        {
            host = (row["display_name"], row["username"])
        }
        return Interview(
            id: id, title: record.title, summary: record.summary, scheduledStart: record.scheduledStart,
            plannedMinutes: record.plannedMinutes, host: host?.0, hostUsername: host?.1, status: record.status, guests: guests,
            lastSeq: record.lastSeq, startedAt: record.startedAt, endedAt: record.endedAt, publishedAt: record.publishedAt)
    }

    static func nextSeq(_ db: Database, interviewID: Int64) throws -> Int64 {
        guard let seq = try Int64.fetchOne(
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

    static func publicQuestion(_ record: InterviewQuestionRecord) -> PublicQuestion {
        PublicQuestion(
            id: record.id!, text: record.publishedText ?? "", nickname: InterviewRules.publicNickname(record.nickname),
            state: record.state, votes: record.votes, createdAt: record.createdAt, replyDueOn: record.replyDueOn)
    }

    /// Questions as `actor` may see them (`StaffQuestion`), with their
    /// reply deadlines and late answers when they were deferred; `today`
    /// decides what is overdue.
    static func staffQuestions(
        _ db: Database, _ records: [InterviewQuestionRecord], for actor: AuthenticatedStaff, today: CivilDate?
    ) throws -> [StaffQuestion] {
        guard !records.isEmpty else { return [] }
        let interviewIDs = Array(Set(records.map(\.interviewId)))
        let interviews = Dictionary(
            uniqueKeysWithValues: try InterviewRecord.filter(keys: interviewIDs).fetchAll(db).map { ($0.id!, $0) })
        // What the moderator approved (their edit, if any) and the asker's
        // name: the source of the published text and of its masked spans.
        let itemIDs = records.compactMap(\.moderationItemId)
        let sources = Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(
                db, sql: "SELECT id, COALESCE(edited_text, text) AS source, author_name FROM moderation_item WHERE id IN (\(itemIDs.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(itemIDs)
            ).map { row -> (Int64, (String, String?)) in (row["id"], (row["source"], row["author_name"])) })
        let deferredIDs = records.filter { $0.deferredAt != nil }.map(\.id!)
        let calendar = deferredIDs.isEmpty ? nil : try GRDBCalendarStore.holidayCalendar(db)
        var departments: [Int64: String] = [:]
        if !deferredIDs.isEmpty {
            // The first answer after the interview to each question.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT question_id, department FROM transcript_entry
                    WHERE question_id IN (\(deferredIDs.map { _ in "?" }.joined(separator: ","))) AND kind = 'answer' AND late
                    ORDER BY seq DESC
                    """,
                arguments: StatementArguments(deferredIDs))
            for row in rows { departments[row["question_id"]] = row["department"] }
        }
        return records.map { record in
            let interview = interviews[record.interviewId]
            let mayRead = PersonalInformationAccess.mayReadUnmasked(
                actor.role, answersTheText: interview?.hostUserId != nil && interview?.hostUserId == actor.userID)
            var text = record.publishedText ?? PersonalInformation.mask(record.text, authorName: record.nickname)
            var spans: [MaskedSpan] = []
            if let (source, author) = record.moderationItemId.flatMap({ sources[$0] }) {
                let masked = PersonalInformation.maskWithSpans(source, authorName: author)
                if record.publishedText == nil || masked.text == record.publishedText {
                    text = masked.text
                    spans = masked.spans
                }
            }
            var question = StaffQuestion(
                id: record.id!, interviewId: record.interviewId, interviewTitle: interview?.title ?? "", text: text,
                maskedSpans: spans, originalText: mayRead ? record.text : nil,
                nickname: mayRead ? record.nickname : InterviewRules.publicNickname(record.nickname),
                contact: mayRead ? record.contact : nil, redacted: !mayRead, state: record.state, votes: record.votes,
                createdAt: record.createdAt, receivedOn: CivilDate(record.createdAt).description, replyDueOn: record.replyDueOn,
                moderationItemId: record.moderationItemId)
            if let deferredAt = record.deferredAt, let calendar, let due = record.replyDueOn.flatMap(CivilDate.init) {
                let status = DeferredReplyStatus(dueOn: due, answeredOn: record.answeredAt.map { CivilDate($0) })
                question.replyDueProvisional = InterviewRules.replyDeadline(deferredOn: CivilDate(deferredAt), calendar: calendar).provisional
                question.answeredOn = status.answeredOn?.description
                question.answerDepartment = departments[record.id!]
                question.answeredOnTime = status.answeredOnTime
                question.overdue = today.map { status.isOverdue(today: $0) }
            }
            return question
        }
    }
}
