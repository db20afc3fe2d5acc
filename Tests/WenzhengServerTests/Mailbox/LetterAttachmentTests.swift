import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
@testable import WenzhengServer
import WenzhengStore

/// Files on letters over HTTP: citizens attach them to a letter (API and
/// page), the office reads them and attaches reply documents, the citizen
/// downloads their own letter's files with the number and password.
@Suite("Letter attachments over HTTP")
struct LetterAttachmentTests {
    static let letterFields: [MultipartBody.Part] = [
        .field("subject", "申请公开法律援助经费使用情况"), .field("body", "请公开 2025 年度法律援助经费的使用情况。"),
        .field("authorName", "张三"), .field("phone", "13812345678"),
    ]

    struct Receipt: Decodable {
        var number: String
        var password: String?
    }

    struct Detail: Decodable {
        struct Attachment: Decodable {
            var id: Int64
            var role: String
            var kind: String
            var name: String
            var url: String
        }
        var attachments: [Attachment]
    }

    static func incoming(_ server: TestServer) -> [String] {
        let folder = server.directory.appendingPathComponent("attachments/incoming")
        return (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    }

    @Test("a letter with files: kinds by content, listed and downloaded by the office, refused to other departments")
    func submitAndRead() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            let response = try await client.postMultipart(
                "/api/v1/letters",
                [.field("type", "information_disclosure")] + Self.letterFields + [
                    .field("mayPublish", "true"), .file("attachments", filename: "../现场照片.PDF", MultipartBody.png),
                    .file("identityProof", filename: "身份证.jpg", MultipartBody.jpeg), .field("identityProofConsent", "true"),
                ])
            #expect(response.status == .created, "\(response.text)")
            let receipt = try JSONDecoder().decode(Receipt.self, from: Data(buffer: response.body))
            let letter = try #require(try await server.database.mailbox.letters().first { $0.number == receipt.number })

            let clerk = try await client.logIn("clerk")
            let detail = try await client.execute(uri: "/api/v1/office/letters/\(letter.id)", method: .get, headers: clerk.headers())
            let files = try JSONDecoder().decode(Detail.self, from: Data(buffer: detail.body)).attachments
            #expect(files.map(\.role) == ["letter", "identity_proof"])
            // The content decides the kind and the extension; the path is dropped.
            #expect(files.map(\.kind) == ["png", "jpeg"])
            #expect(files[0].name == "现场照片.png")

            let download = try await client.execute(uri: files[0].url, method: .get, headers: clerk.headers())
            #expect(download.status == .ok)
            #expect(Array(download.body.readableBytesView) == MultipartBody.png)
            #expect(download.headers[.contentType] == "image/png")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(download.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(download.headers[.contentSecurityPolicy]?.hasPrefix("sandbox") == true)
            // The page offers the same download.
            let page = try await client.execute(
                uri: "/office/letters/\(letter.id)/attachments/\(files[0].id)", method: .get, headers: clerk.headers())
            #expect(page.status == .ok)

            // A handler of another department may not read them; nobody anonymous may.
            let edu = try await client.logIn("edu")
            #expect(try await client.execute(uri: files[0].url, method: .get, headers: edu.headers()).status == .forbidden)
            #expect(try await client.execute(uri: files[0].url, method: .get).status == .unauthorized)
            // Attachments of another letter are not reachable through this one.
            let other = try await server.officeLetter()
            let crossed = try await client.execute(
                uri: "/api/v1/office/letters/\(other.id)/attachments/\(files[0].id)", method: .get, headers: clerk.headers())
            #expect(crossed.status == .notFound)
            #expect(Self.incoming(server).isEmpty)
        }
    }

    @Test("a file that only claims to be a PDF, too many files, a proof of identity on a complaint: 422, nothing stored")
    func refusedFiles() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let disguised = try await client.postMultipart(
                "/api/v1/letters",
                [.field("type", "complaint")] + Self.letterFields + [.file("attachments", filename: "合同.pdf", MultipartBody.htmlCalledPDF)])
            #expect(disguised.status == .unprocessableContent)
            let problem = try disguised.problem()
            #expect(problem.errors?.map(\.field) == ["attachments"])
            #expect(problem.errors?.map(\.code) == ["unsupported_type"])

            let six = (0..<6).map { MultipartBody.Part.file("attachments", filename: "\($0).png", MultipartBody.png) }
            let many = try await client.postMultipart("/api/v1/letters", [.field("type", "complaint")] + Self.letterFields + six)
            #expect(many.status == .unprocessableContent)

            let proof = try await client.postMultipart(
                "/api/v1/letters",
                [.field("type", "complaint")] + Self.letterFields + [.file("identityProof", filename: "id.png", MultipartBody.png)])
            #expect(proof.status == .unprocessableContent)
            #expect(try proof.problem().errors?.map(\.field) == ["identityProof"])

            #expect(try await server.database.mailbox.letters().isEmpty)
            #expect(Self.incoming(server).isEmpty)
            // No file was kept under its hash either.
            let kept = try FileManager.default.contentsOfDirectory(atPath: server.directory.appendingPathComponent("attachments").path)
            #expect(kept == ["incoming"])
        }
    }

    @Test("a file over 10 MB and a body over the upload limit are 413")
    func tooLarge() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let big = MultipartBody.pdf + Array(repeating: 0x20, count: AttachmentRules.maxFileBytes)
            let response = try await client.postMultipart(
                "/api/v1/letters", [.field("type", "complaint")] + Self.letterFields + [.file("attachments", filename: "big.pdf", big)])
            #expect(response.status == .contentTooLarge)
            #expect(Self.incoming(server).isEmpty)

            // Three files under 10 MB each, together over the upload limit:
            // cut off while the body streams in.
            let eight = MultipartBody.pdf + Array(repeating: 0x20, count: 8 * 1024 * 1024)
            let total = try await client.postMultipart(
                "/api/v1/letters",
                [.field("type", "complaint")] + Self.letterFields + (0..<3).map { .file("attachments", filename: "\($0).pdf", eight) })
            #expect(total.status == .contentTooLarge)
            #expect(Self.incoming(server).isEmpty)
        }
    }

    @Test("when the office requires it, a disclosure request without a proof of identity is refused, by API and by page")
    func identityProofRequired() async throws {
        let server = try await TestServer { $0.requireIdentityProof = true }
        try await server.test { client in
            let json = try await client.postJSON(
                "/api/v1/letters",
                #"{"type":"information_disclosure","subject":"申请公开","body":"请公开。","authorName":"张三","phone":"13812345678"}"#)
            #expect(json.status == .unprocessableContent)
            #expect(try json.problem().errors?.map(\.code) == ["required"])

            let page = try await client.postMultipart(
                "/letters", [.field("type", "information_disclosure")] + Self.letterFields, headers: [.accept: "text/html"])
            #expect(page.status == .unprocessableContent)
            #expect(page.text.contains("identity-proof-error"))

            let withProof = try await client.postMultipart(
                "/letters",
                [.field("type", "information_disclosure")] + Self.letterFields + [
                    .file("identityProof", filename: "身份证.png", MultipartBody.png), .field("identityProofConsent", "on"),
                ], headers: [.accept: "text/html"])
            #expect(withProof.status == .created)
            // A complaint needs none.
            let complaint = try await client.postMultipart("/letters", [.field("type", "complaint")] + Self.letterFields)
            #expect(complaint.status == .created)
        }
    }

    @Test("a proof of identity without separate consent (PIPL art. 29) is refused: 422 by API, a readable error on the page")
    func identityProofNeedsConsent() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let proof = [.field("type", "information_disclosure")] + Self.letterFields + [
                MultipartBody.Part.file("identityProof", filename: "身份证.png", MultipartBody.png)
            ]
            let api = try await client.postMultipart("/api/v1/letters", proof)
            #expect(api.status == .unprocessableContent)
            #expect(try api.problem().errors?.map(\.field) == ["identityProofConsent"])
            #expect(try api.problem().errors?.map(\.code) == ["consent_required"])

            let page = try await client.postMultipart("/letters", proof, headers: [.accept: "text/html"])
            #expect(page.status == .unprocessableContent)
            #expect(page.text.contains(#"data-testid="letter-identity-proof-consent-error">您上传了身份证明，请勾选同意处理身份证明"#))
            #expect(try await server.database.mailbox.letters().isEmpty)
            #expect(Self.incoming(server).isEmpty)

            let consented = try await client.postMultipart("/api/v1/letters", proof + [.field("identityProofConsent", "true")])
            #expect(consented.status == .created)
            // Without a proof of identity no consent is asked.
            let plain = try await client.postMultipart("/api/v1/letters", [.field("type", "information_disclosure")] + Self.letterFields)
            #expect(plain.status == .created)
        }
    }

    @Test("the page form: files with the letter; a refused file shows the form again and asks for the files again")
    func pageForm() async throws {
        let server = try await TestServer()
        try await server.test { client in
            let refused = try await client.postMultipart(
                "/letters", [.field("type", "complaint")] + Self.letterFields + [.file("attachments", filename: "a.pdf", MultipartBody.htmlCalledPDF)],
                headers: [.accept: "text/html"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"data-testid="letter-files-again""#))
            #expect(refused.text.contains("申请公开法律援助经费使用情况"), "what was typed comes back")

            let accepted = try await client.postMultipart(
                "/letters", [.field("type", "complaint")] + Self.letterFields + [.file("attachments", filename: "照片.png", MultipartBody.png)],
                headers: [.accept: "text/html"])
            #expect(accepted.status == .created)
            let letter = try #require(try await server.database.mailbox.letters().first)
            #expect(try await server.database.mailbox.letterAttachments(letterID: letter.id).count == 1)
        }
    }

    @Test("the citizen downloads their own files and the reply documents with the number and password")
    func citizenDownload() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        try await server.test { client in
            let response = try await client.postMultipart(
                "/api/v1/letters", [.field("type", "complaint")] + Self.letterFields + [.file("attachments", filename: "照片.png", MultipartBody.png)])
            let receipt = try JSONDecoder().decode(Receipt.self, from: Data(buffer: response.body))
            let password = try #require(receipt.password)
            let letter = try #require(try await server.database.mailbox.letters().first)
            let own = try #require(try await server.database.mailbox.letterAttachments(letterID: letter.id).first)

            let ok = try await client.postJSON(
                "/api/v1/letters/attachment", #"{"number":"\#(receipt.number)","password":"\#(password)","attachment":\#(own.id)}"#)
            #expect(ok.status == .ok)
            #expect(Array(ok.body.readableBytesView) == MultipartBody.png)
            let wrong = try await client.postJSON(
                "/api/v1/letters/attachment", #"{"number":"\#(receipt.number)","password":"WRONGPWD","attachment":\#(own.id)}"#)
            #expect(wrong.status == .unauthorized)
            let missing = try await client.postJSON(
                "/api/v1/letters/attachment", #"{"number":"\#(receipt.number)","password":"\#(password)","attachment":999}"#)
            #expect(missing.status == .notFound)
            let form = try await client.postForm(
                "/letters/attachment", "number=\(receipt.number)&password=\(password)&attachment=\(own.id)", headers: [.accept: "text/html"])
            #expect(form.status == .ok)
            #expect(form.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            // The letter page lists the file with its download form.
            let page = try await client.postForm("/letters/query", "number=\(receipt.number)&password=\(password)")
            #expect(page.text.contains(#"data-testid="letter-own-files""#))
        }
    }

    @Test("reply documents: uploaded with the CSRF token first, removed before the reply, refused after it")
    func replyDocuments() async throws {
        let server = try await TestServer()
        try await server.officeStaff()
        let letter = try await server.officeLetter()
        try await server.test { client in
            let clerk = try await client.logIn("clerk")
            _ = try await client.execute(uri: "/api/v1/office/letters/\(letter.id)/accept", method: .post, headers: clerk.headers(csrf: true))
            let city = try await server.database.accounts.departments().first { $0.name == "城建处" }!
            let assigned = try await client.postJSON(
                "/api/v1/office/letters/\(letter.id)/assign", #"{"lead":\#(city.id)}"#, headers: clerk.headers(csrf: true))
            #expect(assigned.status == .ok)

            let handler = try await client.logIn("city")
            // API: the token in the header.
            let added = try await client.postMultipart(
                "/api/v1/office/letters/\(letter.id)/attachments", [.file("document", filename: "告知书.pdf", MultipartBody.pdf)],
                headers: handler.headers(csrf: true))
            #expect(added.status == .created, "\(added.text)")
            // Page form: the token as the first field.
            let form = try await client.postMultipart(
                "/office/letters/\(letter.id)/attachments",
                [.field("_csrf", handler.csrfToken), .file("document", filename: "附件二.png", MultipartBody.png)], headers: handler.headers())
            #expect(form.status == .seeOther)
            // No token, or the token after the file: refused before the file is read.
            let noToken = try await client.postMultipart(
                "/office/letters/\(letter.id)/attachments", [.file("document", filename: "x.pdf", MultipartBody.pdf)], headers: handler.headers())
            #expect(noToken.status == .forbidden)
            let late = try await client.postMultipart(
                "/office/letters/\(letter.id)/attachments",
                [.file("document", filename: "x.pdf", MultipartBody.pdf), .field("_csrf", handler.csrfToken)], headers: handler.headers())
            #expect(late.status == .forbidden)
            // Another department's handler may not attach.
            let edu = try await client.logIn("edu")
            let foreign = try await client.postMultipart(
                "/api/v1/office/letters/\(letter.id)/attachments", [.file("document", filename: "x.pdf", MultipartBody.pdf)],
                headers: edu.headers(csrf: true))
            #expect(foreign.status == .forbidden)

            var files = try await server.database.mailbox.letterAttachments(letterID: letter.id)
            #expect(files.map(\.role) == [.reply, .reply])
            let removed = try await client.execute(
                uri: "/api/v1/office/letters/\(letter.id)/attachments/\(files[1].id)", method: .delete, headers: handler.headers(csrf: true))
            #expect(removed.status == .noContent)
            files = try await server.database.mailbox.letterAttachments(letterID: letter.id)
            #expect(files.count == 1)

            // Once the reply is sent, the documents are fixed.
            _ = try await client.postJSON(
                "/api/v1/office/letters/\(letter.id)/draft", #"{"body":"您好，已处理，详见附件。"}"#, headers: handler.headers(csrf: true))
            let leader = try await client.logIn("leader")
            let signed = try await client.postJSON(
                "/api/v1/office/letters/\(letter.id)/sign-off", #"{}"#, headers: leader.headers(csrf: true))
            #expect(signed.status == .ok, "\(signed.text)")
            let late2 = try await client.postMultipart(
                "/api/v1/office/letters/\(letter.id)/attachments", [.file("document", filename: "y.pdf", MultipartBody.pdf)],
                headers: handler.headers(csrf: true))
            #expect(late2.status == .conflict)
            #expect(Self.incoming(server).isEmpty)
        }
    }
}
