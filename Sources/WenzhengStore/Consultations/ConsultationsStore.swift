import Foundation
import WenzhengCore

/// Public comment on drafts (征求意见): consultations and their split
/// drafts, citizens' comments through moderation, the office's groups and
/// decisions, the adoption report, and withdrawing published comments.
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBConsultationsStore` implements it over SQLite.
///
/// Errors: `StoreError.notFound` for an unknown consultation, comment or
/// group; `StoreError.invalid` with every bad field; `StoreError.conflict`
/// when the consultation's state does not allow the change;
/// `StoreError.forbidden` for a role that may not act;
/// `ConsultationTransitionError` when a state change is refused
/// (`invalidDefinition`, `reportIncomplete` with what is missing);
/// `CommentPeriodClosed` for a comment outside the window.
public protocol ConsultationsStore: Sendable {
    // MARK: The office prepares a consultation

    /// Imports a draft as a new consultation in `draft`: the text is split
    /// into chapters and articles, and the split waits for staff to
    /// confirm it (`confirmSplit`).
    func importConsultation(_ new: NewConsultation, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView

    /// Replaces a draft consultation's text with a new import; its split
    /// must be confirmed again.
    func reimportDraft(id: Int64, text: String, format: DraftFormat, actor: AuthenticatedStaff, at now: Date) async throws
        -> ConsultationView

    /// Staff confirm the split they were shown: the consultation can open.
    func confirmSplit(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView

    /// Changes the title, drafting explanation or window, as far as the
    /// state allows (`ConsultationOffice.editErrors`).
    func updateConsultation(id: Int64, _ settings: ConsultationSettings, actor: AuthenticatedStaff, at now: Date) async throws
        -> ConsultationView

    /// draft → open: public, and taking comments inside its window.
    func openConsultation(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView

    /// open → closed: the end of the comment period (not of the
    /// consultation, which only its adoption report finishes). Closing
    /// before the announced time shortens the window to now, on the record.
    func closeCommentPeriod(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView

    /// closed → report_published: the only way to finish a consultation,
    /// refused (`reportIncomplete`) while any comment is pending moderation
    /// or has no decision.
    func publishAdoptionReport(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView

    func consultation(id: Int64) async throws -> ConsultationView

    /// Every consultation, newest first, with comment counts (the office's list).
    func consultations() async throws -> [ConsultationSummary]

    // MARK: Comments and decisions

    /// A citizen's comment, with its moderation item, in one transaction.
    ///
    /// - Throws: `CommentPeriodClosed` outside the window or the `open`
    ///   state; `StoreError.notFound` for a draft consultation.
    func submitComment(consultationID: Int64, _ submission: CommentSubmission, check: ContentFilter.Result, at now: Date)
        async throws -> (SubmittedComment, ModerationItem)

    /// The published comments in id order, as the office works with them.
    func publishedComments(consultationID: Int64) async throws -> [OfficeComment]

    /// Gathers published comments of one consultation under a summary.
    /// Their own decisions give way to the group's.
    func groupComments(consultationID: Int64, summary: String, commentIDs: [Int64], actor: AuthenticatedStaff, at now: Date)
        async throws -> CommentGroup

    /// Dissolves a group: its comments are ungrouped and undecided again.
    func dissolveCommentGroup(consultationID: Int64, groupID: Int64, actor: AuthenticatedStaff, at now: Date) async throws

    /// Records (or, with nil, clears) the decision on a comment or a group.
    /// A grouped comment is decided through its group (409).
    func recordDecision(
        consultationID: Int64, on subject: DecisionSubject, _ record: AdoptionRecord?, actor: AuthenticatedStaff, at now: Date
    ) async throws

    /// What the report and the exports are made from.
    func reportInput(consultationID: Int64) async throws -> ConsultationReportInput

    // MARK: The public side

    /// Consultations the public may see (not drafts), newest first.
    func publicConsultations() async throws -> [ConsultationSummary]

    /// A consultation's public page, or nil for a draft or an unknown id.
    func publicConsultation(id: Int64) async throws -> PublicConsultation?

    // MARK: Withdrawing published comments (docs/security.md, item 23)

    /// Takes a published comment off the public page and report (admins
    /// only, with a reason). It stays counted and decided: the office
    /// received it.
    func unpublishComment(id: Int64, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> OfficeComment

    /// Publishes a withdrawn comment again with a corrected text, masked
    /// as citizens' text is (the commenter's nickname too).
    func republishComment(id: Int64, text: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> (comment: OfficeComment, masked: [MaskedSpan])
}
