import Foundation
import PostgresNIO
import WenzhengCore

extension PostgresSurveysStore {
    // MARK: Definitions and life cycle

    func createSurvey(_ definition: SurveyDefinition, actor: AuthenticatedStaff, at now: Date) async throws -> SurveyView {
        try GRDBSurveysStore.ensureBuilds(actor)
        let definition = try GRDBSurveysStore.validated(definition, draft: true)
        return try await backend.write { tx in
            var record = SurveyRecord(
                id: nil, title: definition.title, definitionJson: "{}", state: .draft, mode: definition.mode,
                isAnonymous: definition.isAnonymous, opensAt: definition.opensAt, closesAt: definition.closesAt, secret: nil,
                responseCount: 0, createdBy: actor.userID, createdAt: now, updatedAt: now, openedAt: nil, closedAt: nil,
                resultsPublishedAt: nil)
            try record.setDefinition(definition)
            record.id = try await tx.insert(into: "survey", record)
            try await Self.audit(tx, .staff(actor, clientAddress: actor.clientAddress), "survey.create", record, before: nil, at: now)
            return try await Self.view(tx, record)
        }
    }

    func updateSurvey(id: Int64, _ definition: SurveyDefinition, actor: AuthenticatedStaff, at now: Date) async throws -> SurveyView {
        try GRDBSurveysStore.ensureBuilds(actor)
        return try await backend.write { tx in
            var record = try await Self.existing(tx, id: id)
            let definition = try GRDBSurveysStore.validated(definition, draft: record.state == .draft)
            let current = try record.definition()
            let locked = SurveyRules.editErrors(
                current: current, proposed: definition, state: record.state, responseCount: record.responseCount)
            if !locked.isEmpty { throw StoreError.invalid(ValidationFailure(locked)) }
            let before = record
            try record.setDefinition(definition)
            record.updatedAt = now
            try await tx.update("survey", record, id: id)
            try await Self.audit(tx, .staff(actor, clientAddress: actor.clientAddress), "survey.update", record, before: before, at: now)
            return try await Self.view(tx, record)
        }
    }

    func changeSurveyState(
        id: Int64, to state: SurveyState, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date
    ) async throws -> SurveyView {
        try GRDBSurveysStore.ensureBuilds(actor)
        let view = try await backend.write { tx in
            var record = try await Self.existing(tx, id: id)
            try await Self.move(tx, &record, to: state, filter: filter, actor: .staff(actor, clientAddress: actor.clientAddress), at: now)
            return try await Self.view(tx, record)
        }
        if state == .closed { await flushDestroyedSecret() }
        return view
    }

    func closeEndedSurveys(filter: ContentFilter, at now: Date) async throws -> [Int64] {
        let closed = try await backend.write { tx in
            let ended = try await tx.records(
                SurveyRecord.self,
                "SELECT * FROM survey WHERE state = \(SurveyState.open.rawValue) AND closes_at <= \(now) ORDER BY id")
            for var record in ended {
                try await Self.move(tx, &record, to: .closed, filter: filter, actor: GRDBSurveysStore.scheduleActor, at: now)
            }
            return ended.map { $0.id! }
        }
        if !closed.isEmpty { await flushDestroyedSecret() }
        return closed
    }

    /// One state change in the caller's transaction (`GRDBSurveysStore.move`):
    /// a new secret on opening; on closing the secret destroyed and the free
    /// text sent to moderation; the audit line.
    static func move(
        _ tx: PostgresTransaction, _ record: inout SurveyRecord, to state: SurveyState, filter: ContentFilter, actor: AuditActor,
        at now: Date
    ) async throws {
        let before = record
        let definition = try record.definition()
        do {
            record.state = try SurveyRules.transition(from: record.state, to: state, definition: definition, now: now)
        } catch {
            switch error {
            case .notAllowed(let from, let to):
                throw StoreError.conflict("a \(from.rawValue) survey cannot become \(to.rawValue)")
            case .invalidDefinition(let errors):
                throw StoreError.invalid(ValidationFailure(errors))
            }
        }
        switch state {
        case .open:
            record.secret = Data(SurveySecret.random().bytes)
            record.openedAt = now
        case .closed:
            // The keys of the duplicate check can no longer be recomputed
            // from a browser token (docs/surveys-design.md).
            record.secret = nil
            record.closedAt = now
            try await sendTextAnswersToModeration(tx, survey: record, filter: filter, at: now)
            if record.isAnonymous { try await unlinkAnonymousResponses(tx, survey: record.id!) }
        case .resultsPublished:
            record.resultsPublishedAt = now
        case .draft:
            break
        }
        record.updatedAt = now
        try await tx.update("survey", record, id: record.id!)
        try await audit(tx, actor, "survey.\(state.rawValue)", record, before: before, at: now)
    }

