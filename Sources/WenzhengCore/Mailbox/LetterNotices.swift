import Foundation

/// Where notices about letters point: the site's public address
/// (`wenzheng serve --base-url`, `WENZHENG_BASE_URL`).
public struct LetterNoticeLinks: Sendable, Equatable {
    /// Ends with `/`.
    public let base: String

    /// `http://127.0.0.1:8080/`: what a server started without
    /// `--base-url` is reached at on its own machine.
    public static let localDefault = LetterNoticeLinks(validBase: "http://127.0.0.1:8080/")

    private init(validBase: String) { base = validBase }

    /// An `http` or `https` address with a host, without query or fragment;
    /// nil for anything else.
    public init?(base text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil, components.user == nil, components.password == nil,
            !trimmed.contains(where: { $0.isWhitespace || $0.isNewline }), trimmed.count <= Self.maxLength
        else { return nil }
        base = trimmed.hasSuffix("/") ? trimmed : trimmed + "/"
    }

    /// Long enough for any real site; short enough that a digest of
    /// `LetterNotices.digestListLimit` links stays within a notice's size.
    public static let maxLength = 200

    /// The office's page of one letter (staff sign in to open it).
    public func officeLetter(id: Int64) -> String { base + "office/letters/\(id)" }

    /// The office's dashboard, with every deadline list.
    public var officeDashboard: String { base + "office/dashboard" }

    /// The citizen's query page with the number filled in; the password is
    /// asked there, never carried in a link.
    public func query(number: String) -> String {
        // Letter numbers are digits and `-`; anything else is escaped.
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let number = number.addingPercentEncoding(withAllowedCharacters: unreserved) ?? number
        return base + "letters/query?number=\(number)"
    }
}

/// A notice's words: subject line and body.
public struct LetterNoticeText: Sendable, Equatable {
    public var kind: Kind
    /// One line, no control characters.
    public var subject: String
    public var body: String

    public enum Kind: String, Sendable, CaseIterable {
        /// A letter arrived and waits for triage (to the triaging department).
        case received = "letter.received"
        /// A letter was given to a department, as lead or co-handler.
        case assigned = "letter.assigned"
        /// The citizen's follow-up sent the letter back to its lead department.
        case reopened = "letter.reopened"
        /// The reply went out (to the citizen).
        case replied = "letter.replied"
        /// The daily list of a department's letters due soon or overdue.
        case digest = "letter.digest"
    }
}

/// One row of a department's daily digest.
public struct LetterDigestEntry: Sendable, Equatable {
    public var letterID: Int64
    public var number: String
    public var type: LetterType
    public var dueOn: CivilDate
    public var overdue: Bool
    /// The department's share as a co-handler (its own due date).
    public var coHandling: Bool

    public init(letterID: Int64, number: String, type: LetterType, dueOn: CivilDate, overdue: Bool, coHandling: Bool = false) {
        self.letterID = letterID
        self.number = number
        self.type = type
        self.dueOn = dueOn
        self.overdue = overdue
        self.coHandling = coHandling
    }
}

/// Who is told what about letters, and in which words (docs/notifications.md,
/// "Letters"). Chinese first, then the same facts in English.
///
/// A notice carries the letter's number, its type and a link, never the
/// subject, the text, the citizen's name or contact details, nor the
/// reply: the subject and text are written by the citizen and can hold
/// anything (names, addresses, illnesses), and e-mail crosses systems the
/// office does not run (a department's shared mailbox is read by several
/// people, may be forwarded, and the citizen's provider keeps copies).
/// The link leads to pages that check who is asking: the office's letter
/// page needs a staff sign-in, the query page the letter's password.
public enum LetterNotices {
    /// The period the digest looks ahead, as the office's "due soon" list.
    public static let digestWorkingDays = 2
    /// The most letters a digest lists one by one (the most urgent); the
    /// counts are of all, and the rest are on the office's dashboard. It
    /// keeps a digest within the outbox's 20,000 characters.
    public static let digestListLimit = 30

