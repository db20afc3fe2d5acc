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
        let data = Data(buffer.readableBytesView)
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .custom(Self.decodeTime)
            return try decoder.decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw Self.problem(for: error, in: data)
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
        } catch let error as DecodingError {
            throw Problem(kind: .badRequest, detail: "the form could not be read: \(Self.fieldError(for: error).message)")
        } catch {
            // The decoder's own errors print Swift types; say only what failed.
            throw Problem(kind: .badRequest, detail: "the form could not be read")
        }
    }

    /// A body that is not JSON at all is 400 malformed-json. JSON of the
    /// wrong shape (a string where a number goes, a missing or null field,
    /// a value a type refuses) is invalid input like any other: 422
    /// validation-failed naming the field by its JSON path, so a client can
    /// point at it. Messages speak of JSON types: the decoder's own text
    /// names Swift types (`Dictionary<String, Any>`), which mean nothing to
    /// a client and describe our code rather than the request.
    static func problem(for error: DecodingError, in data: Data) -> Problem {
        // The decoder reports a syntax error and a value a type refuses
        // alike (dataCorrupted, no path, sometimes no underlying error), so
        // ask the parser alone; this runs only for a refused body.
        guard (try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) != nil else {
            return Problem(kind: .malformedJSON, detail: syntaxDescription(error))
        }
        return Problem.validation(fieldError(for: error))
    }

    /// The field a decoding error in valid JSON is about.
    static func fieldError(for error: DecodingError) -> FieldError {
        switch error {
        case .dataCorrupted(let context):
            let name = jsonPath(context.codingPath)
            return FieldError(field: name, code: "invalid", message: "\(name) is not an accepted value")
        case .keyNotFound(let key, let context):
            return FieldError.required(jsonPath(context.codingPath + [key]))
        case .valueNotFound(_, let context):
            let name = jsonPath(context.codingPath)
            return FieldError(field: name, code: "required", message: "\(name) must not be null")
        case .typeMismatch(let type, let context):
            let name = jsonPath(context.codingPath)
            let expected = jsonKind(type).map { "must be \($0)" } ?? "has the wrong type"
            return FieldError(field: name, code: "wrong_type", message: "\(name) \(expected)")
        @unknown default:
            return FieldError(field: "$", code: "invalid", message: "the body is not accepted")
        }
    }

    /// `guests[0].name`, the way validation errors name nested fields; `$`
    /// is the body itself.
    static func jsonPath(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") || key.stringValue == String(index) {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return path.isEmpty ? "$" : path
    }

    /// The JSON type a Swift type is read from, or nil when it is none of
    /// the plain ones (the message then says only "the wrong type").
    static func jsonKind(_ type: Any.Type) -> String? {
        if type == String.self || type == Substring.self || type == Character.self { return "a string" }
        if type == Bool.self { return "true or false" }
        if type is any BinaryInteger.Type { return "an integer" }
        if type is any BinaryFloatingPoint.Type || type == Decimal.self { return "a number" }
        let name = String(describing: type)
        if name.hasPrefix("Array<") || name.hasPrefix("Set<") || name.hasPrefix("ContiguousArray<") { return "an array" }
        if name.hasPrefix("Dictionary<") { return "an object" }
        return nil
    }

    /// An ISO 8601 time (`2026-12-03T10:00:00+08:00`, `…Z`, optionally with
    /// fractional seconds) whose every field is in range. Foundation's
    /// `.iso8601` strategy rolls `12:99` over into `13:39`: a mistyped time
    /// was stored as another time instead of refused (found by the API
    /// fuzzer).
    static func decodeTime(_ decoder: any Decoder) throws -> Date {
        let container = try decoder.singleValueContainer()
        guard let date = OfficeTimeText.parseInstant(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time")
        }
        return date
    }

    /// Where and why the parser stopped, from Foundation's underlying error
    /// (the outer text says only "not valid JSON").
    static func syntaxDescription(_ error: DecodingError) -> String {
        guard case .dataCorrupted(let context) = error else { return "invalid JSON" }
        let underlying = context.underlyingError.map { error -> String in
            let nsError = error as NSError
            return nsError.userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        }
        return "invalid JSON: \(underlying ?? context.debugDescription)"
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
