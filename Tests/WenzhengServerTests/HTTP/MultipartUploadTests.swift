import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing
import WenzhengCore
@testable import WenzhengServer
@testable import WenzhengStore

@Suite("Multipart uploads")
struct MultipartUploadTests {
    static let boundary = MultipartBody.boundary
    static let png = MultipartBody.png
    typealias Part = MultipartBody.Part

    static func body(_ parts: [Part], close: Bool = true) -> [UInt8] { MultipartBody.encode(parts, close: close) }

    /// A request whose body arrives in chunks of `chunk` bytes.
    static func request(_ bytes: [UInt8], chunk: Int = 97, contentType: String? = nil) -> Request {
        let chunks = stride(from: 0, to: bytes.count, by: chunk).map { ByteBuffer(bytes: bytes[$0..<min($0 + chunk, bytes.count)]) }
        let head = HTTPRequest(
            method: .post, scheme: "http", authority: "localhost", path: "/letters",
            headerFields: [.contentType: contentType ?? "multipart/form-data; boundary=\(boundary)"])
        let stream = AsyncStream<ByteBuffer> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        return Request(head: head, body: RequestBody(asyncSequence: stream))
    }

    static func withStore<T>(_ body: (AttachmentFiles) async throws -> T) async throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        return try await body(try AttachmentFiles(root: root))
    }

    static func incomingCount(_ store: AttachmentFiles) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: store.incoming.path).count) ?? -1
    }

    @Test("fields and files arrive across chunk boundaries; files are hashed and sniffed on the way to disk")
    func fieldsAndFiles() async throws {
        try await Self.withStore { store in
            let body = Self.body([
                .field("subject", "路灯\r\n不亮"), .file("attachments", filename: "照片 \"1\".png", Self.png),
                .file("attachments", filename: "", []), .file("identityProof", filename: "x.pdf", Array("<html>".utf8)),
            ])
            for chunk in [1, 7, 97, 4096] {
                let upload = try await MultipartUpload.read(Self.request(body, chunk: chunk), into: store)
                #expect(upload.field("subject") == "路灯\r\n不亮")
                #expect(upload.files.count == 2, "an empty file input is skipped")
                let photo = upload.files[0]
                #expect(photo.field == "attachments")
                #expect(photo.filename == "照片 \"1\".png")
                #expect(photo.kind == .png)
                #expect(photo.byteCount == Self.png.count)
                #expect(photo.sha256 == SHA256.hash(data: Self.png).map { String(format: "%02x", $0) }.joined())
                #expect(try Data(contentsOf: photo.url) == Data(Self.png))
                #expect(upload.files[1].kind == nil, "HTML named .pdf is not a PDF")
                upload.discard()
            }
            #expect(Self.incomingCount(store) == 0)
        }
    }

    @Test("a file over the limit is refused with 413 and nothing is left behind")
    func tooLarge() async throws {
        try await Self.withStore { store in
            var limits = MultipartUpload.Limits()
            limits.maxFileBytes = 1000
            let request = Self.request(Self.body([.field("a", "b"), .file("attachments", filename: "a.png", Self.png)]))
            let error = await #expect(throws: Problem.self) { _ = try await MultipartUpload.read(request, into: store, limits: limits) }
            #expect(error?.statusCode == 413)
            #expect(Self.incomingCount(store) == 0)
        }
    }

    @Test("too many files, a truncated body, a part without a name and a missing boundary are refused")
    func malformed() async throws {
        try await Self.withStore { store in
            var limits = MultipartUpload.Limits()
            limits.maxFiles = 2
            let many = Self.request(Self.body((0..<3).map { .file("attachments", filename: "\($0).png", Self.png) }))
            let tooMany = await #expect(throws: Problem.self) { _ = try await MultipartUpload.read(many, into: store, limits: limits) }
            #expect(tooMany?.statusCode == 422)

            let cut = Array(Self.body([.file("attachments", filename: "a.png", Self.png)], close: false).dropLast(40))
            let truncated = await #expect(throws: Problem.self) { _ = try await MultipartUpload.read(Self.request(cut), into: store) }
            #expect(truncated?.statusCode == 400)

            let nameless = Array("--\(Self.boundary)\r\nContent-Disposition: form-data\r\n\r\nx\r\n--\(Self.boundary)--\r\n".utf8)
            let noName = await #expect(throws: Problem.self) { _ = try await MultipartUpload.read(Self.request(nameless), into: store) }
            #expect(noName?.statusCode == 400)

            let noBoundary = await #expect(throws: Problem.self) {
                _ = try await MultipartUpload.read(Self.request([], contentType: "multipart/form-data"), into: store)
            }
            #expect(noBoundary?.statusCode == 415)
            #expect(Self.incomingCount(store) == 0)
        }
    }

    @Test("header parameters are read scalar by scalar, quotes and escapes included")
    func headerParameters() {
        let parameters = HeaderParameters(#"form-data; name="a;b"; filename="x\"\#u{0301}y.pdf"; BOUNDARY=zz"#)
        #expect(parameters.value == "form-data")
        #expect(parameters["name"] == "a;b")
        // In a constant: swift-testing's #expect re-quotes a string literal
        // per Character and breaks on a quote followed by a combining mark.
        let filename = "x\"\u{0301}y.pdf"
        #expect(parameters["filename"] == filename)
        #expect(parameters["boundary"] == "zz")
        #expect(MultipartUpload.boundary("multipart/form-data; boundary=\"abc\"") == "abc")
        #expect(MultipartUpload.boundary("multipart/mixed; boundary=abc") == nil)
    }

    @Test("downloads: the stored kind's type, attachment disposition with the real name, nosniff and a sandbox")
    func download() async throws {
        try await Self.withStore { store in
            let upload = try store.newIncomingFile()
            try Data(Self.png).write(to: upload)
            let hash = SHA256.hash(data: Self.png).map { String(format: "%02x", $0) }.joined()
            try store.keep(upload, hash: hash)
            let view = LetterAttachmentView(
                id: 1, letterId: 1, role: .letter, kind: .png, byteCount: Self.png.count, displayName: "照片 \"1\".png", addedBy: nil,
                addedAt: Date(), sha256: hash)
            let response = try LetterAttachments(files: store, requireIdentityProof: false).download(view)
            #expect(response.headers[.contentType] == "image/png")
            let disposition = "attachment; filename=\"attachment.png\"; filename*=UTF-8" + "''" + "%E7%85%A7%E7%89%87%20%221%22.png"
            #expect(response.headers[.contentDisposition] == disposition)
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let sandbox = "sandbox; default-src " + "'none'"
            #expect(response.headers[.contentSecurityPolicy] == sandbox)
        }
    }
}
