import Foundation
import Hummingbird
import NIOCore
import WenzhengCore

extension Request {
    /// Decodes a JSON API body. Anything but `application/json` is refused
    /// with 415 so that a form post cannot reach a JSON endpoint by accident.
    func decodeJSON<Body: Decodable>(_ type: Body.Type, context: AppRequestContext) async throws -> Body {
        let contentType = headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/json") || contentType.hasPrefix("application/problem+json") else {
            throw Problem(kind: .unsupportedMediaType, detail: "send the body as application/json")
        }
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Problem(kind: .malformedJSON, detail: Self.describe(error))
        }
    }

    /// Decodes an `application/x-www-form-urlencoded` body from a plain
    /// HTML form.
    func decodeForm<Body: Decodable>(_ type: Body.Type, context: AppRequestContext) async throws -> Body {
        let contentType = headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw Problem(kind: .unsupportedMediaType, detail: "send the form as application/x-www-form-urlencoded")
        }
        var buffer = try await body.collect(upTo: context.maxUploadSize)
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        do {
            return try URLEncodedFormDecoder().decode(Body.self, from: text)
        } catch {
            throw Problem(kind: .badRequest, detail: "the form could not be read: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the body" : "`" + codingPath.map(\.stringValue).joined(separator: ".") + "`"
        }
        switch error {
        case .dataCorrupted(let context):
            // Foundation puts the parser's position and reason in the
            // underlying error; the outer text alone says only "not valid".
            let underlying = context.underlyingError.map { error -> String in
                let nsError = error as NSError
                return nsError.userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            }
            return "invalid JSON at \(path(context.codingPath)): \(underlying ?? context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "wrong type at \(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "null at \(path(context.codingPath)): expected \(type)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// A form field's name as a coding key, for reading a form's fields by
/// name rather than through a type that lists them.
struct FormFieldName: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }
}
