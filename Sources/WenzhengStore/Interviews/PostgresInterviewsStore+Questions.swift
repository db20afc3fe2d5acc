import Foundation
import PostgresNIO
import WenzhengCore

/// Citizens' questions on PostgreSQL (`GRDBInterviewsStore+Questions`):
/// submitted with their queue item, listed for the public and the host,
/// supported, put on air, and deferred after the interview.
extension PostgresInterviewsStore {
    /// Stores a citizen's question and puts it in the moderation queue, in
    /// one transaction of its own (SQLite shares one among concurrent
    /// questions; PostgreSQL takes concurrent writers as they come).
    func submitQuestion(
        interviewID: Int64, _ question: NewQuestion, check: ContentFilter.Result, limits: [RateLimitCheck], at now: Date
    ) async throws -> (PublicQuestion, ModerationItem) {
        let submission = GRDBInterviewsStore.QuestionSubmission(
            interviewID: interviewID, question: question, check: check, limits: limits, at: now)
        let stored = try await backend.write { tx in
            // As on SQLite: the limits first; any refusal after them rolls
            // the count back with the transaction.
            if case .refused(let wait) = try await PostgresRateLimitStore.admit(tx, limits, at: now) {
                throw RateLimitReached(retryAfter: wait)
            }
            let status = try await Self.interviewStatus(tx, id: interviewID)
            guard status.acceptsQuestions else {
                throw StoreError.conflict("this interview is not taking questions (it is \(status.rawValue))")
            }
            return try await Self.storeQuestion(tx, submission)
        }
        return (stored.question, stored.item)
    }

    /// One question and its queue item (pending: nothing public changes).
    static func storeQuestion(_ tx: PostgresTransaction, _ submission: GRDBInterviewsStore.QuestionSubmission) async throws
        -> GRDBInterviewsStore.StoredQuestion
    {
        let question = submission.question
        guard
            let questionID = try await tx.scalar(
                """
                INSERT INTO interview_question (interview_id, text, nickname, contact, browser_key, client_address, state, votes, created_at)
                VALUES (\(submission.interviewID), \(question.text), \(question.nickname), \(question.contact), \(question.browserKey),
                    \(question.clientAddress), \(QuestionState.pending.rawValue), \(0), \(submission.at))
                RETURNING id
                """, as: Int64.self)
        else { throw StoreError.notFound(kind: "question", key: "new") }
        var record = InterviewQuestionRecord(
            id: questionID, interviewId: submission.interviewID, text: question.text, publishedText: nil, nickname: question.nickname,
            contact: question.contact, browserKey: question.browserKey, clientAddress: question.clientAddress,
            state: .pending, moderationItemId: nil, mergedIntoId: nil, votes: 0, onAirAt: nil, answeredAt: nil,
            deferredAt: nil, replyDueOn: nil, createdAt: submission.at)
        let item = try await PostgresModerationStore.enqueueModeration(
            tx,
            NewModerationItem(
                kind: .question, sourceType: GRDBInterviewsStore.questionSourceType, sourceID: String(questionID),
                authorName: question.nickname, text: question.text, check: submission.check),
            at: submission.at)
        // The queue item names the question, so the question learns its
        // item's id second.
        try await tx.execute("UPDATE interview_question SET moderation_item_id = \(item.id) WHERE id = \(questionID)")
        record.moderationItemId = item.id
        var queued = GRDBModerationStore.queuedView(item, check: submission.check)
        queued.subject = .interviewQuestion(interviewID: submission.interviewID, questionID: questionID)
        return GRDBInterviewsStore.StoredQuestion(question: GRDBInterviewsStore.publicQuestion(record), item: queued)
    }

    /// The interview's status alone.
    static func interviewStatus(_ tx: PostgresTransaction, id: Int64) async throws -> InterviewStatus {
        guard let row = try await tx.row("SELECT status FROM interview WHERE id = \(id)") else {
            throw StoreError.notFound(kind: "interview", key: String(id))
        }
        return try row.value(rawValueOf: "status")
    }

    func publicQuestions(interviewID: Int64) async throws -> [PublicQuestion] {
        try await backend.read { tx in
            _ = try await Self.existingInterview(tx, id: interviewID)
            return try await tx.rows(
                """
                SELECT * FROM interview_question
                WHERE interview_id = \(interviewID) AND state IN ('approved', 'on_air', 'answered', 'deferred')
                  AND NOT EXISTS (
                    SELECT 1 FROM transcript_entry AS aired
                    WHERE aired.question_id = interview_question.id AND aired.kind = 'question'
                      AND EXISTS (\(unescaped: PublicationWithdrawals.withdrawalInForceSQL(.transcriptEntry, id: "aired.id"))))
                ORDER BY votes DESC, created_at, id
                """
            ).map { GRDBInterviewsStore.publicQuestion(try InterviewQuestionRecord(postgresRow: $0)) }
        }
    }

