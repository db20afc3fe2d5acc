import Foundation
import GRDB
import WenzhengCore

/// Citizens' questions: submitted with their queue item, listed for the
/// public and the host, supported, put on air, and deferred after the
/// interview with a reply deadline.
extension GRDBInterviewsStore {
    /// Stores a citizen's question and puts it in the moderation queue, in
    /// a transaction it may share with other questions (`questions`, a
    /// group commit); returns once that transaction has committed.
    func submitQuestion(
        interviewID: Int64, _ question: NewQuestion, check: ContentFilter.Result, limits: [RateLimitCheck], at now: Date
    ) async throws -> (PublicQuestion, ModerationItem) {
        let stored = try await questions.submit(
            QuestionSubmission(interviewID: interviewID, question: question, check: check, limits: limits, at: now))
        return (stored.question, stored.item)
    }

    /// A question as the group commit queues it.
    struct QuestionSubmission: Sendable {
        var interviewID: Int64
        var question: NewQuestion
        var check: ContentFilter.Result
        /// The asker's rate limits, checked and counted first, in the
        /// question's savepoint.
        var limits: [RateLimitCheck] = []
        var at: Date
    }

    /// A stored question and its queue item, as `submitQuestion` returns them.
    struct StoredQuestion: Sendable {
        var question: PublicQuestion
        var item: ModerationItem
    }

    /// Questions inside the group commit's transaction, one outcome per
    /// submission, in order; each in its own savepoint, so one refused
    /// (an interview not taking questions) or invalid is rolled back alone.
    ///
    /// - Throws: only when SQLite has rolled back the whole transaction
    ///   (disk full, I/O error): then nothing of the batch is stored.
    static func storeQuestions(_ db: Database, _ submissions: [QuestionSubmission]) throws -> [Result<StoredQuestion, any Error>] {
        // Each interview's status is read once per transaction: nothing
        // else can write while it runs, so it holds for the whole batch.
        var statuses: [Int64: InterviewStatus] = [:]
        return try db.eachInSavepoint(submissions) { submission in
            // The limits first (a 429 before anything about the
            // interview); a refusal below rolls the count back with the
            // savepoint.
            if case .refused(let wait) = try GRDBRateLimitStore.admit(db, submission.limits, at: submission.at) {
                throw RateLimitReached(retryAfter: wait)
            }
            let status: InterviewStatus
            if let known = statuses[submission.interviewID] {
                status = known
            } else {
                status = try interviewStatus(db, id: submission.interviewID)
                statuses[submission.interviewID] = status
            }
            guard status.acceptsQuestions else {
                throw StoreError.conflict("this interview is not taking questions (it is \(status.rawValue))")
            }
            return try storeQuestion(db, submission)
        }
    }

    /// One question and its queue item, inside the caller's savepoint.
    static func storeQuestion(_ db: Database, _ submission: QuestionSubmission) throws -> StoredQuestion {
        let question = submission.question
        // A new question's columns in one cached statement (the others are
        // NULL or their defaults), as `enqueueModeration` does.
        try db.cachedStatement(
            sql: """
                INSERT INTO interview_question (interview_id, text, nickname, contact, browser_key, client_address, state, votes, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            submission.interviewID, question.text, question.nickname, question.contact, question.browserKey, question.clientAddress,
            QuestionState.pending.rawValue, 0, submission.at,
        ])
        let questionID = db.lastInsertedRowID
        var record = InterviewQuestionRecord(
            id: questionID, interviewId: submission.interviewID, text: question.text, publishedText: nil, nickname: question.nickname,
            contact: question.contact, browserKey: question.browserKey, clientAddress: question.clientAddress,
            state: .pending, moderationItemId: nil, mergedIntoId: nil, votes: 0, onAirAt: nil, answeredAt: nil,
            deferredAt: nil, replyDueOn: nil, createdAt: submission.at)
        let item = try GRDBModerationStore.enqueueModeration(
            db,
            NewModerationItem(
                kind: .question, sourceType: questionSourceType, sourceID: String(questionID), authorName: question.nickname,
                text: question.text, check: submission.check),
            at: submission.at)
        // The queue item names the question, so the question learns its
        // item's id second.
        try db.cachedStatement(sql: "UPDATE interview_question SET moderation_item_id = ? WHERE id = ?")
            .execute(arguments: [item.id, questionID])
        record.moderationItemId = item.id
        var queued = GRDBModerationStore.queuedView(item, check: submission.check)
        queued.subject = .interviewQuestion(interviewID: submission.interviewID, questionID: questionID)
        return StoredQuestion(question: publicQuestion(record), item: queued)
    }

    /// The interview's status alone, without decoding its row.
    static func interviewStatus(_ db: Database, id: Int64) throws -> InterviewStatus {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT status FROM interview WHERE id = ?"), arguments: [id]) else {
            throw StoreError.notFound(kind: "interview", key: String(id))
        }
        return try row.decode(rawValueOf: "status")
    }

    /// Approved questions and what became of them, for the public page.
    /// A question whose entry on air an admin withdrew is left out with it.
    func publicQuestions(interviewID: Int64) async throws -> [PublicQuestion] {
        try await reader.read { db in
            _ = try Self.existingInterview(db, id: interviewID)
            return
                try InterviewQuestionRecord
                .filter(Column("interview_id") == interviewID)
                .filter(["approved", "on_air", "answered", "deferred"].contains(Column("state")))
                .filter(
                    sql: """
                        NOT EXISTS (
                            SELECT 1 FROM transcript_entry AS aired
                            WHERE aired.question_id = interview_question.id AND aired.kind = 'question'
                              AND EXISTS (\(PublicationWithdrawals.withdrawalInForceSQL(.transcriptEntry, id: "aired.id"))))
                        """
                )
                .order(Column("votes").desc, Column("created_at"))
                .fetchAll(db).map(Self.publicQuestion)
        }
    }

    /// The host's queue: approved and on-air questions, by votes or by time.
    func questionQueue(interviewID: Int64, byVotes: Bool, actor: AuthenticatedStaff) async throws -> [StaffQuestion] {
        try await reader.read { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            if actor.role != .moderator { try Self.ensureRuns(db, interview, actor) }
            var request =
                InterviewQuestionRecord
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

    /// One vote per browser per question; voting twice changes nothing.
    func voteForQuestion(interviewID: Int64, questionID: Int64, browserKey: String, at now: Date) async throws -> (
        votes: Int, counted: Bool
    ) {
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
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.question_on_air",
                subjectType: "interview_question",
                subjectID: String(questionID), at: now)
            return event
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
        var conditions = [
            "interview_question.deferred_at IS NOT NULL",
            "interview_question.state IN (\(states.map { "'\($0.rawValue)'" }.joined(separator: ", ")))",
        ]
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

    static func existingQuestion(_ db: Database, interviewID: Int64, id: Int64) throws -> InterviewQuestionRecord {
        guard let record = try InterviewQuestionRecord.fetchOne(db, key: id), record.interviewId == interviewID else {
            throw StoreError.notFound(kind: "question", key: String(id))
        }
        return record
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
                db,
                sql:
                    "SELECT id, COALESCE(edited_text, text) AS source, author_name FROM moderation_item WHERE id IN (\(itemIDs.map { _ in "?" }.joined(separator: ",")))",
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
