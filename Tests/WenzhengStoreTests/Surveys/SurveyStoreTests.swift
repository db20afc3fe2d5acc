import Foundation
import GRDB
import PostgresNIO
import Testing
import WenzhengTestFixtures

@testable import WenzhengCore
@testable import WenzhengStore

/// Surveys in the store, against its contract, on both backends (a real
/// SQLite file; a fresh PostgreSQL database).
@Suite("Surveys in the store")
struct SurveyStoreTests {
    /// An office with an organiser, and a fresh database.
    struct Office {
        let db: AppDatabase
        let host: AuthenticatedStaff

        init(on backend: StoreBackend = .sqlite) async throws {
            db = try await backend.makeDatabase(onFile: true)
            let summary = try await db.addUser("organiser", role: .host)
            let departmentID = try #require(try await db.accounts.department(named: "办公室")).id
            host = AuthenticatedStaff(
                userID: summary.id, username: "organiser", displayName: "organiser", role: .host, departmentID: departmentID,
                department: "办公室", csrfToken: "csrf", sessionExpiresAt: .distantFuture)
        }

        /// The fixture survey, opened, in the middle of its window.
        func openSurvey(_ change: (inout SurveyDefinition) -> Void = { _ in }) async throws -> SurveyView {
            var definition = SurveyFixtures.legalAidSurvey()
            change(&definition)
            let survey = try await db.surveys.createSurvey(definition, actor: host, at: SurveyFixtures.opensAt)
            return try await db.surveys.changeSurveyState(
                id: survey.id, to: .open, filter: plainFilter, actor: host, at: SurveyFixtures.opensAt)
        }

        /// The survey's secret as stored (nil once destroyed).
        func secret(of id: Int64) async throws -> Data? {
            switch db.backend {
            case .sqlite(let writer):
                return try await writer.read { db in try Data.fetchOne(db, sql: "SELECT secret FROM survey WHERE id = ?", arguments: [id]) }
            case .postgres(let postgres):
                return try await postgres.read { tx in try await tx.scalar("SELECT secret FROM survey WHERE id = \(id)", as: Data.self) }
            }
        }

        func answer(_ survey: SurveyView, browser: String, response: SurveyResponse? = nil, day: Double = 1) async throws
            -> SurveyReceipt
        {
            var random = FixtureRandom(seed: UInt64(abs(browser.hashValue) % 10_000 + 1))
            let answers = response ?? SurveyFixtures.randomResponse(to: survey.definition, using: &random)
            return try await db.surveys.submitSurveyResponse(
                SurveySubmission(surveyID: survey.id, identity: .browserToken(browser), response: answers),
                at: SurveyFixtures.opensAt.addingTimeInterval(day * 86_400))
        }
    }

