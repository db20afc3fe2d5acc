import Foundation

/// What can be withdrawn from the public side once published (issue 9,
/// item 23; docs/security.md, "Withdrawing published text").
///
/// Comments on drafts added `comment` here and to the schema's check list
/// (`SchemaChanges.widenCheckList` in `v14-consultations`), and reuse the
/// rest as it is.
public enum WithdrawableKind: String, Sendable, Codable, CaseIterable {
    /// A published letter (its masked subject and body).
    case letter
    /// One reply of a published letter.
    case letterReply = "letter_reply"
    /// An interview transcript entry: an answer, a question put on air, a
    /// remark, a late answer (补录).
    case transcriptEntry = "transcript_entry"
    /// A published comment on a draft (征求意见), on the consultation's page
    /// and in its adoption report.
    case comment
}

/// A published text taken off the public side: who, when and why; and,
/// once corrected, who published it again and when. One value per
/// withdrawal: a text withdrawn twice has two.
public struct PublicationWithdrawal: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Off the public side now.
        case withdrawn
        /// Published again after correction.
        case republished
    }

    public var withdrawnById: Int64
    public var withdrawnBy: String
    public var withdrawnAt: Date
    /// Why, for the office (never shown to the public).
    public var reason: String
    public var republishedById: Int64?
    public var republishedBy: String?
    public var republishedAt: Date?

    public init(
        withdrawnById: Int64, withdrawnBy: String, withdrawnAt: Date, reason: String, republishedById: Int64? = nil,
        republishedBy: String? = nil, republishedAt: Date? = nil
    ) {
        self.withdrawnById = withdrawnById
        self.withdrawnBy = withdrawnBy
        self.withdrawnAt = withdrawnAt
        self.reason = reason
        self.republishedById = republishedById
        self.republishedBy = republishedBy
        self.republishedAt = republishedAt
    }

    public var state: State { republishedAt == nil ? .withdrawn : .republished }
}

/// Why a withdrawal or a republication is refused.
public enum WithdrawalRefusal: Error, Sendable, Equatable {
    /// Only admins withdraw and republish.
    case notAllowed
    /// The text was never public: there is nothing to withdraw.
    case notPublished
    /// It is already withdrawn.
    case alreadyWithdrawn
    /// It is public: there is nothing to republish.
    case notWithdrawn

    public var message: String {
        switch self {
        case .notAllowed: "only an admin withdraws published text or publishes it again"
        case .notPublished: "this text is not published; there is nothing to withdraw"
        case .alreadyWithdrawn: "this text is already withdrawn"
        case .notWithdrawn: "this text is not withdrawn; correct it instead, or withdraw it first"
        }
    }
}

/// The rules every withdrawable text follows, whatever feature it belongs
/// to: admins only, a reason always, a corrected text masked like
/// citizens' text before it is public again.
public enum WithdrawalRules {
    /// A reason is a sentence or two for the office, not a report.
    public static let reasonMaxLength = 500

    /// Only admins: withdrawing hides what the office published, so it is
    /// the same decision as publishing, taken by whoever manages the site.
    public static func mayWithdraw(_ role: Role) -> Bool {
        role == .admin
    }

    /// The roles `mayWithdraw` admits, for route guards.
    public static var roles: Set<Role> { Set(Role.allCases.filter(mayWithdraw)) }

    /// The refusal to withdraw a text, or nil when it may be withdrawn.
    ///
    /// - Parameters:
    ///   - published: the text was made public (approved, on air…).
    ///   - inForce: the text's current withdrawal, if it is withdrawn now.
    public static func refusalToWithdraw(by role: Role, published: Bool, inForce: PublicationWithdrawal?) -> WithdrawalRefusal? {
        if !mayWithdraw(role) { return .notAllowed }
        if !published { return .notPublished }
        if inForce != nil { return .alreadyWithdrawn }
        return nil
    }

    /// The refusal to publish a withdrawn text again, or nil.
    public static func refusalToRepublish(by role: Role, inForce: PublicationWithdrawal?) -> WithdrawalRefusal? {
        if !mayWithdraw(role) { return .notAllowed }
        if inForce == nil { return .notWithdrawn }
        return nil
    }

    /// The reason, trimmed; required, at most `reasonMaxLength` characters.
    public static func reason(_ raw: String?, field: String = "reason", into errors: inout [FieldError]) -> String {
        TextRules.requiredText(raw, field: field, maxLength: reasonMaxLength, into: &errors)
    }

    /// The corrected text as the public will read it: trimmed, required,
    /// and masked like citizens' text (mobile, ID, card and landline
    /// numbers, e-mail addresses, plates, and `authorName`), so a
    /// correction cannot bring back what the withdrawal took away. The
    /// limit applies to the masked text, which is what is stored.
    public static func correctedText(
        _ raw: String?, field: String, maxLength: Int, authorName: String?, into errors: inout [FieldError]
    ) -> MaskedText {
        let text = TextRules.requiredText(raw, field: field, maxLength: maxLength, into: &errors)
        let masked = PersonalInformation.maskWithSpans(text, authorName: authorName)
        if !text.isEmpty, text.unicodeScalars.count <= maxLength, masked.text.unicodeScalars.count > maxLength {
            errors.append(
                FieldError(
                    field: field, code: "too_long",
                    message: "\(field) must be at most \(maxLength) characters once personal information is masked"))
        }
        return masked
    }
}
