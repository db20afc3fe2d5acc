import Foundation
import WenzhengCore
import WenzhengStore

// The citizens' mailbox pages: one view per template. Every text a citizen
// or official wrote goes in as a plain value, which the template escapes.

/// The letter form (`/letters/new`), and the same form again with what was
/// typed and the problem when it was refused.
struct LetterFormView: PageView {
    static let template = "letters-new"

    struct TypeOption {
        let value: String
        /// "咨询（5 个工作日内答复）".
        let label: String
        let selected: Bool
    }

    /// What was typed.
    struct Fields {
        let subject: String
        let body: String
        let authorName: String
        let phone: String
        let email: String
        let mayPublish: Bool
        /// The same key for a form sent back with errors (nothing was
        /// stored under it), a fresh one for a new form.
        let idempotencyKey: String
    }

    let types: [TypeOption]
    let form: Fields
    /// Why the form is back: too many letters, a reused key, or fields to fix.
    let error: String?
    /// The fields to fix: a list under `error`, and a message by each field.
    let errors: FormErrors?
    let hasErrors: Bool
    let maxFiles: Int
    let maxFileMB: Int
    let identityProofRequired: Bool
    /// A browser never fills a file input again: say so.
    let chooseFilesAgain: Bool
    let subjectMax = LetterRules.subjectMaxLength
    let bodyMax = LetterRules.bodyMaxLength
    let nameMax = LetterRules.nameMaxLength
    let contactMax = LetterRules.contactMaxLength
}

/// What the citizen gets after sending a letter: the number and, once, the
/// query password; or the letter already received for a repeated key.
struct LetterReceiptView: PageView {
    static let template = "letters-receipt"

    let created: Bool
    let number: String
    /// Only when the letter was created by this request.
    let password: String?
    let typeName: String
    let receivedOn: CivilDate
    /// Nil while the clock is stopped.
    let dueOn: CivilDate?
    let provisional: Bool
    /// "答复期限为 15 个工作日。"
    let periodText: String
    let deadlineURL: String

    init(_ receipt: LetterActions.Receipt, text: PageText) {
        let letter = receipt.letter
        created = receipt.created
        number = letter.number
        password = receipt.password
        typeName = text.letterType(letter.type)
        receivedOn = letter.receivedOn
        dueOn = letter.dueOn
        provisional = letter.dueProvisional
        periodText = text.period(letter.policyDays)
        deadlineURL = "/letters/deadline?from=\(letter.receivedOn)&days=\(letter.policyDays)"
    }
}

/// The form that opens a letter with its number and query password, again
/// with the reason when it was refused.
struct LetterQueryView: PageView {
    static let template = "letters-query"

    let number: String
    let error: String?
}

/// The citizen's own letter: state, dates, the steps they may see, every
/// reply, and the rating and follow-up forms when they apply. The forms
/// carry the number and password as hidden fields (the page is never
/// cached), and each post checks them again.
struct CitizenLetterView: PageView {
    static let template = "letters-letter"

    struct Reply {
        let body: String
        let repliedOn: CivilDate
        let department: String
        let isFollowUp: Bool
    }

    struct File {
        let id: Int64
        let name: String
        let size: String
    }

    struct RatingOption {
        let value: String
        let name: String
    }

    struct Step {
        let kind: String
        let label: String
        let time: String
        let note: String?
    }

    let number: String
    /// Normalized, for the hidden fields of the page's forms.
    let password: String
    let typeName: String
    let subject: String
    let body: String
    let state: String
    let stateName: String
    let receivedOn: CivilDate
    /// 受理日期.
    let acceptedOn: CivilDate?
    let periodText: String
    let dueOn: CivilDate?
    let provisional: Bool
    let paused: Bool
    /// `LetterWorkflow.isOverdue`, as the office sees it.
    let overdue: Bool
    let transferredTo: String?
    let rejectionReason: String?
    /// Every reply sent (the first is kept when a follow-up is answered).
    let replies: [Reply]
    let hasReplies: Bool
    let ratingName: String?
    let canRate: Bool
    let canFollowUp: Bool
    let followUpText: String?
    let ratings: [RatingOption]
    let followUpMax = LetterRules.bodyMaxLength
    let deadlineURL: String
    /// The shown due date moved from the plain count: an extension, a
    /// stopped clock or a follow-up.
    let adjusted: Bool
    let timeline: [Step]
    let ownFiles: [File]
    let hasOwnFiles: Bool
    let replyFiles: [File]
    let hasReplyFiles: Bool
    let notice: String?
    let error: String?
    /// The follow-up typed before it was refused.
    let draftFollowUp: String