    static func refusal(_ body: () async throws -> Void) async -> SurveySubmissionRefusal? {
        do {
            try await body()
            return nil
        } catch let refusal as SurveySubmissionRefusal {
            return refusal
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("builder errors come back all at once with their paths; only organisers build", arguments: StoreBackend.underTest)
    func builderValidation(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        var broken = SurveyFixtures.legalAidSurvey()
        broken.title = ""
        broken.questions[1].kind = .multipleChoice(options: SurveyFixtures.options(["a": "甲"]), minChoices: 3, maxChoices: 2)
        broken.questions[3].condition = QuestionCondition(questionKey: "suggestion", value: "x")
        let error = await storeError { _ = try await office.db.surveys.createSurvey(broken, actor: office.host, at: SurveyFixtures.opensAt) }
        let fields = error?.invalidFields ?? []
        #expect(fields.contains("title"))
        #expect(fields.contains { $0.hasPrefix("questions[1]") })
        #expect(fields.contains { $0.hasPrefix("questions[3].condition") })
        var moderator = office.host
        moderator.role = .moderator
        let forbidden = await storeError {
            _ = try await office.db.surveys.createSurvey(SurveyFixtures.legalAidSurvey(), actor: moderator, at: SurveyFixtures.opensAt)
        }
        #expect(forbidden?.isForbidden == true)
    }

    @Test("life cycle: a secret only while open, no way back, free text to moderation on closing", arguments: StoreBackend.underTest)
    func lifeCycle(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let survey = try await office.openSurvey()
        func secret() async throws -> Data? { try await office.secret(of: survey.id) }
        let opened = try #require(try await secret())
        #expect(opened.count == 32)
        _ = try await office.answer(
            survey, browser: "b1",
            response: SurveyResponse(answers: [
                "used": .choice("no"), "aspects": .matrix(["staff": "good", "process": "fair", "info": "poor"]),
                "suggestion": .text("希望延长周末窗口时间"),
            ]))
        let reopen = await storeError {
            _ = try await office.db.surveys.changeSurveyState(id: survey.id, to: .draft, filter: plainFilter, actor: office.host, at: .now)
        }
        #expect(reopen?.isConflict == true)
        let closed = try await office.db.surveys.changeSurveyState(
            id: survey.id, to: .closed, filter: plainFilter, actor: office.host, at: SurveyFixtures.closesAt)
        #expect(closed.state == .closed)
        #expect(try await secret() == nil)
        // The free text waits in the queue, stamped with the closing time.
        let queue = try await ModerationOnEitherBackend.pending(office.db, at: SurveyFixtures.closesAt)
        #expect(queue.map(\.text) == ["希望延长周末窗口时间"])
        #expect(queue.first?.kind == .surveyAnswer)
        #expect(queue.first?.createdAt == SurveyFixtures.closesAt)
        // Moderators see which survey it answers, and nothing more.
        #expect(try await ModerationOnEitherBackend.subject(office.db, itemID: try #require(queue.first).id) == .surveyAnswer(surveyID: survey.id))
        let again = await storeError {
            _ = try await office.db.surveys.changeSurveyState(id: survey.id, to: .open, filter: plainFilter, actor: office.host, at: .now)
        }
        #expect(again?.isConflict == true)
    }

    @Test("the schedule closes open surveys past their closing time, as an organiser would, and no others", arguments: StoreBackend.underTest)
    func scheduleClosesEndedSurveys(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let ended = try await office.openSurvey()
        let later = try await office.openSurvey { $0.closesAt = SurveyFixtures.closesAt.addingTimeInterval(86_400) }
        let draft = try await office.db.surveys.createSurvey(SurveyFixtures.legalAidSurvey(), actor: office.host, at: SurveyFixtures.opensAt)
        _ = try await office.answer(ended, browser: "b1", response: SurveyResponse(answers: [
            "used": .choice("no"), "aspects": .matrix(["staff": "good", "process": "fair", "info": "poor"]), "suggestion": .text("希望增加夜间咨询"),
        ]))

        #expect(try await office.db.surveys.closeEndedSurveys(filter: plainFilter, at: SurveyFixtures.closesAt.addingTimeInterval(-1)).isEmpty)
        let closed = try await office.db.surveys.closeEndedSurveys(filter: plainFilter, at: SurveyFixtures.closesAt)
        #expect(closed == [ended.id])
        #expect(try await office.db.surveys.survey(id: ended.id).state == .closed)
        #expect(try await office.db.surveys.survey(id: later.id).state == .open)
        #expect(try await office.db.surveys.survey(id: draft.id).state == .draft)
        #expect(try await office.secret(of: ended.id) == nil)
        let queue = try await ModerationOnEitherBackend.pending(office.db, at: SurveyFixtures.closesAt)
        #expect(queue.map(\.text) == ["希望增加夜间咨询"])
        let audited = try await office.db.audit.auditEntries().filter { $0.action == "survey.closed" && $0.subjectId == String(ended.id) }
        #expect(audited.map(\.actorName) == ["system:schedule"])
        // A second pass finds nothing more to do.
        #expect(try await office.db.surveys.closeEndedSurveys(filter: plainFilter, at: SurveyFixtures.closesAt.addingTimeInterval(60)).isEmpty)
    }

    @Test("one response per browser; another browser answers; outside the window nobody does", arguments: StoreBackend.underTest)
    func oneResponsePerBrowser(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let survey = try await office.openSurvey()
        _ = try await office.answer(survey, browser: "browser-1")
        #expect(await Self.refusal { _ = try await office.answer(survey, browser: "browser-1") } == .alreadyAnswered)
        _ = try await office.answer(survey, browser: "browser-2")
        #expect(try await office.db.surveys.survey(id: survey.id).responseCount == 2)
        let late = await Self.refusal { _ = try await office.answer(survey, browser: "browser-3", day: 40) }
        #expect(late == .unavailable(.closed(survey.definition.window)))
        let early = await Self.refusal { _ = try await office.answer(survey, browser: "browser-4", day: -1) }
        #expect(early == .unavailable(.notYetOpen(survey.definition.window)))
        let invitation = await Self.refusal {
            _ = try await office.db.surveys.submitSurveyResponse(
                SurveySubmission(surveyID: survey.id, identity: .invitationToken("7K3M-Q9TX-2HD4-WZ8B"), response: SurveyResponse(answers: [:])),
                at: SurveyFixtures.opensAt.addingTimeInterval(86_400))
        }
        #expect(invitation == .wrongIdentity)
    }

    @Test("invitation mode: single-use tokens, stored only as digests", arguments: StoreBackend.underTest)
    func invitations(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let survey = try await office.openSurvey { $0.mode = .invitation }
        let tokens = SurveyInvitationTokens.generate(count: 3)
        #expect(try await office.db.surveys.addSurveyInvitations(id: survey.id, tokens: tokens, actor: cliActor, at: .now) == 3)
        func submit(_ token: String) async throws {
            var random = FixtureRandom(seed: 7)
            _ = try await office.db.surveys.submitSurveyResponse(
                SurveySubmission(
                    surveyID: survey.id, identity: .invitationToken(token),
                    response: SurveyFixtures.randomResponse(to: survey.definition, using: &random)),
                at: SurveyFixtures.opensAt.addingTimeInterval(86_400))
        }
        // Typed with lowercase and spaces, as people do.
        try await submit(tokens[0].lowercased().replacingOccurrences(of: "-", with: " "))
        #expect(await Self.refusal { try await submit(tokens[0]) } == .alreadyAnswered)
        #expect(await Self.refusal { try await submit("ZZZZ-ZZZZ-ZZZZ-ZZZZ") } == .unknownInvitation)
        #expect(await Self.refusal { _ = try await office.answer(survey, browser: "b") } == .wrongIdentity)
        let view = try await office.db.surveys.survey(id: survey.id)
        #expect(view.invitations == 3 && view.invitationsUsed == 1)
        let stored = try await office.db.rawStrings("SELECT token_digest FROM survey_invitation")
        #expect(stored.count == 3)
        #expect(!stored.contains { digest in tokens.contains { digest.contains($0) } })
    }

    @Test("anonymity: nothing stored links a response to its browser token, time or arrival order", arguments: StoreBackend.underTest)
    func anonymity(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let survey = try await office.openSurvey()
        let token = "browser-token-3F9A7C21E0B4"
        let receipt = try await office.answer(survey, browser: token)
        _ = try await office.answer(survey, browser: "another-browser-1")
        _ = try await office.answer(survey, browser: "another-browser-2")
        switch office.db.backend {
        case .sqlite(let writer):
            try await writer.read { db in
                let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM survey_response WHERE id = ?", arguments: [receipt.responseID]))
                #expect(row["submitted_at"] == nil as Date?)
                #expect(row["invitation_id"] == nil as Int64?)
                #expect(row["submitted_on"] == "2026-11-02")
                // The token appears nowhere: not in any column of any table.
                for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                    for column in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map({ $0["name"] as String }) {
                        let hits = try Int.fetchOne(
                            db, sql: "SELECT COUNT(*) FROM \"\(table)\" WHERE instr(CAST(\"\(column)\" AS TEXT), ?) > 0", arguments: [token])
                        #expect(hits == 0, "\(table).\(column) holds the browser token")
                    }
                }
                // Responses sit in random-key order, not arrival order.
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(survey_response)").map { $0["name"] as String }
                #expect(!columns.contains("created_at") && !columns.contains("client_address"))
                let withoutRowid = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'survey_response'")
                #expect(withoutRowid?.contains("WITHOUT ROWID") == true)
            }
        case .postgres(let postgres):
            // The same checks through PostgreSQL's catalogue. (A heap table
            // has no WITHOUT ROWID: its physical order is not asked here.)
            try await postgres.read { tx in
                let row = try #require(try await tx.row("SELECT * FROM survey_response WHERE id = \(receipt.responseID)"))
                #expect(try row.value("submitted_at", as: Date?.self) == nil)
                #expect(try row.value("invitation_id", as: Int64?.self) == nil)
                #expect(try row.value("submitted_on", as: CivilDate.self) == CivilDate("2026-11-02"))
                let columns = try await tx.rows(
                    """
                    SELECT table_name, column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() ORDER BY table_name, column_name
                    """)
                #expect(columns.count > 50)
                for column in columns {
                    let table = try column.value("table_name", as: String.self)
                    let name = try column.value("column_name", as: String.self)
                    let hits = try await tx.scalar(
                        PostgresQuery(
                            unsafeSQL: "SELECT COUNT(*) FROM \"\(table)\" WHERE strpos(CAST(\"\(name)\" AS TEXT), $1) > 0",
                            binds: { var b = PostgresBindings(); b.append(token); return b }()),
                        as: Int.self)
                    #expect(hits == 0, "\(table).\(name) holds the browser token")
                }
                let responseColumns = try columns.filter { try $0.value("table_name", as: String.self) == "survey_response" }
                    .map { try $0.value("column_name", as: String.self) }
                #expect(Set(responseColumns) == ["id", "survey_id", "submitted_on", "submitted_at", "invitation_id", "answers_json"])
            }
        }
        // And the file holds no copy of the secret once closed.
        let closedSurvey = try await office.db.surveys.changeSurveyState(
            id: survey.id, to: .closed, filter: plainFilter, actor: office.host, at: SurveyFixtures.closesAt)
        #expect(closedSurvey.state == .closed)
    }

    @Test(
        "PostgreSQL: closing an anonymous survey leaves no transaction id or row order linking a response to its invitation or to the others",
        arguments: StoreBackend.underTest.filter { $0 == .postgres })
    func anonymityOfRowVersions(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let survey = try await office.openSurvey { $0.mode = .invitation }
        let tokens = SurveyInvitationTokens.generate(count: 6)
        _ = try await office.db.surveys.addSurveyInvitations(id: survey.id, tokens: tokens, actor: cliActor, at: SurveyFixtures.opensAt)
        for (index, token) in tokens.prefix(5).enumerated() {
            var random = FixtureRandom(seed: UInt64(index + 1))
            _ = try await office.db.surveys.submitSurveyResponse(
                SurveySubmission(
                    surveyID: survey.id, identity: .invitationToken(token),
                    response: SurveyFixtures.randomResponse(to: survey.definition, using: &random)),
                at: SurveyFixtures.opensAt.addingTimeInterval(86_400))
        }
        // `xmin` of each used invitation, and of each response, as text.
        let usedInvitations = "SELECT xmin::text FROM survey_invitation WHERE used ORDER BY id"
        let responses = "SELECT xmin::text FROM survey_response ORDER BY id"
        let physicalOrder = "SELECT id FROM survey_response ORDER BY ctid"
        // While open, each used invitation shares its transaction with one
        // response (what the closing takes away; the test can fail).
        #expect(Set(try await office.db.rawStrings(usedInvitations)) == Set(try await office.db.rawStrings(responses)))
        #expect(Set(try await office.db.rawStrings(responses)).count == 5)

        _ = try await office.db.surveys.changeSurveyState(
            id: survey.id, to: .closed, filter: plainFilter, actor: office.host, at: SurveyFixtures.closesAt)
        var writers: Set<String> = []
        for table in PostgresSurveysStore.responseTables {
            writers.formUnion(try await office.db.rawStrings("SELECT xmin::text FROM \(table) WHERE survey_id = \(survey.id)"))
        }
        #expect(writers.count == 1, "rows of the closed survey written by \(writers.count) transactions")
        let ids = try await office.db.rawStrings("SELECT id FROM survey_response ORDER BY id")
        #expect(ids.count == 5)
        #expect(try await office.db.rawStrings(physicalOrder) == ids)
        #expect(try await office.db.rawStrings("SELECT id FROM survey_text_answer ORDER BY ctid")
            == (try await office.db.rawStrings("SELECT id FROM survey_text_answer ORDER BY id")))
        // Nothing else changed: the same answers, the same tallies.
        let view = try await office.db.surveys.survey(id: survey.id)
        #expect(view.invitationsUsed == 5 && view.responseCount == 5)
    }

