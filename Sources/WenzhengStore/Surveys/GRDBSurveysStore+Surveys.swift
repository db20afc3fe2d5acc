import Foundation
import GRDB
import WenzhengCore

extension GRDBSurveysStore {
    // MARK: Definitions and life cycle

    func createSurvey(_ definition: SurveyDefinition, actor: AuthenticatedStaff, at now: Date) async throws -> SurveyView {
        try Self.ensureBuilds(actor)
        let definition = try Self.validated(definition, draft: true)
        return try await writer.write { db in
            var record = SurveyRecord(
                id: nil, title: definition.title, definitionJson: "{}", state: .draft, mode: definition.mode,
                isAnonymous: definition.isAnonymous, opensAt: definition.opensAt, closesAt: definition.closesAt, secret: nil,
                responseCount: 0, createdBy: actor.userID, createdAt: now, updatedAt: now, openedAt: nil, closedAt: nil,
                resultsPublishedAt: nil)
            try record.setDefinition(definition)
            try record.insert(db)
            try Self.audit(db, .staff(actor, clientAddress: actor.clientAddress), "survey.create", record, before: nil, at: now)
            return try Self.view(db, record)
        }
    }

    func updateSurvey(id: Int64, _ definition: SurveyDefinition, actor: AuthenticatedStaff, at now: Date) async throws -> SurveyView {
        try Self.ensureBuilds(actor)
        return try await writer.write { db in
            var record = try Self.existing(db, id: id)
            let definition = try Self.validated(definition, draft: record.state == .draft)
            let current = try record.definition()
            let locked = SurveyRules.editErrors(
                current: current, proposed: definition, state: record.state, responseCount: record.responseCount)
            if !locked.isEmpty { throw StoreError.invalid(ValidationFailure(locked)) }
            let before = record
            try record.setDefinition(definition)
            record.updatedAt = now
            try record.update(db)
            try Self.audit(db, .staff(actor, clientAddress: actor.clientAddress), "survey.update", record, before: before, at: now)
            return try Self.view(db, record)
        }
    }

    func changeSurveyState(
        id: Int64, to state: SurveyState, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date
    ) async throws -> SurveyView {
        try Self.ensureBuilds(actor)
        let view = try await writer.write { db in
            var record = try Self.existing(db, id: id)
            try Self.move(db, &record, to: state, filter: filter, actor: .staff(actor, clientAddress: actor.clientAddress), at: now)
            return try Self.view(db, record)
        }
        if state == .closed { Self.flushDestroyedSecret(writer) }
        return view
    }

    func closeEndedSurveys(filter: ContentFilter, at now: Date) async throws -> [Int64] {
        let closed = try await writer.write { db in
            let ended = try SurveyRecord.filter(SurveyRecord.Columns.state == SurveyState.open.rawValue)
                .filter(SurveyRecord.Columns.closesAt <= now).fetchAll(db)
            for var record in ended {
                try Self.move(db, &record, to: .closed, filter: filter, actor: Self.scheduleActor, at: now)
            }
            return ended.map { $0.id! }
        }
        if !closed.isEmpty { Self.flushDestroyedSecret(writer) }
        return closed
    }

    /// Who closes a survey when its closing time has passed.
    static let scheduleActor = AuditActor(userID: nil, name: "system:schedule")