    /// - Parameters:
    ///   - explanation: how the current period is counted, from
    ///     `periodStart` (receipt, or the follow-up).
    init(
        _ letter: LetterView, password: String, timeline: [LetterEventView], files: [LetterAttachmentView],
        explanation: DeadlineExplanation, periodStart: CivilDate, today: CivilDate, text: PageText, notice: String? = nil,
        error: String? = nil, draftFollowUp: String = ""
    ) {
        number = letter.number
        self.password = password
        typeName = text.letterType(letter.type)
        subject = letter.subject
        body = letter.body
        state = letter.state.rawValue
        stateName = text("letters.states.\(letter.state.rawValue)")
        receivedOn = letter.receivedOn
        acceptedOn = letter.acceptedOn
        periodText = text.period(letter.policyDays)
        dueOn = letter.dueOn
        provisional = letter.dueProvisional
        paused = letter.clockPaused
        overdue = LetterWorkflow.isOverdue(state: letter.state, dueOn: letter.dueOn, marked: letter.overdue, today: today)
        transferredTo = letter.state == .transferred ? letter.transferredTo : nil
        rejectionReason = letter.state == .rejected ? letter.triageReason.map { text("letters.reasons.\($0.rawValue)") } : nil
        replies = letter.replies.map {
            Reply(body: $0.body, repliedOn: $0.repliedOn, department: $0.department.name, isFollowUp: $0.round > 1)
        }
        hasReplies = !letter.replies.isEmpty
        ratingName = letter.rating.map { text("letters.ratings.\($0.rawValue)") }
        canRate = letter.canRate
        canFollowUp = letter.canFollowUp
        followUpText = letter.followUpText
        ratings = ReplyRating.allCases.map { RatingOption(value: $0.rawValue, name: text("letters.ratings.\($0.rawValue)")) }
        deadlineURL = "/letters/deadline?from=\(periodStart)&days=\(letter.policyDays)"
        adjusted = letter.dueOn != explanation.deadline.date
        self.timeline = timeline.map { event in
            var note = event.citizenNote
            if event.kind == .rated, let rating = note.flatMap(ReplyRating.init(rawValue:)) {
                note = text("letters.ratings.\(rating.rawValue)")
            }
            if event.kind == .rejected, let reason = letter.triageReason { note = text("letters.reasons.\(reason.rawValue)") }
            return Step(
                kind: event.kind.rawValue, label: text("letters.events.\(event.kind.rawValue)"), time: OfficeTime.minute(event.recordedAt),
                note: note.flatMap { $0.isEmpty ? nil : $0 })
        }
        func rows(_ files: [LetterAttachmentView]) -> [File] {
            files.map { File(id: $0.id, name: $0.displayName, size: text.fileSize($0.byteCount)) }
        }
        ownFiles = rows(files.filter { $0.role != .reply })
        hasOwnFiles = !ownFiles.isEmpty
        replyFiles = rows(files.filter { $0.role == .reply })
        hasReplyFiles = !replyFiles.isEmpty
        self.notice = notice
        self.error = error
        self.draftFollowUp = draftFollowUp
    }
}

/// The published letters, newest first, or those a search found.
struct PublishedLettersView: PageView {
    static let template = "letters-list"

    /// One line of the list.
    struct Summary {
        let url: String
        let subject: String
        let typeName: String
        let department: String
        let receivedOn: CivilDate
        let acceptedOn: CivilDate?
        let repliedOn: CivilDate
        /// The first 120 characters, on one line.
        let excerpt: String