    func survey(id: Int64) async throws -> SurveyView {
        try await backend.read { tx in try await Self.view(tx, try await Self.existing(tx, id: id)) }
    }

    func surveys(states: [SurveyState]) async throws -> [SurveySummary] {
        try await backend.read { tx in
            let records: [SurveyRecord]
            if states.isEmpty {
                records = try await tx.records(SurveyRecord.self, "SELECT * FROM survey ORDER BY opens_at DESC, id DESC")
            } else {
                records = try await tx.records(
                    SurveyRecord.self, "SELECT * FROM survey WHERE state = ANY(\(states.map(\.rawValue))) ORDER BY opens_at DESC, id DESC")
            }
            return records.map { record in
                SurveySummary(
                    id: record.id!, title: record.title, state: record.state, mode: record.mode, isAnonymous: record.isAnonymous,
                    opensAt: record.opensAt, closesAt: record.closesAt, responseCount: record.responseCount)
            }
        }
    }

    func addSurveyInvitations(id: Int64, tokens: [String], actor: AuditActor, at now: Date) async throws -> Int {
        let digests = try tokens.map { token -> String in
            guard let normalized = SurveyInvitationTokens.normalized(token) else {
                throw StoreError.invalid(ValidationFailure([.invalid("tokens", "not an invitation token")]))
            }
            return CryptoKeyHasher.digest(normalized)
        }
        return try await backend.write { tx in
            let record = try await Self.existing(tx, id: id)
            guard record.mode == .invitation else {
                throw StoreError.conflict("survey \(id) is open to everyone; invitations are for surveys in invitation mode")
            }
            guard record.state == .draft || record.state == .open else {
                throw StoreError.conflict("survey \(id) is \(record.state.rawValue); it takes no new invitations")
            }
            for digest in digests {
                try await tx.execute("INSERT INTO survey_invitation (survey_id, token_digest, created_at) VALUES (\(id), \(digest), \(now))")
            }
            try await AuditEntry.record(
                tx, actor: actor, action: "survey.invitations", subjectType: "survey", subjectID: String(id),
                after: ["added": digests.count], at: now)
            return try await tx.scalar("SELECT COUNT(*) FROM survey_invitation WHERE survey_id = \(id)", as: Int.self) ?? 0
        }
    }

    // MARK: Responses

    /// One response, one transaction: the checks, the duplicate key or the
    /// invitation, the row, its free text and its counts.
    ///
    /// Responses take turns, as on SQLite's one writer: every one adds to
    /// the same counters (`survey.response_count`, `survey_tally`), and
    /// under SERIALIZABLE concurrent ones would fail on those rows and be
    /// run again, a burst of them often enough to give up. So the first
    /// statement locks `survey_tally` against other writers (not readers)
    /// before the transaction's snapshot is taken (PostgreSQL takes it at
    /// the first query, and `LOCK TABLE` is none): each response then sees
    /// the one before it committed.
    func submitSurveyResponse(_ submission: SurveySubmission, at now: Date) async throws -> SurveyReceipt {
        let definitions = self.definitions
        return try await backend.write { tx in
            try await tx.execute("LOCK TABLE survey_tally IN SHARE ROW EXCLUSIVE MODE")
            return try await Self.storeResponse(tx, submission, at: now, definitions: definitions)
        }
    }