    /// One state change in the caller's transaction, with what it implies:
    /// a new secret on opening; on closing the secret destroyed and the
    /// free text sent to moderation; the audit line.
    static func move(
        _ db: Database, _ record: inout SurveyRecord, to state: SurveyState, filter: ContentFilter, actor: AuditActor, at now: Date
    ) throws {
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
            // The keys of the duplicate check can no longer be
            // recomputed from a browser token (docs/surveys-design.md).
            record.secret = nil
            record.closedAt = now
            try sendTextAnswersToModeration(db, survey: record, filter: filter, at: now)
        case .resultsPublished:
            record.resultsPublishedAt = now
        case .draft:
            break
        }
        record.updatedAt = now
        try record.update(db)
        try audit(db, actor, "survey.\(state.rawValue)", record, before: before, at: now)
    }

    func survey(id: Int64) async throws -> SurveyView {
        try await reader.read { db in try Self.view(db, try Self.existing(db, id: id)) }
    }

    func surveys(states: [SurveyState]) async throws -> [SurveySummary] {
        try await reader.read { db in
            var request = SurveyRecord.all()
            if !states.isEmpty { request = request.filter(states.map(\.rawValue).contains(SurveyRecord.Columns.state)) }
            return try request.order(SurveyRecord.Columns.opensAt.desc, Column("id").desc).fetchAll(db).map { record in
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
        return try await writer.write { db in
            let record = try Self.existing(db, id: id)
            guard record.mode == .invitation else {
                throw StoreError.conflict("survey \(id) is open to everyone; invitations are for surveys in invitation mode")
            }
            guard record.state == .draft || record.state == .open else {
                throw StoreError.conflict("survey \(id) is \(record.state.rawValue); it takes no new invitations")
            }
            for digest in digests {
                try db.execute(
                    sql: "INSERT INTO survey_invitation (survey_id, token_digest, created_at) VALUES (?, ?, ?)",
                    arguments: [id, digest, now])
            }
            try AuditEntry.record(
                db, actor: actor, action: "survey.invitations", subjectType: "survey", subjectID: String(id),
                after: ["added": digests.count], at: now)
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM survey_invitation WHERE survey_id = ?", arguments: [id]) ?? 0
        }
    }

    // MARK: Responses

    func submitSurveyResponse(_ submission: SurveySubmission, at now: Date) async throws -> SurveyReceipt {
        try await responses.submit(DatedSurveySubmission(submission: submission, at: now))
    }

    /// Responses inside the caller's transaction (the store's
    /// `GroupCommit`), one outcome per submission, in order. Each is stored
    /// in its own savepoint, so a refused or invalid one is rolled back
    /// alone; the counters of those stored are added once at the end.
    ///
    /// - Throws: only when SQLite has rolled back the whole transaction
    ///   (disk full, I/O error): then nothing of the batch is stored.
    static func storeResponses(
        _ db: Database, _ submissions: [DatedSurveySubmission], definitions: SurveyDefinitionCache
    ) throws -> [Result<SurveyReceipt, any Error>] {
        var batch = ResponseBatch(definitions: definitions)
        let stored = try db.eachInSavepoint(submissions) { dated in
            try storeResponse(db, dated.submission, at: dated.at, batch: &batch)
        }
        let outcomes = zip(submissions, stored).map { dated, outcome in
            outcome.map { stored in
                batch.count(stored.increments, survey: dated.submission.surveyID)
                return stored.receipt
            }
        }
        try batch.writeCounts(db)
        return outcomes
    }

    /// A response and when it arrived, as the group commit queues it.
    struct DatedSurveySubmission: Sendable {
        var submission: SurveySubmission
        var at: Date
    }

    /// What the responses of one transaction share: each survey read once,
    /// its definition decoded once (and reused by later transactions while
    /// its JSON is unchanged), and the counters they add, summed.
    struct ResponseBatch {
        struct OpenSurvey {
            var id: Int64
            var state: SurveyState
            var mode: SurveyMode
            var isAnonymous: Bool
            var secret: Data?
            var definition: SurveyDefinition
            var tally: SurveyTally
            var responses = 0
            /// Counter sums by question key and slot storage key.
            var counters: [String: [String: Int]] = [:]
        }

        let definitions: SurveyDefinitionCache
        var surveys: [Int64: OpenSurvey] = [:]

        init(definitions: SurveyDefinitionCache) {
            self.definitions = definitions
        }

        mutating func survey(_ db: Database, id: Int64) throws -> OpenSurvey {
            if let survey = surveys[id] { return survey }
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT state, mode, is_anonymous, secret, definition_json FROM survey WHERE id = ?"),
                    arguments: [id]),
                let state = SurveyState(rawValue: row["state"]), let mode = SurveyMode(rawValue: row["mode"])
            else { throw StoreError.notFound(kind: "survey", key: String(id)) }
            let decoded = try definitions.definition(survey: id, json: row["definition_json"])
            let survey = OpenSurvey(
                id: id, state: state, mode: mode, isAnonymous: row["is_anonymous"], secret: row["secret"], definition: decoded.definition,
                tally: decoded.tally)
            surveys[id] = survey
            return survey
        }

        mutating func count(_ increments: [TallyCounter], survey id: Int64) {
            surveys[id]?.responses += 1
            for counter in increments {
                surveys[id]?.counters[counter.questionKey, default: [:]][counter.slot.storageKey, default: 0] += counter.count
            }
        }

        /// The running counts and the response count, one statement per
        /// counter row touched.
        func writeCounts(_ db: Database) throws {
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO survey_tally (survey_id, question_key, slot, count) VALUES (?, ?, ?, ?)
                    ON CONFLICT (survey_id, question_key, slot) DO UPDATE SET count = count + excluded.count
                    """)
            for (id, survey) in surveys.sorted(by: { $0.key < $1.key }) where survey.responses > 0 {
                for (questionKey, slots) in survey.counters.sorted(by: { $0.key < $1.key }) {
                    for (slot, count) in slots.sorted(by: { $0.key < $1.key }) {
                        try upsert.execute(arguments: [id, questionKey, slot, count])
                    }
                }
                try db.cachedStatement(sql: "UPDATE survey SET response_count = response_count + ? WHERE id = ?")
                    .execute(arguments: [survey.responses, id])
            }
        }
    }

    /// One response, inside the caller's savepoint: checks, the duplicate
    /// key or invitation, the row and its free text. Returns the counters it
    /// adds (the caller adds them once the savepoint is released).
    static func storeResponse(_ db: Database, _ submission: SurveySubmission, at now: Date, batch: inout ResponseBatch) throws
        -> (receipt: SurveyReceipt, increments: [TallyCounter])
    {
        let survey = try batch.survey(db, id: submission.surveyID)
        let definition = survey.definition
        let availability = SurveyRules.availability(state: survey.state, window: definition.window, now: now)
        guard availability == .open else { throw SurveySubmissionRefusal.unavailable(availability) }
        switch (survey.mode, submission.identity) {
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
        switch (survey.mode, submission.identity) {
        case (.open, .browserToken):
            guard let bytes = survey.secret, let secret = SurveySecret(bytes: Array(bytes)) else {
                throw SurveySubmissionRefusal.unavailable(availability)
            }
            let key = SurveyAnonymity.duplicateKey(for: submission.identity, secret: secret, hasher: CryptoKeyHasher())
            try db.cachedStatement(sql: "INSERT INTO survey_duplicate_key (survey_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .execute(arguments: [survey.id, key])
            guard db.changesCount == 1 else { throw SurveySubmissionRefusal.alreadyAnswered }
        case (.invitation, .invitationToken(let token)):
            guard let normalized = SurveyInvitationTokens.normalized(token) else { throw SurveySubmissionRefusal.unknownInvitation }
            let digest = CryptoKeyHasher.digest(normalized)
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT id, used FROM survey_invitation WHERE survey_id = ? AND token_digest = ?"),
                    arguments: [survey.id, digest])
            else { throw SurveySubmissionRefusal.unknownInvitation }
            guard !(row["used"] as Bool) else { throw SurveySubmissionRefusal.alreadyAnswered }
            try db.cachedStatement(sql: "UPDATE survey_invitation SET used = 1 WHERE id = ?").execute(arguments: [row["id"] as Int64])
            if !survey.isAnonymous { invitationID = row["id"] }
        default:
            throw SurveySubmissionRefusal.wrongIdentity
        }
        let day = SurveyAnonymity.submissionDay(now)
        let id = SurveyAnonymity.responseID()
        try db.cachedStatement(
            sql: """
                INSERT INTO survey_response (id, survey_id, submitted_on, submitted_at, invitation_id, answers_json)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            id, survey.id, day.description, survey.isAnonymous ? nil : now, invitationID,
            String(decoding: try SurveyJSON.encoder.encode(response.answers), as: UTF8.self),
        ])
        for (key, text) in response.textAnswers(in: definition) {
            try db.cachedStatement(sql: "INSERT INTO survey_text_answer (id, survey_id, question_key, text) VALUES (?, ?, ?, ?)")
                .execute(arguments: [SurveyAnonymity.responseID(), survey.id, key, text])
        }
        return (SurveyReceipt(responseID: id, submittedOn: day), survey.tally.increments(for: response))
    }

    // MARK: Results and exports

    func surveyResults(id: Int64) async throws -> SurveyResultsView {
        try await reader.read { db in
            let record = try Self.existing(db, id: id)
            let definition = try record.definition()
            let counters = try Row.fetchAll(
                db, sql: "SELECT question_key, slot, count FROM survey_tally WHERE survey_id = ?", arguments: [id]
            ).compactMap { row -> TallyCounter? in
                guard let slot = TallySlot(storageKey: row["slot"]) else { return nil }
                return TallyCounter(questionKey: row["question_key"], slot: slot, count: row["count"])
            }
            let tally = SurveyTally(definition: definition, responseCount: record.responseCount, counters: counters)
            var texts: [String: [String]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT question_key, published_text FROM survey_text_answer
                    WHERE survey_id = ? AND published_text IS NOT NULL ORDER BY question_key, id
                    """, arguments: [id])
            {
                texts[row["question_key"], default: []].append(row["published_text"])
            }
            return SurveyResultsView(survey: try Self.view(db, record), results: tally.results(), publishedTexts: texts)
        }
    }

    func surveyResponses(id: Int64) async throws -> [SurveyResponseRecord] {
        try await reader.read { db in
            _ = try Self.existing(db, id: id)
            return try Row.fetchAll(
                db,
                sql: "SELECT id, submitted_on, submitted_at, answers_json FROM survey_response WHERE survey_id = ? ORDER BY submitted_on, id",
                arguments: [id]
            ).map { row in
                let answers = try SurveyJSON.decoder.decode([String: SurveyAnswer].self, from: Data((row["answers_json"] as String).utf8))
                return SurveyResponseRecord(
                    id: row["id"], submittedOn: CivilDate(row["submitted_on"] as String)!, submittedAt: row["submitted_at"],
                    response: SurveyResponse(answers: answers))
            }
        }
    }

    // MARK: Helpers

    /// Surveys are built and run by the office's organisers.
    static let builderRoles: Set<Role> = [.admin, .host]

    static func ensureBuilds(_ actor: AuthenticatedStaff) throws {
        guard builderRoles.contains(actor.role) else { throw StoreError.forbidden("your role does not run surveys") }
    }

    /// A draft may have no questions yet; a public survey must be whole.
    static func validated(_ definition: SurveyDefinition, draft: Bool) throws -> SurveyDefinition {
        do {
            return draft ? try SurveyBuilder.validatedDraft(definition) : try SurveyBuilder.validated(definition)
        } catch {
            throw StoreError.invalid(error)
        }
    }

    static func existing(_ db: Database, id: Int64) throws -> SurveyRecord {
        guard let record = try SurveyRecord.fetchOne(db, key: id) else { throw StoreError.notFound(kind: "survey", key: String(id)) }
        return record
    }

    static func view(_ db: Database, _ record: SurveyRecord) throws -> SurveyView {
        let creator = try String.fetchOne(db, sql: "SELECT display_name FROM staff_user WHERE id = ?", arguments: [record.createdBy])
        let invitations = try Row.fetchOne(
            db, sql: "SELECT COUNT(*) AS made, COALESCE(SUM(used), 0) AS used FROM survey_invitation WHERE survey_id = ?",
            arguments: [record.id])
        return SurveyView(
            id: record.id!, definition: try record.definition(), state: record.state, responseCount: record.responseCount,
            createdBy: creator ?? "", createdAt: record.createdAt, updatedAt: record.updatedAt, openedAt: record.openedAt,
            closedAt: record.closedAt, resultsPublishedAt: record.resultsPublishedAt, invitations: invitations?["made"] ?? 0,
            invitationsUsed: invitations?["used"] ?? 0)
    }

    /// The free text of a closed survey goes to moderation at once, in an
    /// order unrelated to arrival (the rows' random ids), stamped with the
    /// closing time: nothing in the queue dates an anonymous answer.
    static func sendTextAnswersToModeration(_ db: Database, survey: SurveyRecord, filter: ContentFilter, at now: Date) throws {
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, text FROM survey_text_answer WHERE survey_id = ? AND moderation_item_id IS NULL ORDER BY id",
            arguments: [survey.id])
        for row in rows {
            let text: String = row["text"]
            let item = try GRDBModerationStore.enqueueModeration(
                db,
                NewModerationItem(
                    kind: .surveyAnswer, sourceType: textAnswerSourceType, sourceID: row["id"], text: text, check: filter.check(text)),
                at: now)
            try db.execute(
                sql: "UPDATE survey_text_answer SET moderation_item_id = ? WHERE id = ?", arguments: [item.id, row["id"] as String])
        }
    }

    /// After a close: the old secret's bytes may still sit in the WAL until
    /// a checkpoint; checkpoint now so they are overwritten (with
    /// `secure_delete`, freed pages are zeroed). Best effort: a busy
    /// database checkpoints at the next opportunity.
    static func flushDestroyedSecret(_ writer: any DatabaseWriter) {
        guard let pool = writer as? DatabasePool else { return }
        _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    static func audit(_ db: Database, _ actor: AuditActor, _ action: String, _ after: SurveyRecord, before: SurveyRecord?, at now: Date)
        throws
    {
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
        try AuditEntry.record(
            db, actor: actor, action: action, subjectType: "survey",
            subjectID: String(after.id!), before: before.map(Audited.init), after: Audited(after), at: now)
    }
}
