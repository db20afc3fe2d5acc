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
