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
}

/// Where a drafted reply is in review.
public enum DraftReviewState: String, Sendable, Codable, CaseIterable {
    case pending
    case signedOff = "signed_off"
    case returned
}

extension LetterRules {
    public static let idempotencyKeyMaxLength = 100
    /// The authority a letter is transferred to.
    public static let authorityMaxLength = 100
    /// A deadline policy's period (`policyWorkingDaysRange(for:)` narrows
    /// it per type).
    public static let policyWorkingDaysRange = 1...365

    /// A phone number as people type it: digits with spaces, dashes,
    /// parentheses, a leading `+` and an extension (`转`, `-`); 5 to 20
    /// digits.
    public static func isPlausiblePhone(_ text: String) -> Bool {
        var digits = 0
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9": digits += 1
            case " ", "-", "(", ")", "+", "转", "（", "）": continue
            default: return false
            }
        }
        return (5...20).contains(digits)
    }

    /// An e-mail address with one `@`, something before it, a dot in the
    /// domain, and no white space. Delivery is the real test.
    public static func isPlausibleEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(where: \.isWhitespace) else { return false }
        let domain = parts[1]
        guard let dot = domain.lastIndex(of: "."), dot != domain.startIndex, domain.index(after: dot) != domain.endIndex else {
            return false
        }
        return true
    }

    /// The last day a correction notice may go out: the 7th working day
    /// after receipt.
    public static func correctionNoticeDeadline(receivedOn: CivilDate, calendar: any WorkingDayCalendar) -> CivilDate {
        calendar.adding(workingDays: correctionNoticeWorkingDays, to: receivedOn)
    }

    /// Working days from `from` to `to`: those after `from` up to and
    /// including `to`, negative when `to` is earlier. Zero for the same day.
    /// Used for "working days left" (today → due) and "working days to
    /// reply" (received → replied).
    public static func workingDays(from: CivilDate, to: CivilDate, calendar: any WorkingDayCalendar) -> Int {
        if from == to { return 0 }
        let (start, end, sign) = from < to ? (from, to, 1) : (to, from, -1)
        var count = 0
        var day = start
        while day < end {
            day = day.nextDay
            if calendar.isWorkingDay(day) { count += 1 }
        }
        return sign * count
    }

    /// The median of some counts; nil for none.
    public static func median(_ values: [Int]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        if sorted.count % 2 == 1 { return Double(sorted[middle]) }
        return Double(sorted[middle - 1] + sorted[middle]) / 2
    }
}
