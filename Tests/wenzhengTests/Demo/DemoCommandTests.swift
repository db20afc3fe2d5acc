import Foundation
import Testing
import WenzhengCore
import WenzhengStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `wenzheng demo`, run as a separate process on a fresh database; what it
/// made is read back through the stores.
@Suite("wenzheng demo")
struct DemoCommandTests {
    static let mark = "【示例】"

    @Test("a fresh database gets interviews, letters, a survey, a consultation and an open day, all marked; a second run refuses")
    func fillsAndRefusesASecondRun() async throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        let result = try CLI.run(["demo", "--db", db, "--seed", "7"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("seed 7"))
        #expect(result.output.contains("http://127.0.0.1:8080/interviews/"))
        for username in ["demo-admin", "demo-moderator", "demo-host", "demo-handler", "demo-reviewer"] {
            #expect(result.output.contains(username))
        }
        #expect(result.output.contains("shown only this once"))

        let database = try AppDatabase.openFile(atPath: db)
        let now = Date()
        #expect(try await database.accounts.staffUsers().allSatisfy { $0.username.hasPrefix("demo-") })

        // Interviews: one ended with a transcript and a later answer (补录), one open for questions.
        let interviews = try await database.interviews.interviews(publicOnly: false)
        #expect(interviews.count >= 2)
        let ended = try #require(interviews.first { $0.status == .ended })
        let transcript = try await database.interviews.publishedTranscript(interviewID: ended.id)
        #expect(transcript.entries.count >= 6)
        #expect(transcript.deferredReplies.count == 1)
        #expect(interviews.contains { $0.status == .open && $0.scheduledStart > now })
        #expect(interviews.allSatisfy { $0.title.hasPrefix(Self.mark) && $0.summary.contains("本内容为演示数据") })

        // Letters: published through the workflow, one still being worked.
        let published = try await database.mailbox.publishedLetters()
        #expect(published.count >= 3)
        #expect(published.allSatisfy { $0.subject.hasPrefix(Self.mark) })
        let letters = try await database.mailbox.letters()
        #expect(letters.allSatisfy { $0.subject.hasPrefix(Self.mark) && $0.body.contains("本内容为演示数据") })
        #expect(letters.contains { $0.state == .assigned })

        // An open survey with responses, one with free text.
        let surveys = try await database.surveys.surveys(states: [.open])
        let survey = try #require(surveys.first)
        #expect(survey.title.hasPrefix(Self.mark) && survey.responseCount > 0)
        let responses = try await database.surveys.surveyResponses(id: survey.id)
        #expect(responses.contains { if case .text = $0.response.answers["suggestion"] { true } else { false } })

        // An open consultation with its draft split into articles, and published comments.
        let consultation = try #require(try await database.consultations.publicConsultations().first)
        #expect(consultation.title.hasPrefix(Self.mark) && consultation.state == .open)
        let view = try await database.consultations.consultation(id: consultation.id)
        #expect(view.draft.sections.count == 5)
        #expect(try await database.consultations.publishedComments(consultationID: consultation.id).count == 2)

        // An upcoming open day with registrations.
        let openDay = try #require(try await database.events.openDays(year: nil, at: now).first)
        #expect(openDay.openDay.title.hasPrefix(Self.mark))
        #expect(openDay.openDay.start > now && openDay.counts.registered.parties > 0)

        // Something left for the moderator to try.
        #expect(try await database.moderation.pendingModerationCounts().values.reduce(0, +) >= 1)

        // The audit log names the demo.
        #expect(try await database.audit.auditEntries().contains { $0.action == "demo.fill" })

        // A second run refuses, and says how to start fresh.
        let again = try CLI.run(["demo", "--db", db])
        #expect(again.status != 0)
        #expect(again.error.contains("is not empty") && again.error.contains("--db"), "\(again.error)")
        #expect(try await database.interviews.interviews(publicOnly: false).count == interviews.count)
    }

    @Test("the same seed makes the same demo; passwords are never the seed's")
    func seedIsReproducible() throws {
        let temp = try TemporaryDirectory()
        let first = try CLI.run(["demo", "--db", temp.path("a.sqlite"), "--seed", "42"])
        let second = try CLI.run(["demo", "--db", temp.path("b.sqlite"), "--seed", "42"])
        #expect(first.status == 0 && second.status == 0, "\(first.error)\(second.error)")
        #expect(first.output.components(separatedBy: "Staff accounts")[0] == second.output.components(separatedBy: "Staff accounts")[0])
        func password(_ output: String) -> String? {
            output.firstMatch(of: /demo-admin\s+admin\s+(\S+)/).map { String($0.1) }
        }
        #expect(password(first.output) != nil)
        #expect(password(first.output) != password(second.output))
    }

    @Test("--password-stdin sets one password for every demo account and prints none; a short one is refused")
    func passwordFromStandardInput() throws {
        let temp = try TemporaryDirectory()
        let short = try CLI.run(["demo", "--db", temp.path("short.sqlite"), "--password-stdin"], input: "short\n")
        #expect(short.status != 0)
        let result = try CLI.run(["demo", "--db", temp.path("db.sqlite"), "--password-stdin"], input: "demo-password-2026\n")
        #expect(result.status == 0, "\(result.error)")
        #expect(!result.output.contains("demo-password-2026"))
        #expect(result.output.contains("(the one from standard input)"))
    }

    @Test("--help shows an example")
    func help() throws {
        let help = try CLI.run(["demo", "--help"])
        #expect(help.output.contains("Examples:"))
        #expect(help.output.contains("wenzheng demo --db"))
        #expect(help.output.contains("--seed"))
    }

    @Test("the server's home page lists the demo's interview, survey, consultation and letters")
    func homePageShowsTheDemo() async throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        let result = try CLI.run(["demo", "--db", db, "--seed", "1"])
        #expect(result.status == 0, "\(result.error)")
        let server = try RunningServer(["serve", "--db", db, "--port", "0", "--web", CLI.webRoot, "--log-level", "notice"])
        defer { server.stop() }
        let (data, response) = try await URLSession.shared.data(from: URL(string: server.base)!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let page = String(decoding: data, as: UTF8.self)
        for title in ["人民调解与矛盾纠纷化解", "公共法律服务满意度调查", "江苏省法律援助服务规范", "离婚协议公证需要哪些材料"] {
            #expect(page.contains(Self.mark + title), "\(title)")
        }
    }
}
