import Foundation
import WenzhengCore

/// Citizens' personal data as a whole: what is held about one person, its
/// erasure on request (PIPL arts. 45 and 47), and its erasure when the
/// retention period has passed (art. 19). docs/privacy.md lists every table
/// with personal fields and what happens to each.
public protocol PrivacyStore: Sendable {
    /// Everything held that the phone number or e-mail address ties to one
    /// person: letters, open-day registrations, interview questions whose
    /// contact names it, and notices sent to the address. `now` decides
    /// which open days are over.
    func personalData(for request: PersonalDataRequest, at now: Date) async throws -> PersonalDataReport

    /// Erases what `personalData(for:)` finds, in one transaction, audited
    /// under `actor`: closed letters keep their text but lose name, phone,
    /// e-mail, client address and the citizen's attachments; registrations
    /// of open days that are over (or cancelled ones) are deleted; questions
    /// lose their contact; notices to the address are deleted. What cannot
    /// be erased yet (an open letter, a registration for an open day still
    /// to come) is left and reported with the reason.
    func erasePersonalData(for request: PersonalDataRequest, actor: AuditActor, at now: Date) async throws -> PersonalDataErasure

    /// One retention pass (`RetentionPolicy`), audited as `system:retention`:
    /// closed letters past the letter period are erased as above;
    /// registrations of open days that ended before the registration period
    /// are deleted (each open day's counts are audited first); notices sent
    /// or abandoned before it are deleted. At most `limit` letters per call.
    func purgeExpiredPersonalData(policy: RetentionPolicy, at now: Date, limit: Int) async throws -> RetentionPurge
}

/// The audit actor of the retention pass.
extension AuditActor {
    public static let retention = AuditActor(userID: nil, name: "system:retention")
}

public struct PersonalDataReport: Sendable, Equatable, Codable {
    /// `phone 13812345678` or `email a@b.cn`.
    public var request: String
    public var letters: [HeldLetter]
    public var registrations: [HeldRegistration]
    public var questions: [HeldQuestion]
    public var notices: [HeldNotice]

    public var isEmpty: Bool { letters.isEmpty && registrations.isEmpty && questions.isEmpty && notices.isEmpty }
}

public struct HeldLetter: Sendable, Equatable, Codable {
    public var id: Int64
    public var number: String
    public var type: String
    public var state: String
    public var subject: String
    public var body: String
    public var authorName: String
    public var phone: String?
    public var email: String?
    public var mayPublish: Bool
    public var clientAddress: String?
    public var receivedAt: Date
    public var replyBody: String?
    public var repliedAt: Date?
    public var followUpText: String?
    public var publishedAt: Date?
    public var attachments: [HeldAttachment]
    /// Nil while the letter is still being handled: it cannot be erased yet.
    public var notErasableBecause: String?
}

public struct HeldAttachment: Sendable, Equatable, Codable {
    public var role: String
    public var displayName: String
    public var sha256: String
    public var byteCount: Int
}

public struct HeldRegistration: Sendable, Equatable, Codable {
    public var id: Int64
    public var openDayID: Int64
    public var openDayTitle: String
    public var openDayStartsAt: Date
    public var name: String
    public var phone: String
    public var email: String?
    public var partySize: Int
    public var status: String
    public var registeredAt: Date
    public var notErasableBecause: String?
}

public struct HeldQuestion: Sendable, Equatable, Codable {
    public var id: Int64
    public var interviewID: Int64
    public var interviewTitle: String
    public var text: String
    public var nickname: String?
    public var contact: String?
    public var clientAddress: String
    public var state: String
    public var createdAt: Date
}

public struct HeldNotice: Sendable, Equatable, Codable {
    public var id: Int64
    public var kind: String
    public var recipient: String?
    public var subject: String
    public var createdAt: Date
    public var sentAt: Date?
}

public struct PersonalDataErasure: Sendable, Equatable {
    /// Letter numbers whose personal fields were erased.
    public var lettersErased: [String] = []
    public var registrationsDeleted: [Int64] = []
    public var questionsCleared: [Int64] = []
    public var noticesDeleted: Int = 0
    /// What was left, with the reason (`letter 2026-000012: still open (assigned)`).
    public var skipped: [String] = []
    /// Attachment files no row names any more: the caller deletes them
    /// (`AttachmentFiles.remove`) after the commit.
    public var orphanedAttachments: [String] = []

    public init() {}
}

public struct RetentionPurge: Sendable, Equatable {
    public var lettersErased = 0
    public var registrationsDeleted = 0
    public var noticesDeleted = 0
    public var orphanedAttachments: [String] = []

    public init() {}

    public var isEmpty: Bool { lettersErased == 0 && registrationsDeleted == 0 && noticesDeleted == 0 }
}