        init(_ letter: PublishedLetter, text: PageText) {
            url = "/letters/\(letter.id)"
            subject = letter.subject
            typeName = text.letterType(letter.type)
            department = letter.replyDepartment
            receivedOn = letter.receivedOn
            acceptedOn = letter.acceptedOn
            repliedOn = letter.repliedOn
            let line = letter.body.split(whereSeparator: \.isNewline).joined(separator: " ")
            excerpt = line.count > 120 ? String(line.prefix(120)) + "…" : line
        }
    }

    /// The search as typed.
    let query: String
    let letters: [Summary]
    let empty: Bool
    let isSearch: Bool
    let previousURL: String?
    let nextURL: String?
    /// "找到 12 封".
    let found: String?
    let error: String?

    init(_ page: LetterActions.PublishedPage, query: String, text: PageText) {
        self.query = query
        letters = page.letters.map { Summary($0, text: text) }
        empty = page.letters.isEmpty
        isSearch = page.query != nil
        let queryPart = page.query.map { "q=" + PageRenderer.percentEncode($0) + "&" } ?? ""
        previousURL = page.page > 1 ? "/letters?\(queryPart)page=\(page.page - 1)" : nil
        nextURL = page.hasMore ? "/letters?\(queryPart)page=\(page.page + 1)" : nil
        found = page.total.map { text.format(page.moreThanTotal ? "letters.list.foundMore" : "letters.list.found", ["n": String($0)]) }
        error = nil
    }

    /// The search refused (a page or a query that cannot be used).
    init(query: String, error: String) {
        self.query = query
        letters = []
        empty = false
        isSearch = false
        previousURL = nil
        nextURL = nil
        found = nil
        self.error = error
    }
}

/// One published letter: the masked text, 来信日期, 受理日期, and every reply
/// with its 答复日期 and 答复部门 (a withdrawn one says so, without its text).
struct PublishedLetterView: PageView {
    static let template = "letters-published"

    struct Reply {
        let body: String
        let repliedOn: CivilDate
        let department: String
        let isFollowUp: Bool
        let withdrawn: Bool
    }

    let typeName: String
    let subject: String
    let body: String
    let receivedOn: CivilDate
    let acceptedOn: CivilDate?
    let repliedOn: CivilDate
    let department: String
    let replies: [Reply]
    let deadlineURL: String

    init(_ letter: PublishedLetter, text: PageText) {
        typeName = text.letterType(letter.type)
        subject = letter.subject
        body = letter.body
        receivedOn = letter.receivedOn
        acceptedOn = letter.acceptedOn
        repliedOn = letter.repliedOn
        department = letter.replyDepartment
        replies = letter.replies.map {
            Reply(body: $0.body, repliedOn: $0.repliedOn, department: $0.department, isFollowUp: $0.round > 1, withdrawn: $0.withdrawn)
        }
        deadlineURL = "/letters/\(letter.id)/deadline"
    }
}

/// What the public sees of a letter the office withdrew: that it was
/// withdrawn, without its text or the reason (410).
struct LetterWithdrawnView: PageView {
    static let template = "letters-withdrawn"
}

/// How a reply period is counted, day by day: for a published letter, or
/// any receipt date and period typed in the form.
struct LetterDeadlineView: PageView {
    static let template = "letters-deadline"

    /// The published letter the count is for.
    struct Letter {
        let typeName: String
        let subject: String
        let url: String
    }

    struct Form {
        let from: String
        let days: String
    }

    struct Day {
        let date: CivilDate
        let weekday: String
        let counted: Bool
        /// The working day's number in the count.
        let number: Int?
        let reason: String
        let isDeadline: Bool
    }

    /// The count itself.
    struct Count {
        let receivedOn: CivilDate
        let receivedWeekday: String
        let periodText: String
        let deadline: CivilDate
        let deadlineWeekday: String
        let provisional: Bool
        let provisionalBecause: String
        let days: [Day]