    @Test("the running tally equals counting the stored responses one by one", arguments: StoreBackend.underTest)
    func tallyMatchesResponses(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let survey = try await office.openSurvey()
        for index in 0..<60 { _ = try await office.answer(survey, browser: "browser-\(index)") }
        let results = try await office.db.surveys.surveyResults(id: survey.id).results
        var naive = SurveyTally(definition: survey.definition)
        for record in try await office.db.surveys.surveyResponses(id: survey.id) { naive.add(record.response) }
        #expect(results == naive.results())
        #expect(naive.responseCount == 60)
    }

    @Test("questions are fixed once anyone has answered; the title may still be corrected", arguments: StoreBackend.underTest)
    func editLocks(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let survey = try await office.openSurvey()
        var edited = survey.definition
        edited.questions.removeLast()
        _ = try await office.db.surveys.updateSurvey(id: survey.id, edited, actor: office.host, at: .now)  // nobody answered yet
        let current = try await office.db.surveys.survey(id: survey.id)
        _ = try await office.answer(current, browser: "b1")
        var again = current.definition
        again.questions.removeLast()
        let locked = await storeError { _ = try await office.db.surveys.updateSurvey(id: survey.id, again, actor: office.host, at: .now) }
        #expect(locked?.invalidFields == ["questions"])
        var retitled = current.definition
        retitled.title = "2026年度法律援助服务满意度调查（更正）"
        #expect(try await office.db.surveys.updateSurvey(id: survey.id, retitled, actor: office.host, at: .now).title == retitled.title)
    }