    /// `GRDBSurveysStore.storeResponse` and `ResponseBatch.writeCounts` for
    /// a batch of one: the same rows, and nothing more. An anonymous
    /// response keeps only its day; the duplicate key holds no time and no
    /// reference to the response; the text answers have ids of their own.
    static func storeResponse(
        _ tx: PostgresTransaction, _ submission: SurveySubmission, at now: Date, definitions: SurveyDefinitionCache
    ) async throws -> SurveyReceipt {
        let surveyID = submission.surveyID
        guard
            let row = try await tx.row("SELECT state, mode, is_anonymous, secret, definition_json FROM survey WHERE id = \(surveyID)"),
            let state = SurveyState(rawValue: try row.value("state", as: String.self)),
            let mode = SurveyMode(rawValue: try row.value("mode", as: String.self))
        else { throw StoreError.notFound(kind: "survey", key: String(surveyID)) }
        let isAnonymous = try row.value("is_anonymous", as: Bool.self)
        let secretBytes = try row.value("secret", as: Data?.self)
        let decoded = try definitions.definition(survey: surveyID, json: try row.value("definition_json", as: String.self))
        let definition = decoded.definition
        let availability = SurveyRules.availability(state: state, window: definition.window, now: now)
        guard availability == .open else { throw SurveySubmissionRefusal.unavailable(availability) }
        switch (mode, submission.identity) {
        case (.open, .browserToken), (.invitation, .invitationToken): break
        default: throw SurveySubmissionRefusal.wrongIdentity
        }
        // The answers again, against the definition as stored now.
        let response: SurveyResponse
        do {
            response = try SurveyAnswering.response(to: definition, answers: submission.response.answers)
        } catch {
            throw StoreError.invalid(error)
        }
        var invitationID: Int64?
        switch (mode, submission.identity) {
        case (.open, .browserToken):
            guard let bytes = secretBytes, let secret = SurveySecret(bytes: Array(bytes)) else {
                throw SurveySubmissionRefusal.unavailable(availability)
            }
            let key = SurveyAnonymity.duplicateKey(for: submission.identity, secret: secret, hasher: CryptoKeyHasher())
            let inserted = try await tx.count(
                "INSERT INTO survey_duplicate_key (survey_id, key) VALUES (\(surveyID), \(key)) ON CONFLICT DO NOTHING RETURNING 1")
            guard inserted == 1 else { throw SurveySubmissionRefusal.alreadyAnswered }
        case (.invitation, .invitationToken(let token)):
            guard let normalized = SurveyInvitationTokens.normalized(token) else { throw SurveySubmissionRefusal.unknownInvitation }
            let digest = CryptoKeyHasher.digest(normalized)
            guard
                let invitation = try await tx.row(
                    "SELECT id, used FROM survey_invitation WHERE survey_id = \(surveyID) AND token_digest = \(digest)")
            else { throw SurveySubmissionRefusal.unknownInvitation }
            guard !(try invitation.value("used", as: Bool.self)) else { throw SurveySubmissionRefusal.alreadyAnswered }
            let id = try invitation.value("id", as: Int64.self)
            try await tx.execute("UPDATE survey_invitation SET used = true WHERE id = \(id)")
            if !isAnonymous { invitationID = id }
        default:
            throw SurveySubmissionRefusal.wrongIdentity
        }
        let day = SurveyAnonymity.submissionDay(now)
        let id = SurveyAnonymity.responseID()
        let answersJSON = String(decoding: try SurveyJSON.encoder.encode(response.answers), as: UTF8.self)
        let submittedAt: Date? = isAnonymous ? nil : now
        try await tx.execute(
            """
            INSERT INTO survey_response (id, survey_id, submitted_on, submitted_at, invitation_id, answers_json)
            VALUES (\(id), \(surveyID), \(day), \(submittedAt), \(invitationID), \(answersJSON))
            """)
        for (key, text) in response.textAnswers(in: definition) {
            try await tx.execute(
                "INSERT INTO survey_text_answer (id, survey_id, question_key, text) VALUES (\(SurveyAnonymity.responseID()), \(surveyID), \(key), \(text))")
        }
        // The counters it adds, summed per row as the SQLite batch does.
        var counters: [String: [String: Int]] = [:]
        for counter in decoded.tally.increments(for: response) {
            counters[counter.questionKey, default: [:]][counter.slot.storageKey, default: 0] += counter.count
        }
        for (questionKey, slots) in counters.sorted(by: { $0.key < $1.key }) {
            for (slot, count) in slots.sorted(by: { $0.key < $1.key }) {
                try await tx.execute(
                    """
                    INSERT INTO survey_tally (survey_id, question_key, slot, count) VALUES (\(surveyID), \(questionKey), \(slot), \(count))
                    ON CONFLICT (survey_id, question_key, slot) DO UPDATE SET count = survey_tally.count + EXCLUDED.count
                    """)
            }
        }
        try await tx.execute("UPDATE survey SET response_count = response_count + 1 WHERE id = \(surveyID)")
        return SurveyReceipt(responseID: id, submittedOn: day)
    }