        init(_ explanation: DeadlineExplanation, text: PageText) {
            let deadline = explanation.deadline
            receivedOn = deadline.received
            receivedWeekday = text.weekdayInParens(deadline.received)
            periodText = text.format("letters.deadline.summaryDays", ["n": String(deadline.workingDays)])
            self.deadline = deadline.date
            deadlineWeekday = text.weekdayInParens(deadline.date)
            provisional = deadline.isProvisional
            provisionalBecause = text.format(
                "letters.deadline.provisionalBecause",
                ["years": deadline.yearsWithoutData.map(String.init).joined(separator: text("letters.listSeparator"))])
            days = explanation.days.map { day in
                var reason = text("letters.deadline.reasons.\(day.reason.code)")
                if let holiday = day.reason.holidayName {
                    reason = text.format("letters.deadline.reasonWithHoliday", ["reason": reason, "holiday": holiday])
                }
                return Day(
                    date: day.date, weekday: text.weekday(day.date), counted: day.counts, number: day.workingDayNumber, reason: reason,
                    isDeadline: day.date == deadline.date)
            }
        }
    }

    var letter: Letter? = nil
    /// The form, on `/letters/deadline` only.
    var form: Form? = nil
    var error: String? = nil
    var count: Count? = nil
}

/// The monthly figures of a year: letters received, replies sent and on time.
struct LetterStatisticsView: PageView {
    static let template = "letters-statistics"

    struct Row {
        let month: String
        let received: Int
        let replied: Int
        let repliedOnTime: Int
        /// "93%", or "—" without replies.
        let onTimeRate: String

        init(month: String, received: Int, replied: Int, repliedOnTime: Int) {
            self.month = month
            self.received = received
            self.replied = replied
            self.repliedOnTime = repliedOnTime
            onTimeRate = replied == 0 ? "—" : String(format: "%.0f%%", Double(repliedOnTime) * 100 / Double(replied))
        }
    }

    struct Table {
        let months: [Row]
        let totals: Row
    }

    /// The year shown, or as typed when it was refused.
    let year: String
    var previousURL: String? = nil
    var previousYear: Int? = nil
    var nextURL: String? = nil
    var nextYear: Int? = nil
    var error: String? = nil
    var table: Table? = nil

    init(year: Int, months: [MonthlyLetterStatistics], text: PageText) {
        self.year = String(year)
        if year > LetterActions.yearRange.lowerBound {
            previousURL = "/letters/statistics?year=\(year - 1)"
            previousYear = year - 1
        }
        if year < LetterActions.yearRange.upperBound {
            nextURL = "/letters/statistics?year=\(year + 1)"
            nextYear = year + 1
        }
        table = Table(
            months: months.map {
                Row(month: text("letters.months.\($0.month)"), received: $0.received, replied: $0.replied, repliedOnTime: $0.repliedOnTime)
            },
            totals: Row(
                month: text("letters.statistics.total"), received: months.map(\.received).reduce(0, +),
                replied: months.map(\.replied).reduce(0, +), repliedOnTime: months.map(\.repliedOnTime).reduce(0, +)))
    }

    /// The year refused, as typed.
    init(rawYear: String, error: String) {
        year = rawYear
        self.error = error
    }
}

extension LetterEventView {
    /// The note a citizen may read on this step (`LetterEventKind.showsNoteToCitizen`).
    var citizenNote: String? { kind.showsNoteToCitizen ? note : nil }
}

/// The citizens' pages' strings.
extension PageText {
    func letterType(_ type: LetterType) -> String { self("letters.types.\(type.rawValue)") }

    /// "答复期限为 15 个工作日。"
    func period(_ workingDays: Int) -> String { format("letters.receipt.period", ["n": String(workingDays)]) }

    func weekday(_ date: CivilDate) -> String { self("letters.weekdays.\(date.isoWeekday)") }

    /// "（周三）" or " (Wed)", to follow a date.
    func weekdayInParens(_ date: CivilDate) -> String { format("letters.deadline.weekdayInParens", ["weekday": weekday(date)]) }

    /// A problem's field errors in the citizens' words, one after another.
    func letterErrors(_ problem: Problem) -> String {
        (problem.errors ?? []).map { fieldMessage($0, prefix: "letters") }.joined(separator: "；")
    }

    /// "1.4 MB", "320 KB": a file's size as people read it.
    func fileSize(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024 { return String(format: "%.1f MB", Double(bytes) / (1024 * 1024)) }
        return "\(max(1, (bytes + 1023) / 1024)) KB"
    }
}