    @Test("free text is published only once a moderator approves it, masked", arguments: StoreBackend.underTest)
    func textThroughModeration(_ backend: StoreBackend) async throws {
        let office = try await Office(on: backend)
        let moderator = try await office.db.addUser("mod", role: .moderator)
        let survey = try await office.openSurvey()
        for (browser, text) in [("b1", "窗口工作人员很耐心"), ("b2", "请联系我13812345678"), ("b3", "广告内容")] {
            _ = try await office.answer(
                survey, browser: browser,
                response: SurveyResponse(answers: [
                    "used": .choice("no"), "aspects": .matrix(["staff": "good", "process": "good", "info": "good"]),
                    "suggestion": .text(text),
                ]))
        }
        _ = try await office.db.surveys.changeSurveyState(
            id: survey.id, to: .closed, filter: plainFilter, actor: office.host, at: SurveyFixtures.closesAt)
        #expect(try await office.db.surveys.surveyResults(id: survey.id).publishedTexts.isEmpty)
        let staff = AuthenticatedStaff(
            userID: moderator.id, username: "mod", displayName: "mod", role: .moderator, departmentID: office.host.departmentID,
            department: "办公室", csrfToken: "c", sessionExpiresAt: .distantFuture)
        let queue = try await ModerationOnEitherBackend.pending(office.db, at: SurveyFixtures.closesAt)
        #expect(queue.count == 3)
        for item in queue {
            try await ModerationOnEitherBackend.decide(
                office.db, id: item.id, rejectReason: item.text == "广告内容" ? "advertising" : nil, by: staff, at: SurveyFixtures.closesAt)
        }
        let texts = try await office.db.surveys.surveyResults(id: survey.id).publishedTexts["suggestion"] ?? []
        #expect(texts.sorted() == ["窗口工作人员很耐心", "请联系我138****5678"])
    }
}
