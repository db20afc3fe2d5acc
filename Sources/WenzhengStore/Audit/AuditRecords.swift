import Foundation
import GRDB

/// Who performed an action, as the audit log names them.
public struct AuditActor: Sendable, Equatable {
    /// The staff account, when the action came through a session.
    public var userID: Int64?
    /// The account's username, or `cli:<os user>` for the command line.
    public var name: String
    public var clientAddress: String?

    public init(userID: Int64?, name: String, clientAddress: String? = nil) {
        self.userID = userID
        self.name = name
        self.clientAddress = clientAddress
    }

    /// An action taken with the `wenzheng` command on the server machine.
    public static func commandLine(osUser: String) -> AuditActor {
        AuditActor(userID: nil, name: "cli:\(osUser)")
    }

    /// A request from a signed-in staff member.
    public static func staff(_ staff: AuthenticatedStaff, clientAddress: String?) -> AuditActor {
        AuditActor(userID: staff.userID, name: staff.username, clientAddress: clientAddress)
    }
}

/// One line of the append-only audit log.
public struct AuditEntry: Codable, Sendable, Equatable, Identifiable, SnakeCaseRecord, MutablePersistableRecord {
    public var id: Int64?
    public var recordedAt: Date
    public var actorId: Int64?
    public var actorName: String
    /// Dotted verb, e.g. `staff_user.create`, `session.login`.
    public var action: String
    public var subjectType: String
    public var subjectId: String?
    public var beforeJson: String?
    public var afterJson: String?
    public var clientAddress: String?

    public static let databaseTableName = "audit_entry"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension AuditEntry {
    /// Appends an entry inside the caller's transaction, so the action and
    /// its record commit or fail together.
    static func record(
        _ db: Database, actor: AuditActor, action: String, subjectType: String, subjectID: String?,
        before: (any Encodable)? = nil, after: (any Encodable)? = nil, at date: Date
    ) throws {
        var entry = AuditEntry(
            id: nil, recordedAt: date, actorId: actor.userID, actorName: actor.name, action: action,
            subjectType: subjectType, subjectId: subjectID,
            beforeJson: try before.map(encodeJSON), afterJson: try after.map(encodeJSON),
            clientAddress: actor.clientAddress)
        try entry.insert(db)
    }

    /// The same entry, inside a PostgreSQL transaction.
    static func record(
        _ tx: PostgresTransaction, actor: AuditActor, action: String, subjectType: String, subjectID: String?,
        before: (any Encodable)? = nil, after: (any Encodable)? = nil, at date: Date
    ) async throws {
        let entry = AuditEntry(
            id: nil, recordedAt: date, actorId: actor.userID, actorName: actor.name, action: action,
            subjectType: subjectType, subjectId: subjectID,
            beforeJson: try before.map(encodeJSON), afterJson: try after.map(encodeJSON),
            clientAddress: actor.clientAddress)
        try await tx.insert(into: databaseTableName, entry, returningID: false)
    }

    private static func encodeJSON(_ value: any Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
