import Foundation
import GRDB
import WenzhengCore

/// One distinct file content, named by its SHA-256.
struct AttachmentRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var sha256: String
    var kind: AttachmentKind
    var byteCount: Int
    var createdAt: Date

    static let databaseTableName = "attachment"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let sha256 = Column("sha256")
    }
}

/// A file attached to a letter, with the role and the name it has there.
struct LetterAttachmentRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var letterId: Int64
    var attachmentId: Int64
    var role: AttachmentRole
    var displayName: String
    /// Nil for the citizen's own files.
    var addedBy: Int64?
    var addedAt: Date

    static let databaseTableName = "letter_attachment"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let id = Column("id")
        static let letterId = Column("letter_id")
        static let role = Column("role")
    }
}

/// A file that has been stored (`AttachmentFiles.keep`) and is ready to be
/// attached: its content's hash, kind and size, and the name to show.
public struct NewAttachment: Sendable, Equatable {
    public var sha256: String
    public var kind: AttachmentKind
    public var byteCount: Int
    public var displayName: String
    public var role: AttachmentRole

    public init(sha256: String, kind: AttachmentKind, byteCount: Int, displayName: String, role: AttachmentRole) {
        self.sha256 = sha256
        self.kind = kind
        self.byteCount = byteCount
        self.displayName = displayName
        self.role = role
    }
}

/// A letter's attachment as staff and the citizen see it listed.
public struct LetterAttachmentView: Sendable, Equatable, Codable {
    /// The link's id (per letter), used in download URLs.
    public var id: Int64
    public var letterId: Int64
    public var role: AttachmentRole
    public var kind: AttachmentKind
    public var byteCount: Int
    public var displayName: String
    /// The staff member who attached it; nil for the citizen.
    public var addedBy: String?
    public var addedAt: Date
    /// Where the bytes are (`AttachmentFiles`); never shown to clients.
    public var sha256: String
}
