import Foundation

/// Rules for staff account fields, shared by the CLI, the admin API and the
/// store so that an account can never be created in a shape one of them
/// would refuse later.
public enum StaffAccountRules {
    public static let usernameMaxLength = 32
    public static let displayNameMaxLength = 64
    public static let departmentNameMaxLength = 64
    /// Long enough to resist guessing when combined with throttling.
    public static let passwordMinLength = 10
    /// bcrypt only reads the first 72 bytes; a longer password would give a
    /// false sense of strength, so we refuse it instead of truncating silently.
    public static let passwordMaxBytes = 72

    /// Login names are lowercase ASCII so that they are typed the same way on
    /// every keyboard and cannot be confused by look-alike characters.
    public static func normalizedUsername(_ raw: String) throws(FieldError) -> String {
        let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard name.count >= 2 else {
            throw FieldError.tooShort("username", min: 2)
        }
        guard name.count <= usernameMaxLength else {
            throw FieldError.tooLong("username", max: usernameMaxLength)
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard name.allSatisfy({ allowed.contains($0) }), let first = name.first, first.isLetter || first.isNumber else {
            throw FieldError.invalid(
                "username", "username may contain only a-z, 0-9, '.', '_' and '-', and must start with a letter or digit")
        }
        return name
    }

    public static func validatePassword(_ password: String) throws(FieldError) {
        if password.count < passwordMinLength {
            throw FieldError.tooShort("password", min: passwordMinLength)
        }
        if password.utf8.count > passwordMaxBytes {
            throw FieldError(
                field: "password", code: "too_long", message: "password must be at most \(passwordMaxBytes) bytes")
        }
        if password.contains(where: { $0.isNewline }) {
            throw FieldError.invalid("password", "password must not contain line breaks")
        }
    }

    public static func validateDisplayName(_ raw: String) throws(FieldError) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { throw FieldError.required("display_name") }
        if name.unicodeScalars.count > displayNameMaxLength { throw FieldError.tooLong("display_name", max: displayNameMaxLength) }
        if name.contains(where: { $0.isNewline }) {
            throw FieldError.invalid("display_name", "display name must be one line")
        }
        return name
    }

    public static func validateDepartmentName(_ raw: String) throws(FieldError) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { throw FieldError.required("department") }
        if name.unicodeScalars.count > departmentNameMaxLength { throw FieldError.tooLong("department", max: departmentNameMaxLength) }
        if name.contains(where: { $0.isNewline }) {
            throw FieldError.invalid("department", "department name must be one line")
        }
        return name
    }
}
