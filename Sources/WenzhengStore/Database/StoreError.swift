import GRDB
import WenzhengCore

/// Failures the storage layer reports in the domain's terms, so the HTTP
/// layer can map them to statuses and the CLI to one-line messages without
/// knowing SQLite's error codes.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database file was migrated by a newer Wenzheng than this one.
    case newerSchema(unknownMigrations: [String])
    /// The database file or its directory cannot be opened for writing.
    case cannotOpen(path: String, reason: String)
    /// No such thing (`kind` names it: "user", "session"…).
    case notFound(kind: String, key: String)
    /// The action conflicts with the current state (a duplicate name, a
    /// decision someone else already took).
    case conflict(String)
    /// The input broke a rule.
    case invalid(ValidationFailure)
    /// The staff member's role allows the action, but not on this thing
    /// (a guest of another interview).
    case forbidden(String)

    public var description: String {
        switch self {
        case .newerSchema(let unknown):
            return "the database was created by a newer version of Wenzheng (unknown migrations: \(unknown.joined(separator: ", "))); upgrade Wenzheng or restore a backup"
        case .cannotOpen(let path, let reason):
            return "cannot open database \(path): \(reason)"
        case .notFound(let kind, let key):
            return "no \(kind) '\(key)'"
        case .conflict(let message):
            return message
        case .invalid(let failure):
            return failure.errors.map(\.message).joined(separator: "; ")
        case .forbidden(let message):
            return message
        }
    }
}

extension StoreError {
    /// A database error that is the caller's fault (a CHECK, UNIQUE or
    /// foreign-key constraint the input broke), as a store error; nil for
    /// anything else, which is the server's fault.
    public static func from(_ error: any Error) -> StoreError? {
        guard let error = error as? DatabaseError, error.resultCode == .SQLITE_CONSTRAINT else { return nil }
        return .invalid(ValidationFailure([FieldError(field: "input", code: "constraint", message: "the input breaks a storage rule")]))
    }
}
