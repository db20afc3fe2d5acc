import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore
import WenzhengTestFixtures

/// Surveys over HTTP: the API's refusals (409 with the window, 422 naming
/// the field, duplicates in both modes), the pages without JavaScript, the
/// exports and the results' visibility.
@Suite struct SurveyHTTPTests {
    /// A server with an admin, and the legal-aid survey (or `definition`)
    /// created and opened by them through the API.
    static func openSurvey(
        _ definition: SurveyDefinition = SurveyFixtures.legalAidSurvey(), configure: (inout AppConfiguration) -> Void = { _ in }
    ) async throws -> (TestServer, Int64) {
        let server = try await TestServer(configure: configure)
        try await server.addStaff("admin", role: .admin)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let body = String(decoding: try encoder.encode(definition), as: UTF8.self)
        let id = try await server.prepare { client in
            let admin = try await client.logIn("admin")
            let created = try await client.execute(
                uri: "/api/v1/surveys", method: .post, headers: admin.headers(csrf: true, json: true), body: ByteBuffer(string: body))
            #expect(created.status == .created)
            struct Created: Decodable { var id: Int64 }
            let id = try JSONDecoder().decode(Created.self, from: Data(buffer: created.body)).id
            let opened = try await client.execute(
                uri: "/api/v1/surveys/\(id)/state", method: .post, headers: admin.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"state": "open"}"#))
            #expect(opened.status == .ok)
            return id
        }
        return (server, id)
    }