    /// `咨询`, `建议`… as the office's lists name the types.
    public static func typeName(_ type: LetterType) -> (zh: String, en: String) {
        switch type {
        case .consultation: ("咨询", "consultation")
        case .suggestion: ("建议", "suggestion")
        case .complaint: ("投诉", "complaint")
        case .informationDisclosure: ("依申请公开", "information disclosure request")
        }
    }

    /// To the triaging department: a letter arrived.
    public static func received(letterID: Int64, number: String, type: LetterType, links: LetterNoticeLinks) -> LetterNoticeText {
        let name = typeName(type)
        return LetterNoticeText(
            kind: .received,
            subject: "领导信箱：新来信 \(number) 待分办 / New letter \(number) to triage",
            body: """
                领导信箱收到新来信，请及时分办。

                信件编号：\(number)
                类型：\(name.zh)
                办理页面：\(links.officeLetter(id: letterID))

                A new letter arrived in the leader's mailbox and waits for triage.
                Number: \(number)
                Type: \(name.en)
                Page: \(links.officeLetter(id: letterID))
                """)
    }

    /// To a department the letter was just given to.
    public static func assigned(
        letterID: Int64, number: String, type: LetterType, dueOn: CivilDate?, coHandling: Bool, links: LetterNoticeLinks
    ) -> LetterNoticeText {
        let name = typeName(type)
        let roleZH = coHandling ? "协办" : "主办"
        let roleEN = coHandling ? "co-handling" : "lead"
        let dueZH = dueOn.map { "办理期限：\($0)\n" } ?? ""
        let dueEN = dueOn.map { "Due: \($0)\n" } ?? ""
        return LetterNoticeText(
            kind: .assigned,
            subject: "领导信箱：来信 \(number) 已交本部门\(roleZH) / Letter \(number) assigned (\(roleEN))",
            body: """
                领导信箱来信已交本部门\(roleZH)，请登录办理。

                信件编号：\(number)
                类型：\(name.zh)
                \(dueZH)办理页面：\(links.officeLetter(id: letterID))

                A letter from the leader's mailbox was assigned to your department (\(roleEN)).
                Number: \(number)
                Type: \(name.en)
                \(dueEN)Page: \(links.officeLetter(id: letterID))
                """)
    }

    /// To the lead department: the citizen was not satisfied and followed up.
    public static func reopened(letterID: Int64, number: String, type: LetterType, dueOn: CivilDate?, links: LetterNoticeLinks)
        -> LetterNoticeText
    {
        let name = typeName(type)
        let dueZH = dueOn.map { "办理期限：\($0)\n" } ?? ""
        let dueEN = dueOn.map { "Due: \($0)\n" } ?? ""
        return LetterNoticeText(
            kind: .reopened,
            subject: "领导信箱：来信 \(number) 有追问 / Follow-up on letter \(number)",
            body: """
                来信人对答复追问，信件已退回本部门办理。

                信件编号：\(number)
                类型：\(name.zh)
                \(dueZH)办理页面：\(links.officeLetter(id: letterID))

                The citizen followed up on the reply; the letter is back with your department.
                Number: \(number)
                Type: \(name.en)
                \(dueEN)Page: \(links.officeLetter(id: letterID))
                """)
    }

    /// To the citizen: the letter was answered. No reply text: the
    /// citizen reads it on the query page with the letter's password.
    public static func replied(number: String, links: LetterNoticeLinks) -> LetterNoticeText {
        LetterNoticeText(
            kind: .replied,
            subject: "您的来信 \(number) 已答复 / Your letter \(number) was answered",
            body: """
                您好！您写给领导信箱的来信已有答复。

                信件编号：\(number)
                请在以下页面输入信件编号和查询密码查看答复：
                \(links.query(number: number))

                本邮件由系统自动发送，请勿回复。

                Your letter to the leader's mailbox was answered.
                Number: \(number)
                Read the reply with the letter's number and query password at:
                \(links.query(number: number))

                This message was sent automatically; please do not reply.
                """)
    }

