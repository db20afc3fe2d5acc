import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Drafts as the department publishes them for comment.
enum ConsultationDrafts {
    /// Markdown: a title heading, chapters as `##`, articles as `###` with
    /// their own titles or as bold labels.
    static let mediation = """
        # 江苏省人民调解条例（修订草案征求意见稿）

        ## 第一章 总则

        ### 第一条 立法目的
        为了完善人民调解制度，规范人民调解活动，及时化解民间纠纷，维护社会和谐稳定，根据《中华人民共和国人民调解法》等法律、行政法规，结合本省实际，制定本条例。

        ### 第二条 适用范围
        本省行政区域内的人民调解活动及其指导、保障，适用本条例。

        ## 第二章 人民调解委员会

        **第三条** 村民委员会、居民委员会应当依法设立人民调解委员会。
        乡镇、街道以及社会团体或者其他组织根据需要，可以设立人民调解委员会。

        **第四条** 人民调解委员会由委员三至九人组成，设主任一人，必要时可以设副主任若干人。

        ## 第三章 附则

        ### 第五条 施行日期
        本条例自　　年　　月　　日起施行。
        """

    /// A 实施意见 numbered 一、二、 with no article at all.
    static let opinionWithoutArticles = """
        关于加快推进公共法律服务体系建设的实施意见（征求意见稿）

        一、总体要求
        坚持以人民为中心，推进公共法律服务均衡发展，到2027年基本建成覆盖城乡的公共法律服务体系。

        二、主要任务
        （一）推进公共法律服务实体平台建设。
        （二）加强公共法律服务热线平台建设。
        """
}

/// The window of a consultation open at `testStart` (2026-11-18).
enum ConsultationWindow {
    static let opensAt = "2026-11-17T00:00:00Z"
    static let closesAt = "2026-12-17T00:00:00Z"
}

/// A test server with the staff who run consultations, signed in: `li` (a
/// handler who prepares), `qian` (a reviewer who opens, closes and
/// publishes), `root` (an admin) and `mod` (a moderator).
struct ConsultationHTTP {
    let server: TestServer
    let client: any TestClientProtocol
    let handler: StaffCredentials
    let reviewer: StaffCredentials
    let admin: StaffCredentials

    static func run(_ body: @Sendable (ConsultationHTTP) async throws -> Void) async throws {
        let server = try await TestServer()
        for (name, role) in [("li", Role.handler), ("qian", .reviewer), ("root", .admin), ("mod", .moderator)] {
            try await server.addStaff(name, role: role)
        }
        try await server.test { client in
            let http = ConsultationHTTP(
                server: server, client: client, handler: try await client.logIn("li"), reviewer: try await client.logIn("qian"),
                admin: try await client.logIn("root"))
            try await body(http)
        }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, _ json: String? = nil, as staff: StaffCredentials? = nil) async throws
        -> TestResponse
    {
        var headers = staff?.headers(csrf: true, json: json != nil) ?? [:]
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// A JSON string literal, escaped.
    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    /// Imports a draft through the API; the created consultation's JSON.
    func importDraft(_ text: String, extra: String = "") async throws -> [String: Any] {
        let response = try await send(.post, "/api/v1/consultations", #"{"draft":\#(Self.quoted(text))\#(extra)}"#, as: handler)
        #expect(response.status == .created, "\(response.text)")
        return try response.json()
    }

    /// Imported, confirmed and opened, with a window around `testStart`;
    /// its id.
    func openConsultation(_ text: String = ConsultationDrafts.mediation) async throws -> Int64 {
        let created = try await importDraft(
            text,
            extra: #","draftingExplanation":"为完善人民调解制度，修订本条例。","opensAt":"\#(ConsultationWindow.opensAt)","closesAt":"\#(ConsultationWindow.closesAt)""#)
        let id = try #require(created["id"] as? Int).int64
        #expect(try await send(.post, "/api/v1/consultations/\(id)/split/confirm", as: handler).status == .ok)
        let opened = try await send(.post, "/api/v1/consultations/\(id)/open", as: reviewer)
        #expect(opened.status == .ok, "\(opened.text)")
        return id
    }

    func comment(_ id: Int64, target: String?, text: String, nickname: String? = nil) async throws -> TestResponse {
        var fields = [#""text":\#(Self.quoted(text))"#]
        if let target { fields.append(#""target":\#(Self.quoted(target))"#) }
        if let nickname { fields.append(#""nickname":\#(Self.quoted(nickname))"#) }
        return try await send(.post, "/api/v1/consultations/\(id)/comments", "{\(fields.joined(separator: ","))}")
    }

    /// Comments and has the moderator approve everything pending; the
    /// comment's id.
    func publishedComment(_ id: Int64, target: String?, text: String, nickname: String? = nil) async throws -> Int64 {
        let response = try await comment(id, target: target, text: text, nickname: nickname)
        #expect(response.status == .created, "\(response.text)")
        try await client.approvePending(as: "mod")
        return try #require(try response.json()["id"] as? Int).int64
    }

    func publicConsultation(_ id: Int64) async throws -> [String: Any] {
        let response = try await send(.get, "/api/v1/consultations/\(id)")
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()
    }

    func page(_ uri: String, as staff: StaffCredentials? = nil) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: staff?.headers() ?? [:])
    }

    /// A plain HTML form post (the mailbox's encoding, which escapes
    /// Chinese too), as a browser without JavaScript sends it.
    func form(_ uri: String, _ fields: [(String, String)], as staff: StaffCredentials? = nil) async throws -> TestResponse {
        try await client.postForm(uri, CitizenMailbox.form(fields), headers: staff?.headers(csrf: true) ?? [:])
    }
}

extension TestResponse {
    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }
}

extension Int {
    var int64: Int64 { Int64(self) }
}