    static let validAnswers = #"""
        {"answers": {"used": {"choice": "yes"}, "channels": {"choices": ["web", "wechat"]}, "satisfaction": {"rating": 4},
         "aspects": {"matrix": {"staff": "good", "process": "fair", "info": "good"}}, "suggestion": {"text": "希望延长周末服务时间"}}}
        """#

    struct Receipt: Decodable {
        var submittedOn: String
        var responseId: String?
    }

    struct WindowProblem: Decodable {
        var type: String
        var status: Int
        var window: Window

        struct Window: Decodable {
            var opensAt: String
            var closesAt: String
        }
    }

    @Test func answeringTwiceFromOneBrowserIsRefusedWithAFriendlyConflict() async throws {
        let (server, id) = try await Self.openSurvey()
        try await server.test { client in
            let first = try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.validAnswers)
            #expect(first.status == .created)
            let receipt = try JSONDecoder().decode(Receipt.self, from: Data(buffer: first.body))
            #expect(receipt.submittedOn == "2026-11-18")
            #expect(receipt.responseId == nil, "an anonymous survey gives no response id")
            let cookie = try #require(first.headers[.setCookie]).split(separator: ";")[0]

            let again = try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.validAnswers, headers: [.cookie: String(cookie)])
            #expect(again.status == .conflict)
            let problem = try again.problem()
            #expect(problem.type.hasSuffix("already-answered"))
            #expect(problem.detail?.contains("thank you") == true)

            // Another browser (no cookie) is another person.
            let other = try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.validAnswers)
            #expect(other.status == .created)
        }
        #expect(try await server.database.surveys.survey(id: id).responseCount == 2)
    }

    @Test func answersOutsideTheWindowGet409WithTheWindow() async throws {
        let (server, id) = try await Self.openSurvey()
        server.clock.set(SurveyFixtures.closesAt.addingTimeInterval(1))
        try await server.test { client in
            let late = try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.validAnswers)
            #expect(late.status == .conflict)
            let problem = try JSONDecoder().decode(WindowProblem.self, from: Data(buffer: late.body))
            #expect(problem.type.hasSuffix("outside-window"))
            #expect(problem.window.opensAt == "2026-10-31T16:00:00Z")
            #expect(problem.window.closesAt == "2026-11-30T16:00:00Z")

            // The page says so and offers no form.
            let page = try await client.execute(uri: "/surveys/\(id)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("data-testid=\"survey-unavailable\""))
            #expect(!page.text.contains("data-testid=\"survey-form\""))
        }
        server.clock.set(SurveyFixtures.opensAt.addingTimeInterval(-60))
        try await server.test { client in
            let early = try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.validAnswers)
            #expect(early.status == .conflict)
            #expect(try early.problem().type.hasSuffix("outside-window"))
        }
        #expect(try await server.database.surveys.survey(id: id).responseCount == 0)
    }

    @Test func unknownOptionsQuestionsAndChoiceCountsAre422NamingTheField() async throws {
        let (server, id) = try await Self.openSurvey()
        try await server.test { client in
            let cases: [(body: String, field: String, code: String)] = [
                (#"{"answers": {"used": {"choice": "maybe"}, "aspects": {"matrix": {"staff": "good", "process": "fair", "info": "good"}}}}"#,
                 "q_used", "unknown_option"),
                (#"{"answers": {"used": {"choice": "no"}, "colour": {"text": "red"}, "aspects": {"matrix": {"staff": "good", "process": "fair", "info": "good"}}}}"#,
                 "q_colour", "unknown_question"),
                (#"{"answers": {"used": {"choice": "yes"}, "channels": {"choices": ["tv", "web", "wechat", "friend"]}, "satisfaction": {"rating": 3}, "aspects": {"matrix": {"staff": "good", "process": "fair", "info": "good"}}}}"#,
                 "q_channels", "too_many_choices"),
                (#"{"answers": {"used": {"choice": "yes"}, "channels": {"choices": []}, "satisfaction": {"rating": 3}, "aspects": {"matrix": {"staff": "good", "process": "fair", "info": "good"}}}}"#,
                 "q_channels", "required"),
                (#"{"answers": {"used": {"choice": "no"}}}"#, "q_aspects", "required"),
                (#"{"answers": {"used": {"choice": "no"}, "aspects": {"matrix": {"staff": "good", "process": "fair"}}}}"#, "q_aspects.info", "required"),
            ]
            for (body, field, code) in cases {
                let response = try await client.postJSON("/api/v1/surveys/\(id)/responses", body)
                #expect(response.status == .unprocessableContent, "\(body)")
                let errors = try response.problem().errors ?? []
                #expect(errors.contains { $0.field == field && $0.code == code }, "\(field) \(code) in \(errors)")
            }
            // Valid JSON in the wrong shape names the field by its JSON path.
            let misshapen = try await client.postJSON("/api/v1/surveys/\(id)/responses", #"{"answers": {"used": {"colour": 1}}}"#)
            #expect(misshapen.status == .unprocessableContent)
            #expect(try misshapen.problem().errors?.map(\.field) == ["answers.used"])
            let malformed = try await client.postJSON("/api/v1/surveys/\(id)/responses", #"{"answers": {"used": "#)
            #expect(malformed.status == .badRequest)
        }
        #expect(try await server.database.surveys.survey(id: id).responseCount == 0)
    }

    @Test func theFormWorksWithoutJavaScriptAndShowsErrorsBesideTheQuestions() async throws {
        let (server, id) = try await Self.openSurvey()
        try await server.test { client in
            let page = try await client.execute(uri: "/surveys/\(id)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("name=\"q_used\""))
            #expect(page.text.contains("name=\"q_aspects.staff\""))
            #expect(page.text.contains("name=\"q_priorities.1\""))

            // Too many channels and a missing matrix row: 422, the page again
            // with the choices kept and each message under its question.
            let refused = try await client.postForm(
                "/surveys/\(id)", "q_used=yes&q_channels=tv&q_channels=web&q_channels=wechat&q_channels=friend&q_satisfaction=2")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(refused.text.contains("data-testid=\"form-errors\""))
            #expect(refused.text.contains("第 2 题"))
            #expect(refused.text.contains("value=\"wechat\" id=\"q-channels-wechat\" checked"))
            #expect(refused.text.contains("value=\"2\" id=\"q-satisfaction-2\" checked"))

            // Answered properly: 201 and the thanks page.
            let form =
                "q_used=yes&q_channels=web&q_satisfaction=5&q_priorities.1=quality&q_priorities.2=speed&q_priorities.3=access"
                + "&q_priorities.4=cost&q_aspects.staff=good&q_aspects.process=good&q_aspects.info=fair&q_suggestion=%E5%BE%88%E5%A5%BD"
            let answered = try await client.postForm("/surveys/\(id)", form)
            #expect(answered.status == .created)
            #expect(answered.text.contains("data-testid=\"survey-thanks\""))
            let cookie = try #require(answered.headers[.setCookie]).split(separator: ";")[0]

            // The same browser again: the form's page with the friendly 409.
            let again = try await client.postForm("/surveys/\(id)", form, headers: [.cookie: String(cookie)])
            #expect(again.status == .conflict)
            #expect(again.text.contains("data-testid=\"form-errors\""))
        }
        let results = try await server.database.surveys.surveyResults(id: id)
        #expect(results.survey.responseCount == 1)
        let priorities = try #require(results.results.questions.first { $0.key == "priorities" })
        #expect(priorities.ranking.first { $0.value == "quality" }?.positions.first == 1)
    }

    @Test func invitationModeTakesEachTokenOnce() async throws {
        var definition = SurveyFixtures.legalAidSurvey()
        definition.mode = .invitation
        let (server, id) = try await Self.openSurvey(definition)
        try await server.test { client in
            let admin = try await client.logIn("admin")
            let made = try await client.execute(
                uri: "/api/v1/surveys/\(id)/invitations", method: .post, headers: admin.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"count": 3}"#))
            #expect(made.status == .created)
            #expect(made.headers[.cacheControl] == "no-store")
            struct Tokens: Decodable {
                var tokens: [String]
                var total: Int
            }
            let tokens = try JSONDecoder().decode(Tokens.self, from: Data(buffer: made.body))
            #expect(tokens.tokens.count == 3 && tokens.total == 3)

            func answer(_ invitation: String?) async throws -> TestResponse {
                var object = try JSONSerialization.jsonObject(with: Data(Self.validAnswers.utf8)) as! [String: Any]
                if let invitation { object["invitation"] = invitation }
                let body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
                return try await client.postJSON("/api/v1/surveys/\(id)/responses", body)
            }
            #expect(try await answer(nil).status == .unprocessableContent)
            let unknown = try await answer("0000-0000-0000-0000")
            #expect(unknown.status == .forbidden)
            #expect(try unknown.problem().type == "urn:wenzheng:problem:invitation-not-recognised")
            // Typed in lower case with spaces, O for 0: still the same token.
            let typed = tokens.tokens[0].lowercased().replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "0", with: "o")
            #expect(try await answer(typed).status == .created)
            let reused = try await answer(tokens.tokens[0])
            #expect(reused.status == .conflict)
            #expect(try reused.problem().type.hasSuffix("already-answered"))
            #expect(try await answer(tokens.tokens[1]).status == .created)

            let tooMany = try await client.execute(
                uri: "/api/v1/surveys/\(id)/invitations", method: .post, headers: admin.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"count": 10001}"#))
            #expect(tooMany.status == .unprocessableContent)
        }
        let survey = try await server.database.surveys.survey(id: id)
        #expect(survey.responseCount == 2 && survey.invitationsUsed == 2)
    }

    @Test func theAddressLimitStopsStuffingFromManyBrowsers() async throws {
        let (server, id) = try await Self.openSurvey { $0.surveyAnswerLimit = RateLimitPolicy(limit: 3, window: 600) }
        try await server.test { client in
            for _ in 0..<3 {
                #expect(try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.validAnswers).status == .created)
            }
            let fourth = try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.validAnswers)
            #expect(fourth.status == .tooManyRequests)
            #expect(fourth.headers[.retryAfter] != nil)
        }
        #expect(try await server.database.surveys.survey(id: id).responseCount == 3)
    }

    @Test func resultsAreForOrganisersUntilPublished() async throws {
        let (server, id) = try await Self.openSurvey()
        try await server.test { client in
            #expect(try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.validAnswers).status == .created)
            #expect(try await client.execute(uri: "/api/v1/surveys/\(id)/results", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/surveys/\(id)/results", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/surveys/\(id)/charts/used.svg", method: .get).status == .notFound)

            let admin = try await client.logIn("admin")
            let staffResults = try await client.execute(uri: "/staff/surveys/\(id)/results", method: .get, headers: admin.headers())
            #expect(staffResults.status == .ok)
            #expect(staffResults.text.contains("data-testid=\"survey-chart\""))
            // Open: the organisers' page refreshes itself, and its charts'
            // addresses change with the count.
            #expect(staffResults.text.contains("data-live-results") && staffResults.text.contains("/static/js/survey-results.js"))
            #expect(staffResults.text.contains("/staff/surveys/\(id)/charts/used?n=1"))

            for state in ["closed", "results_published"] {
                let moved = try await client.execute(
                    uri: "/api/v1/surveys/\(id)/state", method: .post, headers: admin.headers(csrf: true, json: true),
                    body: ByteBuffer(string: #"{"state": "\#(state)"}"#))
                #expect(moved.status == .ok, "\(state)")
            }
            let reopened = try await client.execute(
                uri: "/api/v1/surveys/\(id)/state", method: .post, headers: admin.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"state": "open"}"#))
            #expect(reopened.status == .conflict)

            let published = try await client.execute(uri: "/surveys/\(id)/results", method: .get)
            #expect(published.status == .ok)
            #expect(!published.text.contains("data-live-results"))
            let finalStaff = try await client.execute(uri: "/staff/surveys/\(id)/results", method: .get, headers: admin.headers())
            #expect(!finalStaff.text.contains("data-live-results"), "a closed survey's figures are final")
            #expect(published.text.contains("/surveys/\(id)/charts/used"))
            let chart = try await client.execute(uri: "/surveys/\(id)/charts/used.svg", method: .get)
            #expect(chart.status == .ok)
            #expect(chart.headers[.contentType] == "image/svg+xml; charset=utf-8")
            #expect(chart.text.hasPrefix("<svg") || chart.text.hasPrefix("<?xml"))
            let json = try await client.execute(uri: "/api/v1/surveys/\(id)/results", method: .get)
            #expect(json.status == .ok)
        }
    }

    @Test func theCSVExportHasTheBOMAndOneColumnPerAnswerPart() async throws {
        let (server, id) = try await Self.openSurvey()
        try await server.test { client in
            let hostile = #"{"answers": {"used": {"choice": "no"}, "aspects": {"matrix": {"staff": "good", "process": "fair", "info": "poor"}}, "suggestion": {"text": "=HYPERLINK(\"http://x\")"}}}"#
            #expect(try await client.postJSON("/api/v1/surveys/\(id)/responses", hostile).status == .created)
            let admin = try await client.logIn("admin")
            let csv = try await client.execute(uri: "/staff/surveys/\(id)/export?format=csv", method: .get, headers: admin.headers())
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"survey-\(id).csv\"")
            let bytes = Array(csv.body.readableBytesView)
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            let header = try #require(text.split(separator: "\r\n").first)
            for column in ["used", "channels", "aspects.staff", "aspects.info", "priorities", "suggestion"] {
                #expect(header.contains(column), "\(column) in \(header)")
            }
            #expect(text.contains("'=HYPERLINK"))
            #expect(!text.contains(",=HYPERLINK"))

            let json = try await client.execute(uri: "/api/v1/surveys/\(id)/export?format=json", method: .get, headers: admin.headers())
            #expect(json.status == .ok)
            #expect(try JSONSerialization.jsonObject(with: Data(buffer: json.body)) is [String: Any])
            let bad = try await client.execute(uri: "/api/v1/surveys/\(id)/export?format=xls", method: .get, headers: admin.headers())
            #expect(bad.status == .unprocessableContent)

            // Citizens cannot export.
            #expect(try await client.execute(uri: "/staff/surveys/\(id)/export?format=csv", method: .get).status != .ok)
            #expect(try await client.execute(uri: "/api/v1/surveys/\(id)/export", method: .get).status == .unauthorized)
        }
    }

    @Test func draftsAreInvisibleToThePublicAndTheBuilderWorksWithoutJavaScript() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.addStaff("clerk", role: .handler)
        try await server.test { client in
            let clerk = try await client.logIn("clerk")
            #expect(try await client.execute(uri: "/staff/surveys", method: .get, headers: clerk.headers()).status == .forbidden)

            let host = try await client.logIn("host")
            func form(_ uri: String, _ body: String) async throws -> TestResponse {
                try await client.postForm(uri, body + "&_csrf=\(host.csrfToken)", headers: host.headers())
            }
            let created = try await form("/staff/surveys", "title=%E5%85%AC%E5%85%B1%E6%B3%95%E5%BE%8B%E6%9C%8D%E5%8A%A1%E8%B0%83%E6%9F%A5")
            #expect(created.status == .seeOther)
            let location = try #require(created.headers[.location])
            let id = try #require(Int64(location.split(separator: "/").last!))
            #expect(try await client.execute(uri: "/surveys/\(id)", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/surveys/\(id)", method: .get).status == .notFound)
            // The forms stop where the rules would refuse.
            let builder = try await client.execute(uri: "/staff/surveys/\(id)", method: .get, headers: host.headers()).text
            #expect(builder.contains(#"name="title" required maxlength="\#(SurveyRules.titleMaxLength)""#))
            #expect(builder.contains(#"maxlength="\#(SurveyRules.introductionMaxLength)""#))
            #expect(builder.contains(#"name="prompt" rows="2" required maxlength="\#(SurveyRules.promptMaxLength)""#))

            // A question with a duplicate option: the builder again, naming it.
            let duplicate = try await form(
                "/staff/surveys/\(id)/questions", "type=single_choice&prompt=%E6%98%AF%E5%90%A6&options=a%7C%E6%98%AF%0Aa%7C%E5%90%A6")
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.text.contains("第 1 题"))
            let added = try await form(
                "/staff/surveys/\(id)/questions", "type=single_choice&prompt=%E6%98%AF%E5%90%A6&required=on&options=%E6%98%AF%0A%E5%90%A6")
            #expect(added.status == .seeOther)
            let rating = try await form(
                "/staff/surveys/\(id)/questions", "type=rating&prompt=%E8%AF%84%E5%88%86&ratingMin=1&ratingMax=5&conditionKey=q1&conditionValue=o1")
            #expect(rating.status == .seeOther)
            let badWindow = try await form(
                "/staff/surveys/\(id)/settings", "title=T&opensAt=2026-12-10T09:00&closesAt=2026-12-01T09:00&mode=open&anonymous=on")
            #expect(badWindow.status == .unprocessableContent)
            #expect(badWindow.text.contains("须晚于开始时间"))
            let settings = try await form(
                "/staff/surveys/\(id)/settings", "title=T&opensAt=2026-11-18T09:00&closesAt=2026-12-01T09:00&mode=open&anonymous=on")
            #expect(settings.status == .seeOther)
            let opened = try await form("/staff/surveys/\(id)/state", "state=open")
            #expect(opened.status == .seeOther)

            let survey = try await server.database.surveys.survey(id: id)
            #expect(survey.state == .open)
            #expect(survey.definition.questions.map(\.key) == ["q1", "q2"])
            #expect(survey.definition.questions[1].condition == QuestionCondition(questionKey: "q1", value: "o1"))
            let page = try await client.execute(uri: "/surveys/\(id)", method: .get)
            #expect(page.text.contains("data-condition-field=\"q_q1\""))
            #expect(page.text.contains("仅当第 1 题选择“是”时回答"))
        }
    }
}
