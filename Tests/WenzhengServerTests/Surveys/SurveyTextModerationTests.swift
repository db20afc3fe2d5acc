import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Free-text answers are published only through the moderation queue, and
/// reach the queue only when the survey closes: while it is open, queue
/// times would tell the order in which people answered.
@Suite struct SurveyTextModerationTests {
    static func answers(_ suggestion: String) -> String {
        SurveyHTTPTests.validAnswers.replacingOccurrences(of: "希望延长周末服务时间", with: suggestion)
    }

    @Test func textAnswersWaitForTheCloseAndOnlyApprovedOnesArePublished() async throws {
        let (server, id) = try await SurveyHTTPTests.openSurvey()
        try await server.addStaff("mod", role: .moderator)
        let kept = "希望延长周末服务时间"
        let refused = "窗口人员态度太差，联系我 13812345678"
        try await server.test { client in
            for text in [kept, refused] {
                #expect(try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.answers(text)).status == .created)
            }
            let mod = try await client.logIn("mod")
            func queue() async throws -> [ItemBody] {
                let response = try await client.execute(uri: "/api/v1/moderation/items", method: .get, headers: mod.headers())
                return try JSONDecoder.iso.decode(ItemsBody.self, from: Data(buffer: response.body)).items
                    .filter { $0.kind == ContentKind.surveyAnswer.rawValue }
            }
            #expect(try await queue().isEmpty, "nothing reaches the queue while the survey is open")

            let admin = try await client.logIn("admin")
            func move(_ state: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/surveys/\(id)/state", method: .post, headers: admin.headers(csrf: true, json: true),
                    body: ByteBuffer(string: #"{"state": "\#(state)"}"#))
            }
            #expect(try await move("closed").status == .ok)
            let items = try await queue()
            // Moderators read the phone number masked, as with any text.
            #expect(Set(items.map(\.text)) == [kept, "窗口人员态度太差，联系我 138****5678"])

            // The moderator's card links to the survey, and to nothing that
            // would tell one answer from another.
            let console = try await client.execute(uri: "/moderation", method: .get, headers: mod.headers())
            #expect(console.text.contains(#"href="/surveys/\#(id)""#))

            for item in items {
                let action = item.text == kept ? "approve" : "reject"
                let body = action == "approve" ? #"{"action":"approve"}"# : #"{"action":"reject","reason":"off_topic"}"#
                let decided = try await client.execute(
                    uri: "/api/v1/moderation/items/\(item.id)/decision", method: .post, headers: mod.headers(csrf: true, json: true),
                    body: ByteBuffer(string: body))
                #expect(decided.status == .ok, "\(action): \(decided.text)")
            }
            #expect(try await move("results_published").status == .ok)
            let published = try await client.execute(uri: "/surveys/\(id)/results", method: .get)
            #expect(published.status == .ok)
            #expect(published.text.contains(kept))
            #expect(!published.text.contains("13812345678") && !published.text.contains("态度太差"))
            let results = try await server.database.surveys.surveyResults(id: id)
            #expect(results.publishedTexts.values.flatMap { $0 } == [kept])
        }
    }
}
