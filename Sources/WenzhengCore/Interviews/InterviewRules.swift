import Foundation

/// Where an interview is in its life.
public enum InterviewStatus: String, Sendable, Codable, CaseIterable {
    /// Created; not yet announced to the public.
    case scheduled
    /// Announced: citizens may send questions (usually 3 or more days ahead).
    case open
    /// On air: the transcript grows.
    case live
    /// Over: no more live entries; late answers (补录) may still be added.
    case ended
    /// The full transcript, including late answers, is public.
    case published
    /// Called off before it went live, with a reason the public page shows
    /// (`InterviewRules.checkCancellation`). Final.
    case cancelled

    /// The statuses an interview may move to from this one along its
    /// programme. Cancelling is apart (`isCancellable`): it needs a reason.
    public var next: Set<InterviewStatus> {
        switch self {
        case .scheduled: [.open, .live]
        case .open: [.live]
        case .live: [.ended]
        case .ended: [.published]
        case .published, .cancelled: []
        }
    }

    /// An interview may be called off until it goes live: once on air it
    /// has a transcript, which is ended and published instead.
    public var isCancellable: Bool { self == .scheduled || self == .open }

    /// Citizens may submit questions.
    public var acceptsQuestions: Bool { self == .open || self == .live }
}

/// A citizen's question's life: moderation, then the host's choice.
public enum QuestionState: String, Sendable, Codable, CaseIterable {
    case pending
    case approved
    case rejected
    /// A duplicate, folded into another question.
    case merged
    case onAir = "on_air"
    case answered
    /// Not answered live; answered afterwards (补录) within a deadline.
    case deferred
}

/// What a transcript entry is.
public enum TranscriptEntryKind: String, Sendable, Codable, CaseIterable {
    /// The host speaking.
    case remark
    /// A guest's answer (typed by the guest or a typist for them).
    case answer
    /// A citizen's question put on air.
    case question
    /// started, paused, resumed, ended, published.
    case system
}

public enum InterviewRules {
    public static let titleMaxLength = 120
    public static let summaryMaxLength = 2000
    public static let questionMaxLength = 500
    public static let nicknameMaxLength = 20
    public static let contactMaxLength = 100
    public static let entryMaxLength = 5000
    public static let guestFieldMaxLength = 60
    public static let maxGuests = 10
    public static let plannedMinutesRange = 10...480
    public static let cancellationReasonMaxLength = 500
    /// Deferred questions are answered within this many working days.
    public static let deferredReplyWorkingDays = 5
    /// Transcript entries per page, and the most one API request may ask for.
    /// (The live socket's replay is not paged: see docs/live-protocol.md.)
    public static let transcriptPageSize = 200
    public static let transcriptMaxPageSize = 1000
    /// Deferred questions per page, and the most one API request may ask for.
    public static let deferredPageSize = 50
    public static let deferredMaxPageSize = 200

    /// A deferred question's reply deadline: `deferredReplyWorkingDays`
    /// working days after the day it was deferred, provisional while a
    /// holiday notice it depends on is not loaded: the same rule as a
    /// letter's (`HolidayCalendar.missingYears(for:)`, late December
    /// included).
    public static func replyDeadline(deferredOn day: CivilDate, calendar: HolidayCalendar) -> (date: CivilDate, provisional: Bool) {
        let deadline = calendar.deadline(from: day, workingDays: deferredReplyWorkingDays)
        return (deadline.date, deadline.isProvisional || calendar.isProvisional(deadline.date))
    }

    /// A planned length typed on the command line (`--duration 90m`),
    /// with an example when it is out of range.
    public static func checkDuration(minutes: Int, into errors: inout [FieldError]) {
        if !plannedMinutesRange.contains(minutes) {
            errors.append(
                FieldError(
                    field: "duration", code: "out_of_range",
                    message:
                        "an interview lasts from \(DurationText.format(.seconds(plannedMinutesRange.lowerBound * 60))) to \(DurationText.format(.seconds(plannedMinutesRange.upperBound * 60))), for example --duration 90m"
                ))
        }
    }

    /// Whether an interview in `status` may be called off with `reason`:
    /// only before it goes live, and never without a reason (the public
    /// page shows it). Returns the reason trimmed.
    public static func checkCancellation(from status: InterviewStatus, reason: String) throws(InterviewCancellationRefusal) -> String {
        guard status.isCancellable else { throw .notCancellable(status) }
        var errors: [FieldError] = []
        let reason = TextRules.requiredText(reason, field: "reason", maxLength: cancellationReasonMaxLength, into: &errors)
        if !errors.isEmpty { throw .invalid(ValidationFailure(errors)) }
        return reason
    }

    /// The name shown with a question on air: the asker's nickname masked
    /// (张三 → 张*), or a neutral 网友 when they gave none.
    public static func publicNickname(_ nickname: String?) -> String {
        guard let nickname = nickname?.trimmingScalars(in: .whitespacesAndNewlines), !nickname.isEmpty else {
            return "网友"
        }
        return PersonalInformation.maskName(nickname)
    }
}

/// Why an interview cannot be called off.
public enum InterviewCancellationRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason is missing or too long.
    case invalid(ValidationFailure)
    /// It is live, over or already cancelled.
    case notCancellable(InterviewStatus)

    public var description: String {
        switch self {
        case .invalid(let failure):
            return failure.errors.map(\.message).joined(separator: "; ")
        case .notCancellable(let status):
            return "an interview that is \(status.rawValue) cannot be cancelled; only scheduled or open interviews can"
        }
    }
}

/// Where a deferred question stands against its reply deadline, as letters
/// do: answered on time or late, and overdue once the deadline has passed
/// without an answer. A question answered late stays overdue.
public struct DeferredReplyStatus: Sendable, Equatable {
    public var dueOn: CivilDate
    /// The day of the first answer after the interview (补录).
    public var answeredOn: CivilDate?

    public init(dueOn: CivilDate, answeredOn: CivilDate?) {
        self.dueOn = dueOn
        self.answeredOn = answeredOn
    }

    /// nil while unanswered.
    public var answeredOnTime: Bool? { answeredOn.map { $0 <= dueOn } }

    /// Unanswered after the deadline day, or answered after it.
    public func isOverdue(today: CivilDate) -> Bool {
        if let answeredOn { return answeredOn > dueOn }
        return today > dueOn
    }
}

/// Limits how often one client may do something (ask a question), over a
/// sliding window. Pure: the caller keeps the times.
public struct RateLimitPolicy: Sendable, Equatable {
    public var limit: Int
    public var window: TimeInterval

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait before the next attempt, or nil when allowed.
    public func retryAfter(previous: [Date], now: Date) -> Int? {
        retryAfter(recent: previous.filter { isRecent($0, now: now) }.sorted(), now: now)
    }

    /// `retryAfter(previous:now:)` for a caller that keeps the times in
    /// the window already, oldest first: no filtering or sorting per
    /// attempt, however high the limit.
    public func retryAfter<Times: RandomAccessCollection<Date>>(recent: Times, now: Date) -> Int? {
        guard recent.count >= limit else { return nil }
        let releasing = recent[recent.index(recent.endIndex, offsetBy: -limit)]
        return max(1, Int((window - now.timeIntervalSince(releasing)).rounded(.up)))
    }

    /// Whether an attempt at `time` still counts at `now`.
    public func isRecent(_ time: Date, now: Date) -> Bool {
        now.timeIntervalSince(time) < window
    }
}
