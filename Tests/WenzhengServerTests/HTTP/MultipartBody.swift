import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// `multipart/form-data` bodies as browsers write them, for upload tests.
enum MultipartBody {
    static let boundary = "----wz7MA4YWxkTrZu0gW"
    static var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    enum Part {
        case field(String, String)
        case file(String, filename: String, [UInt8])
    }

    static func encode(_ parts: [Part], close: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        for part in parts {
            bytes += Array("--\(boundary)\r\n".utf8)
            switch part {
            case .field(let name, let value):
                bytes += Array("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
            case .file(let name, let filename, let content):
                let quoted = filename.replacingOccurrences(of: "\"", with: "\\\"")
                bytes += Array(
                    "Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(quoted)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                        .utf8)
                bytes += content + Array("\r\n".utf8)
            }
        }
        if close { bytes += Array("--\(boundary)--\r\n".utf8) }
        return bytes
    }

    /// Small files of each accepted kind, and one that only claims to be a PDF.
    static let png: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 5000)
        + [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
    static let pdf: [UInt8] = Array("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".utf8)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 1, count: 400) + [0xFF, 0xD9]
    static let htmlCalledPDF: [UInt8] = Array("<html><script>alert(1)</script></html>".utf8)
}

extension TestClientProtocol {
    func postMultipart(_ uri: String, _ parts: [MultipartBody.Part], headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        fields[.contentType] = MultipartBody.contentType
        return try await execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(bytes: MultipartBody.encode(parts)))
    }
}
