import Foundation

/// What a citizen writes about. Each type has its own reply deadline.
public enum LetterType: String, Sendable, Codable, CaseIterable {
    case consultation
    case suggestion
    case complaint
    /// 依申请公开: a request for government information, with the clock rules
    /// of the 2019 Regulations on Open Government Information.
    case informationDisclosure = "information_disclosure"

    /// Default reply deadlines in working days.
    public var defaultWorkingDays: Int {
        switch self {
        case .consultation: 5
        case .suggestion: 15
        case .complaint: 15
        case .informationDisclosure: 20
        }
    }
}

/// Where a letter is in the office.
public enum LetterState: String, Sendable, Codable, CaseIterable {
    /// Submitted; waiting for triage.
    case received
    /// Accepted; waiting for a lead department.
    case accepted
    /// Sent to the competent authority (outside our competence).
    case transferred
    /// Refused at triage with a standard reason.
    case rejected
    /// A department is working on it.
    case assigned
    /// A reply is drafted and waits for the reviewer's sign-off.
    case awaitingSignOff = "awaiting_sign_off"
    /// The reply was signed off and sent to the citizen.
    case replied
    /// An information-disclosure request whose correction did not arrive
    /// within the period given: it counts as abandoned (视为放弃, art. 30).
    case withdrawn

    /// Still owed a reply: its deadline matters.
    public var isOpen: Bool {
        switch self {
        case .received, .accepted, .assigned, .awaitingSignOff: true
        case .transferred, .rejected, .replied, .withdrawn: false
        }
    }
}

/// Standard reasons for refusing a letter at triage.
public enum TriageRejection: String, Sendable, Codable, CaseIterable {
    case abusive
    case duplicate
    case litigationOrPetition = "litigation_or_petition"
    case outsideCompetence = "outside_competence"
    case noContent = "no_content"

    /// The reasons a letter of `type` may be refused with. An
    /// information-disclosure request is refused only on the grounds the
    /// 2019 Regulations give: a repeated request (art. 36(7)), a petition
    /// or complaint in the form of a request (art. 39), or information this
    /// office does not hold (art. 36(5)). An unclear request gets a
    /// correction notice (art. 30), never `no_content`; an insulting one is
    /// still a request the law says must be answered.
    public static func allowed(for type: LetterType) -> [TriageRejection] {
        switch type {
        case .informationDisclosure: [.duplicate, .litigationOrPetition, .outsideCompetence]
        case .consultation, .suggestion, .complaint: allCases
        }
    }

    public func isAllowed(for type: LetterType) -> Bool { Self.allowed(for: type).contains(self) }
}

/// How the citizen rated the reply.
public enum ReplyRating: String, Sendable, Codable, CaseIterable {
    case satisfied
    case basicallySatisfied = "basically_satisfied"
    case unsatisfied
}

public enum LetterRules {
    public static let subjectMaxLength = 100
    public static let bodyMaxLength = 5000
    public static let nameMaxLength = 40
    public static let contactMaxLength = 100
    public static let replyMaxLength = 10_000
    public static let commentMaxLength = 1000
    /// Information-disclosure requests may be extended once, by at most this.
    public static let maxExtensionWorkingDays = 20
    /// A correction notice (补正) must go out within this many working days.
    public static let correctionNoticeWorkingDays = 7
    /// Letters outside our competence are transferred within this.
    public static let transferWorkingDays = 1
    /// Third parties and other agencies consulted have this long to answer
    /// (arts. 32, 34); the clock stops for at most this.
    public static let consultationWorkingDays = 15

    /// A type's reply period as a policy may set it. Information-disclosure
    /// requests are answered within 20 working days by statute (art. 33);
    /// a policy may shorten that, never lengthen it (the extension is the
    /// only way, and it is approved per request).
    public static func policyWorkingDaysRange(for type: LetterType) -> ClosedRange<Int> {
        switch type {
        case .informationDisclosure: 1...LetterType.informationDisclosure.defaultWorkingDays
        case .consultation, .suggestion, .complaint: policyWorkingDaysRange
        }
    }

    /// The last day to transfer a letter outside our competence: the
    /// working day after receipt.
    public static func transferDeadline(receivedOn: CivilDate, calendar: any WorkingDayCalendar) -> CivilDate {
        calendar.adding(workingDays: transferWorkingDays, to: receivedOn)
    }

    /// The period a letter has after it is assigned to `lead`: a first
    /// assignment takes the department's own period, if it has one, while
    /// the deadline has not passed; a reassignment, or an assignment of an
    /// overdue letter, keeps the period, so it never moves a deadline or
    /// clears an overdue mark.
    public static func periodOnAssignment(current: Int, departmentPeriod: Int?, reassignment: Bool, overdue: Bool) -> Int {
        guard !reassignment, !overdue, let departmentPeriod else { return current }
        return departmentPeriod
    }

    /// How letters were numbered until issue 9: the year, then a per-year
    /// sequence, e.g. `2026-000123`. Those letters keep their numbers, and
    /// the query still accepts them.
    public static func letterNumber(year: Int, sequence: Int) -> String {
        String(format: "%04d-%06d", year, sequence)
    }

    /// A new letter's number, still short enough to read out on the phone:
    /// the year, then nine random digits (the first not 0, so it can never
    /// be mistaken for a sequence number), e.g. `2026-483920571`. Random, so
    /// one letter's number says nothing about any other's and numbers
    /// cannot be listed to guess passwords at (docs/security.md).
    public static func randomLetterNumber(year: Int, using generator: inout some RandomNumberGenerator) -> String {
        String(format: "%04d-%09d", year, Int.random(in: 100_000_000...999_999_999, using: &generator))
    }
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