    /// The rows a digest lists: open letters overdue or due within
    /// `digestWorkingDays` working days of `today` (the office calendar),
    /// overdue first, then by due date and number. A letter whose clock
    /// stands still has no due date and is left out.
    public static func digestEntries(
        _ candidates: [LetterDigestEntry], today: CivilDate, calendar: any WorkingDayCalendar
    ) -> [LetterDigestEntry] {
        let horizon = calendar.adding(workingDays: digestWorkingDays, to: today)
        return
            candidates
            .filter { $0.overdue || $0.dueOn <= horizon }
            .sorted { ($0.overdue ? 0 : 1, $0.dueOn, $0.number) < ($1.overdue ? 0 : 1, $1.dueOn, $1.number) }
    }

    /// The digest for one department and office day; nil when there is
    /// nothing to list (no mail on a quiet day).
    public static func digest(department: String, day: CivilDate, entries: [LetterDigestEntry], links: LetterNoticeLinks)
        -> LetterNoticeText?
    {
        guard !entries.isEmpty else { return nil }
        let overdueCount = entries.filter(\.overdue).count
        let dueSoonCount = entries.count - overdueCount
        let listed = entries.prefix(digestListLimit)
        let overdue = listed.filter(\.overdue)
        let dueSoon = listed.filter { !$0.overdue }
        let unlisted = entries.count - listed.count
        func lines(_ rows: some Collection<LetterDigestEntry>, zh: Bool) -> String {
            rows.map { row in
                let name = typeName(row.type)
                let share = row.coHandling ? (zh ? "（协办）" : " (co-handling)") : ""
                return zh
                    ? "- \(row.number) \(name.zh)\(share) 期限 \(row.dueOn)\n  \(links.officeLetter(id: row.letterID))"
                    : "- \(row.number) \(name.en)\(share), due \(row.dueOn)\n  \(links.officeLetter(id: row.letterID))"
            }.joined(separator: "\n")
        }
        var zh = "\(department) \(day) 领导信箱办理提醒\n\n"
        zh += "已超期：\(overdueCount) 件；\(digestWorkingDays) 个工作日内到期：\(dueSoonCount) 件。\n"
        if !overdue.isEmpty { zh += "\n已超期：\n" + lines(overdue, zh: true) + "\n" }
        if !dueSoon.isEmpty { zh += "\n即将到期：\n" + lines(dueSoon, zh: true) + "\n" }
        if unlisted > 0 { zh += "\n另有 \(unlisted) 件未列出，请见：\(links.officeDashboard)\n" }
        var en = "Leader's mailbox, \(day): \(overdueCount) overdue, \(dueSoonCount) due within \(digestWorkingDays) working days.\n"
        if !overdue.isEmpty { en += "\nOverdue:\n" + lines(overdue, zh: false) + "\n" }
        if !dueSoon.isEmpty { en += "\nDue soon:\n" + lines(dueSoon, zh: false) + "\n" }
        if unlisted > 0 { en += "\n\(unlisted) more not listed: \(links.officeDashboard)\n" }
        return LetterNoticeText(
            kind: .digest,
            subject: "领导信箱 \(day)：超期 \(overdueCount) 件，即将到期 \(dueSoonCount) 件 / Letters due: \(day)",
            body: zh + "\n" + en)
    }
}

/// When the daily digest is made: at a time of day in the office's time
/// zone (`wenzheng serve --digest-time 08:30`), on working days.
public struct LetterDigestSchedule: Sendable, Equatable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int

    public static let standard = LetterDigestSchedule(hour: 8, minute: 30)

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// `08:30` or `8:30`; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var description: String { OfficeDateTime(date: CivilDate(year: 2000, month: 1, day: 1), hour: hour, minute: minute).hourMinute }

    /// The office day whose digest is due at `now`: today once its time has
    /// come, if today is a working day; nil before the time and on days off.
    /// A server that was down at the time makes the day's digest when it
    /// starts later that day; a day it was down for entirely gets none (the
    /// next day's digest lists the same letters).
    public func dueDay(at now: Date, calendar: any WorkingDayCalendar) -> CivilDate? {
        let office = OfficeDateTime(now)
        guard calendar.isWorkingDay(office.date), (office.hour, office.minute) >= (hour, minute) else { return nil }
        return office.date
    }
}
