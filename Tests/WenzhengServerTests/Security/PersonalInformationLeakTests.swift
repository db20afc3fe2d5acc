import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import NIOCore
import NIOWebSocket
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore
import WenzhengTestFixtures

/// Issue 14: personal information that citizens type into letters,
/// questions, comments, survey answers and registrations never reaches the
/// public side:
/// not a page, not public JSON, not a viewer's WebSocket frame, not an
/// exported transcript.
@Suite("Issue 14: personal information never leaks")
struct SecurityPersonalInformationLeakTests {
    static let mobile = "13912345678"
    /// GB 11643's own example: a valid MOD 11-2 check character.
    static let residentID = "11010519491231002X"
    static let card = luhnComplete("622202020011223344")
    static let email = "leak.test@example.com"

    /// `prefix` with the Luhn check digit that makes it a valid card number.
    static func luhnComplete(_ prefix: String) -> String {
        var sum = 0
        for (index, character) in prefix.reversed().enumerated() {
            var digit = character.wholeNumberValue!
            if index % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return prefix + String((10 - sum % 10) % 10)
    }

    static func grouped(_ digits: String, _ sizes: [Int], _ separator: String) -> String {
        var rest = Substring(digits)
        var groups: [Substring] = []
        for size in sizes where !rest.isEmpty {
            groups.append(rest.prefix(size))
            rest = rest.dropFirst(size)
        }
        if !rest.isEmpty { groups.append(rest) }
        return groups.joined(separator: separator)
    }

    static let spacedMobile = grouped(mobile, [3, 4, 4], " ")
    static let dashedMobile = grouped(mobile, [3, 4, 4], "-")
    static let spacedCard = grouped(card, [4, 4, 4, 4], " ")

    /// What a citizen writes: every kind, raw and in the usual variants.
    static let text =
        "我的电话\(mobile)，也可打\(spacedMobile)或\(dashedMobile)，身份证\(residentID)，银行卡\(card)（\(spacedCard)），邮箱\(email)"

    /// None of these may appear anywhere public.
    static let forbidden: [String] = [
        mobile, spacedMobile, dashedMobile, residentID, residentID.lowercased(), card, spacedCard, email, "leak.test@",
    ]

    static func leaks(in text: String) -> [String] {
        forbidden.filter { text.contains($0) }
    }

    @Test("letters, questions, corrections, comments, survey answers and registrations: no page, JSON, frame or transcript export shows the raw values")
    func nothingPublicCarriesThem() async throws {
        #expect(Self.luhnComplete("7992739871") == "79927398713")  // the textbook Luhn example
        #expect(PersonalInformation.detect(in: Self.text).count >= 7, "the masker should find every planted item")
        let server = try await TestServer()
        try await server.addPublishingStaff()  // office (handler), leader (reviewer), mod (moderator)
        try await server.addStaff("host", role: .host)
        for (name, role) in [("li", Role.handler), ("qian", .reviewer), ("root", .admin)] {
            try await server.addStaff(name, role: role)
        }
        try await server.testLive { client in
            // A letter the writer allows to be published, answered and published.
            let letter = try await client.postJSON(
                "/api/v1/letters",
                #"{"type":"consultation","subject":"咨询\#(Self.mobile)","body":"\#(Self.text)","authorName":"欧阳娜娜","phone":"\#(Self.mobile)","email":"\#(Self.email)","mayPublish":true}"#
            )
            #expect(letter.status == .created, "\(letter.text)")
            let number = try JSONDecoder().decode(ReceiptBody.self, from: Data(buffer: letter.body)).number
            let office = try await server.staffMember("office", client: client)
            let leader = try await server.staffMember("leader", client: client)
            let moderator = try await server.staffMember("mod", client: client)
            let answered = try await server.reply(to: number, office: office, reviewer: leader, text: "已收到，将与您联系。")
            let item = try #require(answered.moderationItemId)
            _ = try await server.database.moderation.decideModeration(
                id: item, .approve(override: true), by: moderator, allowedReasons: [], at: server.clock.now())
            let letterID = try #require(try await server.database.mailbox.letterForQuery(number: number)).0.id

            // An interview: the question approved, put on air, answered and corrected.
            let host = InterviewDriver(client: client, staff: try await client.logIn("host"))
            let interview = try await host.create()
            #expect(try await host.status(interview, "open").status == .ok)
            let asked = try await client.postJSON(
                "/api/v1/interviews/\(interview)/questions",
                #"{"text":"\#(Self.text)","nickname":"欧阳娜娜","contact":"\#(Self.email)"}"#)
            #expect(asked.status == .created, "\(asked.text)")
            try await client.approvePending(as: "mod")
            let questions = try JSONDecoder.iso.decode(
                QuestionsBody.self,
                from: Data(buffer: try await client.execute(uri: "/api/v1/interviews/\(interview)/questions", method: .get).body))
            let questionID = try #require(questions.questions.first).id
            #expect(try await host.status(interview, "live").status == .ok)
            let onAir = try await host.json(.post, "/api/v1/interviews/\(interview)/questions/\(questionID)/on-air")
            #expect(onAir.status == .ok, "\(onAir.text)")
            let entryID = try JSONDecoder.iso.decode(EntryEventBody.self, from: Data(buffer: onAir.body)).entry!.id
            let answer = try await host.post(interview, "关于您的问题，答复如下。", kind: "remark", question: questionID)
            #expect(answer.status == .created || answer.status == .ok, "\(answer.text)")
            let corrected = try await host.json(
                .post, "/api/v1/interviews/\(interview)/entries/\(entryID)/corrections", #"{"body":"更正：\#(Self.text)"}"#)
            #expect(corrected.status == .ok, "\(corrected.text)")

            // A consultation comment, approved.
            let consultations = ConsultationHTTP(
                server: server, client: client, handler: try await client.logIn("li"), reviewer: try await client.logIn("qian"),
                admin: try await client.logIn("root"))
            let consultation = try await consultations.openConsultation()
            _ = try await consultations.publishedComment(consultation, target: nil, text: Self.text, nickname: "欧阳娜娜")

            // An open-day registration.
            let openDay = try OpenDay.scheduled(
                title: "司法行政开放日", programme: "参观", location: "南京市北京西路28号", start: OpenDayHTTP.start, durationMinutes: 150,
                capacity: 10, registrationOpens: nil, now: server.clock.now())
            let openDayID = try await server.database.events.scheduleOpenDay(
                openDay, actor: .commandLine(osUser: "test"), at: server.clock.now()
            ).id
            let registered = try await client.postJSON(
                "/api/v1/events/\(openDayID)/registrations",
                #"{"name":"欧阳娜娜","phone":"\#(Self.spacedMobile)","partySize":1,"email":"\#(Self.email)"}"#)
            #expect(registered.status == .created, "\(registered.text)")

            // A survey's free-text answer: queued at the close, approved,
            // published with the results. (The first survey: id 1, which the
            // route walk below uses for every survey route.)
            let root = try await client.logIn("root")
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            let definition = String(decoding: try encoder.encode(SurveyFixtures.legalAidSurvey()), as: UTF8.self)
            let survey = try await client.execute(
                uri: "/api/v1/surveys", method: .post, headers: root.headers(csrf: true, json: true), body: ByteBuffer(string: definition))
            #expect(survey.status == .created, "\(survey.text)")
            func moveSurvey(_ state: String) async throws {
                let moved = try await client.execute(
                    uri: "/api/v1/surveys/1/state", method: .post, headers: root.headers(csrf: true, json: true),
                    body: ByteBuffer(string: #"{"state": "\#(state)"}"#))
                #expect(moved.status == .ok, "\(state): \(moved.text)")
            }
            try await moveSurvey("open")
            let surveyAnswers: String = SurveyTextModerationTests.answers(Self.text)
            let surveyAnswer = try await client.postJSON("/api/v1/surveys/1/responses", surveyAnswers)
            #expect(surveyAnswer.status == .created, "\(surveyAnswer.text)")
            try await moveSurvey("closed")
            try await client.approvePending(as: "mod")
            try await moveSurvey("results_published")

            // A viewer's socket from the start, until the correction arrives.
            let frames = ReceivedFrames()
            _ = try await client.ws("/live/interviews/\(interview)?since=0") { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    await frames.append(text)
                    if text.contains(#""type":"correction""#) { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            let received = await frames.frames
            #expect(received.contains { $0.contains(#""type":"correction""#) }, "the viewer never got the correction")
            #expect(received.contains { $0.contains("139****5678") }, "the viewer should see the masked number")
            for frame in received {
                #expect(Self.leaks(in: frame).isEmpty, "viewer frame shows \(Self.leaks(in: frame)): \(frame.prefix(300))")
            }

            // Ended: the transcript exports exist. Then every GET route, anonymously.
            #expect(try await host.status(interview, "ended").status == .ok)
            var publicText = ""
            var exported = 0
            for route in SecurityAccessMatrixTests.getRoutes.keys.sorted() {
                let template = String(route.split(separator: " ", maxSplits: 1)[1])
                let id: Int64 =
                    switch SecurityAccessMatrixTests.getRoutes[route]! {
                    case .letter: letterID
                    case .interview: interview
                    case .openDay: openDayID
                    case .unknown, .fixed, .moderationItem: template.contains("consultations") ? consultation : 1
                    }
                let uri = template.replacing("{id}", with: String(id)).replacing(/\{[^}]+\}/, with: "1")
                for accept in ["text/html", "application/json"] {
                    let response = try await client.execute(uri: uri, method: .get, headers: [.accept: accept])
                    let leaked = Self.leaks(in: response.text)
                    #expect(leaked.isEmpty, "\(uri) (\(accept), \(response.status.code)) shows \(leaked)")
                    if response.status == .ok {
                        publicText += response.text
                        if uri.contains("/transcript.") { exported += 1 }
                    }
                }
            }
            #expect(exported == 8, "the four transcript downloads should all be served")
            // The texts were really published, masked: the scan looked at them.
            for uri in [
                "/letters/\(letterID)", "/interviews/\(interview)/transcript.md", "/consultations/\(consultation)", "/surveys/1/results",
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
            }
            #expect(publicText.contains("139****5678"))
            #expect(publicText.contains("更正"))
            let surveyResults = try await client.execute(uri: "/surveys/1/results", method: .get)
            #expect(surveyResults.text.contains("139****5678"), "the survey's published answer should be on its results page, masked")
        }
    }
}
