import Foundation

/// Text limits count Unicode scalars, as the database's own length checks
/// do: a Chinese character counts as one, and a character built from
/// combining marks cannot slip past the limit and fail later in storage.
public enum TextRules {
    /// Trims surrounding white space and checks presence and length.
    public static func requiredText(
        _ value: String?, field: String, maxLength: Int, into errors: inout [FieldError]
    ) -> String {
        let trimmed = (value ?? "").trimmingScalars(in: .whitespacesAndNewlines)
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
        let trimmed = (value ?? "").trimmingScalars(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        if trimmed.unicodeScalars.count > maxLength { errors.append(.tooLong(field, max: maxLength)) }
        return trimmed
    }
}