    // MARK: Results and exports

    func surveyResults(id: Int64) async throws -> SurveyResultsView {
        try await backend.read { tx in
            let record = try await Self.existing(tx, id: id)
            let definition = try record.definition()
            let counters = try await tx.rows(
                "SELECT question_key, slot, count FROM survey_tally WHERE survey_id = \(id) ORDER BY question_key, slot"
            ).compactMap { row -> TallyCounter? in
                guard let slot = TallySlot(storageKey: try row.value("slot", as: String.self)) else { return nil }
                return TallyCounter(
                    questionKey: try row.value("question_key", as: String.self), slot: slot, count: try row.value("count", as: Int.self))
            }
            let tally = SurveyTally(definition: definition, responseCount: record.responseCount, counters: counters)
            var texts: [String: [String]] = [:]
            for row in try await tx.rows(
                """
                SELECT question_key, published_text FROM survey_text_answer
                WHERE survey_id = \(id) AND published_text IS NOT NULL ORDER BY question_key, id
                """)
            {
                texts[try row.value("question_key", as: String.self), default: []].append(try row.value("published_text", as: String.self))
            }
            return SurveyResultsView(survey: try await Self.view(tx, record), results: tally.results(), publishedTexts: texts)
        }
    }

    func surveyResponses(id: Int64) async throws -> [SurveyResponseRecord] {
        try await backend.read { tx in
            _ = try await Self.existing(tx, id: id)
            return try await tx.rows(
                "SELECT id, submitted_on, submitted_at, answers_json FROM survey_response WHERE survey_id = \(id) ORDER BY submitted_on, id"
            ).map { row in
                let answers = try SurveyJSON.decoder.decode(
                    [String: SurveyAnswer].self, from: Data(try row.value("answers_json", as: String.self).utf8))
                return SurveyResponseRecord(
                    id: try row.value("id", as: String.self), submittedOn: try row.value("submitted_on", as: CivilDate.self),
                    submittedAt: try row.value("submitted_at", as: Date?.self), response: SurveyResponse(answers: answers))
            }
        }
    }

    // MARK: Helpers

    static func existing(_ tx: PostgresTransaction, id: Int64) async throws -> SurveyRecord {
        guard let record = try await tx.record(SurveyRecord.self, "SELECT * FROM survey WHERE id = \(id)") else {
            throw StoreError.notFound(kind: "survey", key: String(id))
        }
        return record
    }

    static func view(_ tx: PostgresTransaction, _ record: SurveyRecord) async throws -> SurveyView {
        let creator = try await tx.scalar("SELECT display_name FROM staff_user WHERE id = \(record.createdBy)", as: String.self)
        let invitations = try await tx.row(
            "SELECT COUNT(*) AS made, COUNT(*) FILTER (WHERE used) AS used FROM survey_invitation WHERE survey_id = \(record.id!)")
        return SurveyView(
            id: record.id!, definition: try record.definition(), state: record.state, responseCount: record.responseCount,
            createdBy: creator ?? "", createdAt: record.createdAt, updatedAt: record.updatedAt, openedAt: record.openedAt,
            closedAt: record.closedAt, resultsPublishedAt: record.resultsPublishedAt,
            invitations: try invitations?.value("made", as: Int.self) ?? 0, invitationsUsed: try invitations?.value("used", as: Int.self) ?? 0)
    }

