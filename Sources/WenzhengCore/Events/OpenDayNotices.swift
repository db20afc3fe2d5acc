import Foundation

/// A notice to one registered visitor: what the outbox stores and the
/// notifier sends (or only logs, when the visitor left no e-mail).
public struct OpenDayNotice: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case rescheduled = "open_day.rescheduled"
        case cancelled = "open_day.cancelled"
        /// A waitlisted party was given seats.
        case promoted = "registration.promoted"
    }

    public var kind: Kind
    /// One line, no control characters.
    public var subject: String
    public var body: String
}

/// The wording of every notice an open day sends, in one place: Chinese
/// first, then the same facts in English, times in Beijing time as
/// `2027-05-20 09:30`.
///
/// The visitor is not named and the phone never appears: a notice without
/// an e-mail address is only written to the server's log, which is no place
/// for personal data. For the same reason the confirmation code, the bearer
/// secret for cancelling, goes into a promotion notice only when it will be
/// e-mailed to the registrant (`code` non-nil).
public enum OpenDayNotices {
    /// `2027-05-20 09:30`, Beijing time.
    public static func time(_ instant: Date) -> String {
        let time = OfficeDateTime(instant)
        return "\(time.date) \(time.hourMinute)"
    }

    /// The open day moved from `previousStart` to its current start.
    public static func rescheduled(_ openDay: OpenDay, previousStart: Date) -> OpenDayNotice {
        let title = oneLine(openDay.title)
        let location = oneLine(openDay.location)
        let when = time(openDay.start)
        let before = time(previousStart)
        let body = """
            您好：

            您报名参加的开放日“\(title)”时间有调整。
            新的时间：\(when)（北京时间），约 \(openDay.durationMinutes) 分钟
            原定时间：\(before)（北京时间）
            地点：\(location)

            您的报名继续有效，无需重新报名。如不能参加，请用确认码取消报名，把名额留给候补的访客。

            —
            Open day rescheduled: "\(title)" now starts at \(when) Beijing time (was \(before)), at \(location). \
            Your registration stays valid. If you cannot come, please cancel it with your confirmation code.

            """
        return OpenDayNotice(kind: .rescheduled, subject: "开放日时间调整 / Open day rescheduled：\(title)", body: body)
    }

    /// The open day was called off; its reason is `cancellationReason`.
    public static func cancelled(_ openDay: OpenDay) -> OpenDayNotice {
        let title = oneLine(openDay.title)
        let location = oneLine(openDay.location)
        let when = time(openDay.start)
        let reason = openDay.cancellationReason ?? "—"
        let body = """
            您好：

            很抱歉，原定于 \(when)（北京时间）在 \(location) 举行的开放日“\(title)”已取消。
            取消原因：\(reason)

            您的报名随之失效，无需再做任何操作。

            —
            Open day cancelled: "\(title)" on \(when) Beijing time at \(location) will not take place. Reason: \(reason). \
            Your registration lapses; there is nothing you need to do.

            """
        return OpenDayNotice(kind: .cancelled, subject: "开放日取消 / Open day cancelled：\(title)", body: body)
    }

    /// A waitlisted party of `partySize` now has seats. `code` is shown
    /// only when the notice is e-mailed to the registrant.
    public static func promoted(_ openDay: OpenDay, partySize: Int, code: ConfirmationCode?) -> OpenDayNotice {
        let title = oneLine(openDay.title)
        let location = oneLine(openDay.location)
        let when = time(openDay.start)
        let codeLine = code.map { "确认码：\($0)\n" } ?? ""
        let codeSentence = code.map { " Confirmation code: \($0)." } ?? ""
        let body = """
            您好：

            有访客取消了报名，您在候补名单上的报名（\(partySize) 人）现已获得座位。
            活动：\(title)
            时间：\(when)（北京时间），约 \(openDay.durationMinutes) 分钟
            地点：\(location)
            \(codeLine)
            请当天凭确认码入场。如不能参加，请用确认码取消报名。

            —
            A seat has been freed: your waitlisted registration (\(partySize) \(partySize == 1 ? "person" : "people")) for "\(title)" \
            on \(when) Beijing time at \(location) now has seats.\(codeSentence) Show your confirmation code at the door; \
            cancel with it if you cannot come.

            """
        return OpenDayNotice(kind: .promoted, subject: "开放日候补转正 / Open day seat confirmed：\(title)", body: body)
    }

    /// Line breaks and other control characters become one space: a title
    /// goes into a mail subject line.
    static func oneLine(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isBreak =
                scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" || scalar == "\u{85}"
            if isBreak {
                if !lastWasSpace { result.append(" ") }
                lastWasSpace = true
            } else {
                result.append(scalar)
                lastWasSpace = scalar == " "
            }
        }
        return String(result).trimmingCharacters(in: .whitespaces)
    }
}
