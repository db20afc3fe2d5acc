import Foundation

/// One problem with one input field, in a form that both the JSON API
/// (RFC 9457 `errors` member) and server-rendered forms can show.
public struct FieldError: Error, Sendable, Equatable, Codable {
    /// The field's name as the client sent it (`username`, `password`…).
    public var field: String
    /// A stable machine-readable code (`required`, `too_long`, `invalid`…).
    public var code: String
    /// A human-readable explanation in English; pages translate by `code`.
    public var message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }

    public static func required(_ field: String) -> FieldError {
        FieldError(field: field, code: "required", message: "\(field) is required")
    }

    public static func tooLong(_ field: String, max: Int) -> FieldError {
        FieldError(field: field, code: "too_long", message: "\(field) must be at most \(max) characters")
    }

    public static func tooShort(_ field: String, min: Int) -> FieldError {
        FieldError(field: field, code: "too_short", message: "\(field) must be at least \(min) characters")
    }

    public static func invalid(_ field: String, _ message: String) -> FieldError {
        FieldError(field: field, code: "invalid", message: message)
    }
}

/// A rejected input: every field that was wrong, not just the first one, so
/// a citizen filling a form corrects everything in one round trip.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) {
        self.errors = errors
    }

    /// Throws when `errors` is non-empty.
    public static func check(_ errors: [FieldError]) throws(ValidationFailure) {
        if !errors.isEmpty { throw ValidationFailure(errors) }
    }
}

/// Text limits count Unicode scalars, as the database's own length checks
/// do: a Chinese character counts as one, and a character built from
/// combining marks cannot slip past the limit and fail later in storage.
public enum TextRules {
    /// Trims surrounding white space and checks presence and length.
    public static func requiredText(
        _ value: String?, field: String, maxLength: Int, into errors: inout [FieldError]
    ) -> String {
        let trimmed = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            errors.append(.required(field))
        } else if trimmed.unicodeScalars.count > maxLength {
            errors.append(.tooLong(field, max: maxLength))
        }
        return trimmed
    }

    /// Like `requiredText`, but absent or blank becomes `nil`.
    public static func optionalText(
        _ value: String?, field: String, maxLength: Int, into errors: inout [FieldError]
    ) -> String? {
        let trimmed = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        if trimmed.unicodeScalars.count > maxLength { errors.append(.tooLong(field, max: maxLength)) }
        return trimmed
    }
}