    /// The free text of a closed survey goes to moderation at once, in an
    /// order unrelated to arrival (the rows' random ids), stamped with the
    /// closing time: nothing in the queue dates an anonymous answer.
    static func sendTextAnswersToModeration(_ tx: PostgresTransaction, survey: SurveyRecord, filter: ContentFilter, at now: Date)
        async throws
    {
        let rows = try await tx.rows(
            "SELECT id, text FROM survey_text_answer WHERE survey_id = \(survey.id!) AND moderation_item_id IS NULL ORDER BY id")
        for row in rows {
            let answerID = try row.value("id", as: String.self)
            let text = try row.value("text", as: String.self)
            let item = try await PostgresModerationStore.enqueueModeration(
                tx,
                NewModerationItem(
                    kind: .surveyAnswer, sourceType: GRDBSurveysStore.textAnswerSourceType, sourceID: answerID, text: text,
                    check: filter.check(text)),
                at: now)
            try await tx.execute("UPDATE survey_text_answer SET moderation_item_id = \(item.id) WHERE id = \(answerID)")
        }
    }

    /// The tables whose rows `unlinkAnonymousResponses` rewrites, and whose
    /// old versions `flushDestroyedSecret` vacuums away.
    static let responseTables = ["survey_response", "survey_text_answer", "survey_duplicate_key", "survey_invitation"]

    /// At the close of an anonymous survey, in the closing transaction:
    /// takes away what PostgreSQL itself recorded about who answered what,
    /// which SQLite does not record (docs/surveys-design.md, "Anonymity").
    ///
    /// Every PostgreSQL row version carries the id of the transaction that
    /// wrote it (`xmin`, readable by anyone who can read the table), and a
    /// table's rows lie in the order they came (`ctid`). While the survey
    /// is open a response therefore shares its `xmin` with the invitation
    /// it marked used, or with its duplicate key, and the responses'
    /// `xmin`s and places give their arrival order. Rewritten here, every
    /// such row of the survey carries this one transaction's id; responses
    /// and text answers are put back in the order of their random ids. The
    /// old versions stay as dead rows until the vacuum after the commit
    /// (`flushDestroyedSecret`).
    static func unlinkAnonymousResponses(_ tx: PostgresTransaction, survey id: Int64) async throws {
        for table in ["survey_response", "survey_text_answer"] {
            let copy = PostgresTransaction.quoted("unlinking_" + table)
            try await tx.execute(
                PostgresQuery(unsafeSQL: "CREATE TEMPORARY TABLE \(copy) ON COMMIT DROP AS SELECT * FROM \(table) WHERE survey_id = \(id)"))
            try await tx.execute(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE survey_id = \(id)"))
            try await tx.execute(PostgresQuery(unsafeSQL: "INSERT INTO \(table) SELECT * FROM \(copy) ORDER BY id"))
            try await tx.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(copy)"))
        }
        try await tx.execute("UPDATE survey_duplicate_key SET key = key WHERE survey_id = \(id)")
        try await tx.execute("UPDATE survey_invitation SET used = used WHERE survey_id = \(id)")
    }

    /// After a close, best effort: removes the dead row versions of the
    /// survey table, among them the one still holding the destroyed secret
    /// (SQLite's counterpart checkpoints the WAL), and of the response
    /// tables, among them those `unlinkAnonymousResponses` replaced. A
    /// version an older snapshot still sees stays until a later vacuum
    /// (autovacuum); the bytes may also remain in PostgreSQL's WAL until it
    /// is recycled.
    func flushDestroyedSecret() async {
        let logger = backend.logger
        let tables = (["survey"] + Self.responseTables).joined(separator: ", ")
        _ = try? await backend.withConnection { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "VACUUM \(tables)"), logger: logger)
        }
    }

    static func audit(
        _ tx: PostgresTransaction, _ actor: AuditActor, _ action: String, _ after: SurveyRecord, before: SurveyRecord?, at now: Date
    ) async throws {
        struct Audited: Encodable {
            var title: String
            var state: String
            var responses: Int
            init(_ record: SurveyRecord) {
                title = record.title
                state = record.state.rawValue
                responses = record.responseCount
            }
        }
        try await AuditEntry.record(
            tx, actor: actor, action: action, subjectType: "survey",
            subjectID: String(after.id!), before: before.map(Audited.init), after: Audited(after), at: now)
    }
}