    func questionQueue(interviewID: Int64, byVotes: Bool, actor: AuthenticatedStaff) async throws -> [StaffQuestion] {
        try await backend.read { tx in
            let interview = try await Self.existingInterview(tx, id: interviewID)
            if actor.role != .moderator { try await Self.ensureRuns(tx, interview, actor) }
            let rows = try await tx.rows(
                """
                SELECT * FROM interview_question WHERE interview_id = \(interviewID) AND state IN ('approved', 'on_air')
                ORDER BY CASE WHEN \(byVotes) THEN votes ELSE 0 END DESC, created_at, id
                """)
            return try await Self.staffQuestions(tx, try rows.map(InterviewQuestionRecord.init(postgresRow:)), for: actor, today: nil)
        }
    }

    func voteForQuestion(interviewID: Int64, questionID: Int64, browserKey: String, at now: Date) async throws -> (
        votes: Int, counted: Bool
    ) {
        let result = try await writeInterview(interviewID) { tx -> VoteOutcome in
            let interview = try await Self.existingInterview(tx, id: interviewID)
            var question = try await Self.existingQuestion(tx, interviewID: interviewID, id: questionID)
            guard interview.status.acceptsQuestions, question.state == .approved || question.state == .onAir else {
                throw StoreError.conflict("only approved questions of a running interview can be supported")
            }
            let inserted = try await tx.count(
                """
                INSERT INTO question_vote (question_id, browser_key, voted_at) VALUES (\(questionID), \(browserKey), \(now))
                ON CONFLICT DO NOTHING RETURNING 1
                """)
            guard inserted > 0 else { return VoteOutcome(votes: question.votes, counted: false) }
            question.votes += 1
            try await question.update(tx)
            try await Self.notifyChange(tx, interviewID: interviewID, seq: nil, questionsChanged: true)
            return VoteOutcome(votes: question.votes, counted: true)
        }
        return (result.votes, result.counted)
    }

    private struct VoteOutcome: Sendable {
        var votes: Int
        var counted: Bool
    }

