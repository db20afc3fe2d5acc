import GRDB
import PostgresNIO
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
    /// The disk (or the database's size limit) is full: nothing of the
    /// write was kept, and reads still work. Not the caller's fault, and
    /// not permanent: an operator frees space and the same request succeeds.
    case storageFull
    /// Another writer (the CLI, a backup) held the database for longer than
    /// the busy timeout.
    case storageBusy

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
        case .storageFull:
            return "the disk holding the database is full; nothing was saved"
        case .storageBusy:
            return "the database is busy with another writer; nothing was saved"
        }
    }
}

extension StoreError {
    /// A database error that has a meaning for the caller, as a store error:
    /// a CHECK, UNIQUE or foreign-key constraint the input broke, a full disk
    /// (SQLite's unix VFS turns ENOSPC into SQLITE_FULL, as it does a reached
    /// `max_page_count`), or a writer that waited out the busy timeout. Nil
    /// for anything else, which is the server's fault.
    public static func from(_ error: any Error) -> StoreError? {
        if let error = error as? PSQLError { return from(postgres: error) }
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_CONSTRAINT:
            return .invalid(ValidationFailure([FieldError(field: "input", code: "constraint", message: "the input breaks a storage rule")]))
        case .SQLITE_FULL:
            return .storageFull
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .storageBusy
        default:
            return nil
        }
    }
}

extension StoreError {
    /// PostgreSQL's counterparts: a broken constraint (class 23), a full
    /// disk (53100), a statement or lock timeout, or a transaction that kept
    /// losing to concurrent ones (`PostgresBackend.write` retries those
    /// first). Nil for anything else.
    static func from(postgres error: PSQLError) -> StoreError? {
        guard let state = error.sqlState else { return nil }
        switch state {
        case _ where state.hasPrefix("23"):
            return .invalid(ValidationFailure([FieldError(field: "input", code: "constraint", message: "the input breaks a storage rule")]))
        case "53100":
            return .storageFull
        case "40001", "40P01", "55P03", "57014":
            return .storageBusy
        default:
            return nil
        }
    }
}
