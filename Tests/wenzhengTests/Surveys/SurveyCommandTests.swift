import Foundation
import Testing
import WenzhengCore
import WenzhengStore
import WenzhengTestFixtures

/// `wenzheng survey tokens` and `wenzheng export survey`, run as separate
/// processes on a database prepared through the store.
@Suite("wenzheng survey and export")
struct SurveyCommandTests {
    struct Fixture {
        let temp: TemporaryDirectory
        let db: String
        let database: AppDatabase
        let survey: SurveyView

        init(mode: SurveyMode) async throws {
            temp = try TemporaryDirectory()
            db = temp.path("db.sqlite")
            database = try AppDatabase.openFile(atPath: db)
            let host = try await database.accounts.createStaffUser(
                NewStaffUser(username: "host", displayName: "主持人", role: .host, department: "办公室", passwordHash: "hash"),
                actor: .commandLine(osUser: "test"), at: Date())
            try await database.accounts.startSession(
                userID: host.id, tokenHash: "token-hash", csrfToken: "csrf", expiresAt: .distantFuture, clientAddress: nil,
                userAgent: nil, at: Date())
            let actor = try #require(try await database.accounts.activeSession(tokenHash: "token-hash", at: Date()))
            var definition = SurveyFixtures.legalAidSurvey()
            definition.mode = mode
            let created = try await database.surveys.createSurvey(definition, actor: actor, at: SurveyFixtures.opensAt)
            survey = try await database.surveys.changeSurveyState(
                id: created.id, to: .open, filter: ModerationFixtures.plainFilter, actor: actor, at: SurveyFixtures.opensAt)
        }

        func answer(_ identity: RespondentIdentity, seed: UInt64) async throws -> SurveyReceipt {
            var random = FixtureRandom(seed: seed)
            let response = SurveyFixtures.randomResponse(to: survey.definition, using: &random)
            return try await database.surveys.submitSurveyResponse(
                SurveySubmission(surveyID: survey.id, identity: identity, response: response),
                at: SurveyFixtures.opensAt.addingTimeInterval(86_400))
        }
    }

    @Test func tokensArePrintedOnceAndWorkOnce() async throws {
        let fixture = try await Fixture(mode: .invitation)
        let printed = try CLI.run(["survey", "tokens", String(fixture.survey.id), "--count", "5", "--db", fixture.db])
        #expect(printed.status == 0, "\(printed.error)")
        let tokens = printed.output.split(separator: "\n").map(String.init)
        #expect(tokens.count == 5)
        #expect(tokens.allSatisfy { $0.wholeMatch(of: /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/) != nil })
        #expect(printed.error.contains("5 invitation tokens made for survey \(fixture.survey.id) (5 in all)"))

        // To a file: 0600, never replacing one that exists.
        let file = fixture.temp.path("tokens.txt")
        let written = try CLI.run(["survey", "tokens", String(fixture.survey.id), "--count", "3", "-o", file, "--db", fixture.db])
        #expect(written.status == 0, "\(written.error)")
        #expect(written.output.isEmpty)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let fileTokens = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(fileTokens.count == 3)
        let again = try CLI.run(["survey", "tokens", String(fixture.survey.id), "--count", "3", "-o", file, "--db", fixture.db])
        #expect(again.status != 0)
        #expect(again.error.contains("exists already"))
        #expect(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init) == fileTokens)
        #expect(try await fixture.database.surveys.survey(id: fixture.survey.id).invitations == 8, "the refused run stored nothing")

        _ = try await fixture.answer(.invitationToken(tokens[0]), seed: 1)
        await #expect(throws: SurveySubmissionRefusal.alreadyAnswered) {
            try await fixture.answer(.invitationToken(tokens[0]), seed: 2)
        }
        _ = try await fixture.answer(.invitationToken(fileTokens[0]), seed: 3)
    }

    @Test func badArgumentsAreRefusedReadably() async throws {
        let fixture = try await Fixture(mode: .open)
        let id = String(fixture.survey.id)
        for (arguments, message) in [
            (["survey", "tokens", id, "--count", "0"], "--count must be 1 to 10000"),
            (["survey", "tokens", id, "--count", "10001"], "--count must be 1 to 10000"),
            (["survey", "tokens", "999", "--count", "2"], "survey"),
            (["survey", "tokens", id, "--count", "2"], "invitation"),
            (["export", "survey", id, "--format", "xls"], "xls"),
            (["export", "survey", id, "--format", "csv", "--language", "fr"], "--language must be zh or en"),
            (["export", "survey", "999", "--format", "json"], "survey"),
            (["export", "survey", id, "--format", "csv", "-o", fixture.temp.path("missing/out.csv")], "does not exist"),
        ] {
            let result = try CLI.run(arguments + ["--db", fixture.db])
            #expect(result.status != 0, "\(arguments)")
            #expect(result.error.contains(message), "\(arguments): \(result.error)")
            #expect(!result.error.contains("Fatal error"), "\(arguments)")
        }
    }

    @Test func exportsAreTheServersBytesAndStable() async throws {
        let fixture = try await Fixture(mode: .open)
        for seed in 1...20 {
            _ = try await fixture.answer(.browserToken("browser-\(seed)"), seed: UInt64(seed))
        }
        let csvFile = fixture.temp.path("survey.csv")
        let csv = try CLI.run(["export", "survey", String(fixture.survey.id), "--format", "csv", "-o", csvFile, "--db", fixture.db])
        #expect(csv.status == 0, "\(csv.error)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: csvFile))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let expected = try await fixture.database.surveys.surveyExport(id: fixture.survey.id, format: .csv, language: .zh)
        #expect(bytes == expected)
        let lines = String(decoding: bytes.dropFirst(3), as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count == 21)
        #expect(lines[0].hasPrefix("编号,提交日期,"))

        let json = try CLI.run(["export", "survey", String(fixture.survey.id), "--format", "json", "--db", fixture.db])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect((object["responses"] as? [Any])?.count == 20)
        let again = try CLI.run(["export", "survey", String(fixture.survey.id), "--format", "json", "--db", fixture.db])
        #expect(again.output == json.output, "the same data gives the same bytes")

        let english = try CLI.run(["export", "survey", String(fixture.survey.id), "--format", "csv", "--language", "en", "--db", fixture.db])
        #expect(english.output.dropFirst().hasPrefix("id,submitted_on,"))
    }
}