    func putQuestionOnAir(interviewID: Int64, questionID: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> TranscriptEvent {
        try await writeInterview(interviewID) { tx in
            let interview = try await Self.existingInterview(tx, id: interviewID)
            try await Self.ensureRuns(tx, interview, actor)
            guard interview.status == .live else {
                throw StoreError.conflict("questions go on air only while the interview is live")
            }
            var question = try await Self.existingQuestion(tx, interviewID: interviewID, id: questionID)
            guard question.state == .approved else {
                throw StoreError.conflict("question \(questionID) is \(question.state.rawValue), not approved")
            }
            question.state = .onAir
            question.onAirAt = now
            try await question.update(tx)
            let event = try await Self.appendEntry(
                tx, interviewID: interviewID, kind: .question, author: InterviewRules.publicNickname(question.nickname),
                authorTitle: nil, questionID: questionID, body: question.publishedText ?? question.text, late: false,
                postedBy: actor.userID, at: now)
            try await AuditEntry.record(
                tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.question_on_air",
                subjectType: "interview_question", subjectID: String(questionID), at: now)
            try await Self.notifyChange(tx, interviewID: interviewID, seq: event.seq, questionsChanged: true)
            return event
        }
    }

    func deferredQuestions(
        _ filter: DeferredQuestionFilter, for actor: AuthenticatedStaff, at now: Date
    ) async throws -> DeferredQuestionPage {
        let states: [String] =
            switch filter.state {
            case .open: [QuestionState.deferred.rawValue]
            case .answered: [QuestionState.answered.rawValue]
            case .all: [QuestionState.deferred.rawValue, QuestionState.answered.rawValue]
            }
        var bindings = PostgresBindings()
        var conditions = ["interview_question.deferred_at IS NOT NULL"]
        bindings.append(states)
        conditions.append("interview_question.state = ANY($\(bindings.count))")
        if let interviewID = filter.interviewID {
            bindings.append(interviewID)
            conditions.append("interview_question.interview_id = $\(bindings.count)")
        }
        switch actor.role {
        case .admin, .moderator:
            break
        case .host:
            bindings.append(actor.userID)
            conditions.append("(interview.host_user_id = $\(bindings.count) OR interview.host_user_id IS NULL)")
        case .guest:
            bindings.append(actor.userID)
            conditions.append(
                "EXISTS (SELECT 1 FROM interview_guest WHERE interview_guest.interview_id = interview.id AND interview_guest.user_id = $\(bindings.count))"
            )
        case .handler, .reviewer:
            throw StoreError.forbidden("your role does not follow up interviews")
        }
        let limit = max(1, filter.limit)
        bindings.append(Int64(limit + 1))
        let limitParameter = bindings.count
        bindings.append(Int64(max(0, filter.offset)))
        let offsetParameter = bindings.count
        // SQLite sorts NULLs first going up and last going down; said here.
        let sql = """
            SELECT interview_question.* FROM interview_question
            JOIN interview ON interview.id = interview_question.interview_id
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY interview_question.state = 'answered',
                CASE WHEN interview_question.state = 'deferred' THEN interview_question.reply_due_on END NULLS FIRST,
                interview_question.answered_at DESC NULLS LAST, interview_question.id
            LIMIT $\(limitParameter) OFFSET $\(offsetParameter)
            """
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await backend.read { tx in
            let records = try await tx.rows(query).map(InterviewQuestionRecord.init(postgresRow:))
            let questions = try await Self.staffQuestions(tx, Array(records.prefix(limit)), for: actor, today: CivilDate(now))
            return DeferredQuestionPage(questions: questions, more: records.count > limit)
        }
    }

    static func existingQuestion(_ tx: PostgresTransaction, interviewID: Int64, id: Int64) async throws -> InterviewQuestionRecord {
        guard let record = try await question(tx, id: id), record.interviewId == interviewID else {
            throw StoreError.notFound(kind: "question", key: String(id))
        }
        return record
    }

    static func question(_ tx: PostgresTransaction, id: Int64) async throws -> InterviewQuestionRecord? {
        try await tx.row("SELECT * FROM interview_question WHERE id = \(id)").map(InterviewQuestionRecord.init(postgresRow:))
    }

    /// Questions as `actor` may see them (`GRDBInterviewsStore.staffQuestions`).
    static func staffQuestions(
        _ tx: PostgresTransaction, _ records: [InterviewQuestionRecord], for actor: AuthenticatedStaff, today: CivilDate?
    ) async throws -> [StaffQuestion] {
        guard !records.isEmpty else { return [] }
        let interviewIDs = Array(Set(records.map(\.interviewId)))
        var interviews: [Int64: InterviewRecord] = [:]
        for row in try await tx.rows("SELECT * FROM interview WHERE id = ANY(\(interviewIDs))") {
            let record = try InterviewRecord(postgresRow: row)
            interviews[record.id!] = record
        }
        // What the moderator approved (their edit, if any) and the asker's
        // name: the source of the published text and of its masked spans.
        let itemIDs = records.compactMap(\.moderationItemId)
        var sources: [Int64: (String, String?)] = [:]
        for row in try await tx.rows(
            "SELECT id, COALESCE(edited_text, text) AS source, author_name FROM moderation_item WHERE id = ANY(\(itemIDs))")
        {
            sources[try row.value("id", as: Int64.self)] = (
                try row.value("source", as: String.self), try row.value("author_name", as: String?.self)
            )
        }
        let deferredIDs = records.filter { $0.deferredAt != nil }.map { $0.id! }
        let calendar = deferredIDs.isEmpty ? nil : try await PostgresCalendarStore.holidayCalendar(tx)
        var departments: [Int64: String] = [:]
        if !deferredIDs.isEmpty {
            // The first answer after the interview to each question.
            let rows = try await tx.rows(
                """
                SELECT question_id, department FROM transcript_entry
                WHERE question_id = ANY(\(deferredIDs)) AND kind = 'answer' AND late
                ORDER BY seq DESC
                """)
            for row in rows { departments[try row.value("question_id", as: Int64.self)] = try row.value("department", as: String?.self) }
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
                question.replyDueProvisional =
                    InterviewRules.replyDeadline(deferredOn: CivilDate(deferredAt), calendar: calendar).provisional
                question.answeredOn = status.answeredOn?.description
                question.answerDepartment = departments[record.id!]
                question.answeredOnTime = status.answeredOnTime
                question.overdue = today.map { status.isOverdue(today: $0) }
            }
            return question
        }
    }
}
