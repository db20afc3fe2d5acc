import Foundation

/// One step in a letter's timeline (`letter_event`). Clock events carry a
/// `ClockEvent.Kind` as well; the others only say who did what and why.
public enum LetterEventKind: String, Sendable, Codable, CaseIterable {
    case submitted
    case accepted
    /// Sent to the competent authority named in the note.
    case transferred
    /// Refused at triage; the note holds the `TriageRejection` code.
    case rejected
    case assigned
    case drafted
    /// The reviewer sent the draft back with a comment.
    case returned
    /// The reviewer approved the draft: the reply is sent.
    case signedOff = "signed_off"
    /// An information-disclosure request answered at once (当场答复).
    case repliedOnTheSpot = "replied_on_the_spot"
    case extended
    /// The clock stops while a third party is consulted.
    case paused
    case resumed
    /// A correction notice (补正告知): the clock stops until the corrected
    /// request arrives.
    case correctionNotice = "correction_notice"
    /// The corrected request arrived: counting starts again.
    case restarted
    case rated
    /// The citizen's follow-up after an unsatisfied rating: a fresh period.
    case reopened
    /// The deadline passed without a reply.
    case overdue
    /// Moderation approved the letter for the public page.
    case published
    /// The correction did not arrive within the period given: the request
    /// counts as abandoned (视为放弃, art. 30).
    case withdrawn
    /// An admin took the published letter off the public side (item 23);
    /// the note holds the reason.
    case unpublished
    /// Published again with a corrected text.
    case republished
    /// One reply (`replyRound`) taken off the public side; the note holds
    /// the reason.
    case replyUnpublished = "reply_unpublished"
    case replyRepublished = "reply_republished"

    /// Whether the citizen's own query page shows this step. Drafts and
    /// send-backs are the office's internal work; so is publication, which
    /// the public page itself shows.
    public var isVisibleToCitizen: Bool {
        switch self {
        case .drafted, .returned, .overdue, .published, .unpublished, .republished, .replyUnpublished, .replyRepublished: false
        default: true
        }
    }

    /// Whether the citizen may read the step's note: who a letter went to,
    /// an extension's notice, a consultation, a correction notice, their
    /// own follow-up and rating. Reviewers' comments on sign-off and triage
    /// notes stay inside the office (a rejection's reason is shown from its
    /// code instead).
    public var showsNoteToCitizen: Bool {
        switch self {
        case .transferred, .assigned, .extended, .paused, .correctionNotice, .restarted, .reopened, .rated: true
        default: false
        }
    }
}

/// Where a drafted reply is in review.
public enum DraftReviewState: String, Sendable, Codable, CaseIterable {
    case pending
    case signedOff = "signed_off"
    case returned
}
