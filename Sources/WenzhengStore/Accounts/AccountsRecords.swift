import Foundation
import GRDB
import WenzhengCore

/// A unit of the office: a 处 or 室 that handles letters and whose staff
/// hold accounts.
public struct Department: Codable, Sendable, Equatable, Identifiable, SnakeCaseRecord, MutablePersistableRecord {
    public var id: Int64?
    public var name: String
    public var createdAt: Date

    public static let databaseTableName = "department"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A staff account. Citizens never have one.
public struct StaffUser: Codable, Sendable, Equatable, Identifiable, SnakeCaseRecord, MutablePersistableRecord {
    public var id: Int64?
    public var username: String
    public var displayName: String
    public var role: Role
    public var departmentId: Int64
    public var passwordHash: String
    public var passwordChangedAt: Date
    public var disabledAt: Date?
    public var createdAt: Date

    public static let databaseTableName = "staff_user"
    static let department = belongsTo(Department.self)

    public var isDisabled: Bool { disabledAt != nil }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Column names are spelled out: the snake_case coding strategy does
    /// not apply to `Column(CodingKeys.x)`, which would name `disabledAt`.
    public enum Columns {
        public static let username = Column("username")
        public static let disabledAt = Column("disabled_at")
    }
}

/// A staff account as lists and the session show it: without the password
/// hash, with its department's name.
public struct StaffUserSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var displayName: String
    public var role: Role
    public var department: String
    public var disabled: Bool
    public var createdAt: Date
}

/// A signed-in browser or API client.
struct StaffSessionRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var tokenHash: String
    var csrfToken: String
    var userId: Int64
    var createdAt: Date
    var expiresAt: Date
    var revokedAt: Date?
    var clientAddress: String?
    var userAgent: String?

    static let databaseTableName = "staff_session"

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    enum Columns {
        static let tokenHash = Column("token_hash")
        static let userId = Column("user_id")
        static let expiresAt = Column("expires_at")
        static let revokedAt = Column("revoked_at")
    }
}

/// Who is behind a request that carried a valid session.
public struct AuthenticatedStaff: Sendable, Equatable {
    public var userID: Int64
    public var username: String
    public var displayName: String
    public var role: Role
    public var departmentID: Int64
    public var department: String
    public var csrfToken: String
    public var sessionExpiresAt: Date
    /// Where the request acting as this staff member came from (set by the
    /// server per request), for the audit lines the store writes.
    public var clientAddress: String? = nil
}

struct LoginFailureRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var username: String
    var clientAddress: String
    var failedAt: Date

    static let databaseTableName = "login_failure"

    enum Columns {
        static let username = Column("username")
        static let clientAddress = Column("client_address")
        static let failedAt = Column("failed_at")
    }
}

/// What it takes to create a staff account. The password arrives already
/// hashed: hashing is deliberately slow and belongs outside a transaction.
public struct NewStaffUser: Sendable {
    public var username: String
    public var displayName: String
    public var role: Role
    public var department: String
    public var passwordHash: String

    public init(username: String, displayName: String, role: Role, department: String, passwordHash: String) {
        self.username = username
        self.displayName = displayName
        self.role = role
        self.department = department
        self.passwordHash = passwordHash
    }
}

/// The department a staff account joins when none is named: the general
/// office (办公室), which in a Chinese government department runs the
/// leader's mailbox.
public let defaultDepartmentName = "办公室"

/// The outcome of asking to check a password (`LoginThrottlePolicy`).
public struct PasswordAttempt: Sendable, Equatable {
    public var decision: LoginThrottlePolicy.Decision
    /// Failures counted for the account (or letter) from every address
    /// within the window, this attempt included; nil when throttled.
    public var failuresForAccount: Int?
}

/// A department and the shared mailbox its letter notices go to
/// (docs/notifications.md, "Letters"); nil when none is set, and then the
/// department is sent no notices.
public struct DepartmentNoticeAddress: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var email: String?

    public init(id: Int64, name: String, email: String?) {
        self.id = id
        self.name = name
        self.email = email
    }

    /// The address trimmed, nil for blank; refused unless it is plausible
    /// (`LetterRules.isPlausibleEmail`) and one the SMTP client will put on
    /// the wire (`MailAddress.isValid`).
    public static func validated(_ text: String?) throws -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        guard text.count <= 254, LetterRules.isPlausibleEmail(text), MailAddress.isValid(text) else {
            throw StoreError.invalid(ValidationFailure([.invalid("email", "'\(text)' is not an e-mail address like office@example.gov.cn")]))
        }
        return text
    }
}
