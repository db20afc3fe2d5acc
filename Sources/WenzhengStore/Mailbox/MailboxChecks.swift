import WenzhengCore

/// The mailbox's input checks, for callers that must refuse bad input
/// before doing costly work (the server hashes a query password only for a
/// letter that will be accepted). The store runs the same checks again
/// inside its transactions.
public enum MailboxChecks {
    /// Every field error of a new letter, or nothing.
    public static func validateLetter(_ new: NewLetter) throws {
        try GRDBMailboxStore.validateLetter(new)
    }

    /// A citizen's files against the limits: count, total size, roles, and
    /// the proof of identity a disclosure request needs when required.
    public static func validateCitizenAttachments(_ attachments: [NewAttachment], type: LetterType, requireIdentityProof: Bool) throws {
        try GRDBMailboxStore.validateCitizenAttachments(attachments, type: type, requireIdentityProof: requireIdentityProof)
    }

    /// The most rows one page of a deadline list holds.
    public static var maxDeadlinePageSize: Int { GRDBMailboxStore.maxDeadlinePageSize }
}
