import Foundation
import WenzhengCore
import WenzhengStore

/// An interview as lists and headings show it.
struct InterviewSummary {
    let id: Int64
    let title: String
    let status: String
    let statusName: String
    let start: String
    let minutes: Int
    /// 嘉宾: each guest's title and name.
    let guestNames: String?

    init(_ interview: Interview, text: PageText) {
        id = interview.id
        title = interview.title
        status = interview.status.rawValue
        statusName = text("interviews.statuses.\(interview.status.rawValue)")
        start = OfficeTime.minute(interview.scheduledStart)
        minutes = interview.plannedMinutes
        let names = interview.guests.map { $0.title.isEmpty ? $0.name : "\($0.title) \($0.name)" }.joined(separator: "、")
        guestNames = names.isEmpty ? nil : names
    }
}

/// Links to the entries before and after a transcript page.
enum TranscriptLinks {
    static func earlier(_ page: TranscriptPage, base: String, anchor: String) -> String? {
        page.hasEarlier ? page.entries.first.map { "\(base)?before=\($0.seq)\(anchor)" } : nil
    }

    static func later(_ page: TranscriptPage, base: String, anchor: String) -> String? {
        page.hasLater ? page.entries.last.map { "\(base)?after=\($0.seq)\(anchor)" } : nil
    }
}

/// The public list of interviews (`interviews`): upcoming and past. A
/// cancelled interview stays where it was announced, marked cancelled,
/// until its planned start, then moves to the past ones.
struct InterviewsView: PageView {
    static let template = "interviews"

    let upcoming: [InterviewSummary]
    let past: [InterviewSummary]
    let noUpcoming: Bool
    let noPast: Bool

    init(_ interviews: [Interview], now: Date, text: PageText) {
        func isUpcoming(_ interview: Interview) -> Bool {
            switch interview.status {
            case .open, .live: true
            case .cancelled: interview.scheduledStart > now
            case .scheduled, .ended, .published: false
            }
        }
        upcoming = interviews.filter(isUpcoming).reversed().map { InterviewSummary($0, text: text) }
        past = interviews.filter { !isUpcoming($0) && $0.status != .scheduled }.map { InterviewSummary($0, text: text) }
        noUpcoming = upcoming.isEmpty
        noPast = past.isEmpty
    }
}

/// An interview's public page (`interview`): the announcement, the
/// transcript (live or archived), the question form and the questions.
struct InterviewPageView: PageView {
    static let template = "interview"

    struct Guest {
        let name: String
        let title: String
        let department: String?
    }

    /// A transcript entry as the public reads it.
    struct Entry {
        let id: Int64
        let seq: Int64
        let kind: String
        let author: String
        let authorTitle: String?
        let body: String
        let isSystem: Bool
        let time: String
        let late: Bool
        let corrected: Bool
        let withdrawn: Bool
        /// 补录: 受理日期 (the question's), 答复日期 and 答复部门.
        let receivedOn: String?
        let answeredOn: String
        let department: String?

        init(_ entry: TranscriptEntry, receivedOn: String?, text: PageText) {
            id = entry.id
            seq = entry.seq
            kind = entry.kind.rawValue
            author = entry.author
            authorTitle = entry.authorTitle
            isSystem = entry.kind == .system
            body = isSystem ? text("interviews.system.\(entry.body)") : entry.body
            time = OfficeTime.minute(entry.createdAt)
            late = entry.late
            corrected = entry.version > 1
            withdrawn = entry.withdrawn
            self.receivedOn = receivedOn
            answeredOn = CivilDate(entry.createdAt).description
            department = entry.department
        }
    }

    struct Question {
        let id: Int64
        let text: String
        let nickname: String
        let votes: Int
        let stateName: String
        let votable: Bool
        /// The vote button's accessible name: which question, and how many
        /// votes it has ("支持 0" alone says neither).
        let voteLabel: String
    }

    /// The first characters of a question, for naming its vote button.
    static func excerpt(_ text: String, limit: Int = 30) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit)) + "…"
    }

    struct DeferredQuestion {
        let text: String
        let nickname: String
        let due: String?
    }

    /// One of the archive's transcript downloads.
    struct Download {
        let url: String
        let fileName: String
        let label: String
        let format: String
    }

    /// What the reader typed, shown again when the form is refused.
    struct AskForm {
        var text = ""
        var nickname = ""
        var contact = ""
    }

    let id: Int64
    let title: String
    /// The status, start and planned length, as the lists show them.
    let heading: InterviewSummary
    let host: String?
    let guests: [Guest]
    let summaryText: String?
    /// Why it was called off, when it was (status `cancelled`).
    let cancellationReason: String?
    let showTranscript: Bool
    let isLive: Bool
    /// Only the newest page follows the live stream.
    let followsLive: Bool
    let lastSeq: Int64
    let entries: [Entry]
    let noEntries: Bool
    let earlierURL: String?
    let laterURL: String?
    let acceptsQuestions: Bool
    let questions: [Question]
    let noQuestions: Bool
    let deferred: [DeferredQuestion]
    let hasDeferred: Bool
    /// The transcript in four formats, once the interview has ended (the
    /// archive); empty before.
    let downloads: [Download]
    let hasDownloads: Bool
    let maxQuestion = InterviewRules.questionMaxLength
    /// The question was received (`?asked=1`).
    var asked = false
    var form = AskForm()
    /// Why the question was refused.
    var error: String?
    /// Why a vote was refused.
    var voteError: String?

    init(_ interview: Interview, transcript: TranscriptPage, questions: [PublicQuestion], text: PageText) {
        id = interview.id
        title = interview.title
        heading = InterviewSummary(interview, text: text)
        host = interview.host
        guests = interview.guests.map { Guest(name: $0.name, title: $0.title, department: $0.department.isEmpty ? nil : $0.department) }
        summaryText = interview.summary.isEmpty ? nil : interview.summary
        cancellationReason = interview.status == .cancelled ? interview.cancellationReason : nil
        showTranscript = [.live, .ended, .published].contains(interview.status)
        isLive = interview.status == .live
        followsLive = interview.status == .live && !transcript.hasLater
        lastSeq = interview.lastSeq
        let askedOn = Dictionary(questions.map { ($0.id, CivilDate($0.createdAt).description) }, uniquingKeysWith: { first, _ in first })
        entries = transcript.entries.map { entry in
            Entry(entry, receivedOn: entry.late ? entry.questionId.flatMap { askedOn[$0] } : nil, text: text)
        }
        noEntries = entries.isEmpty
        earlierURL = TranscriptLinks.earlier(transcript, base: "/interviews/\(interview.id)", anchor: "#transcript")
        laterURL = TranscriptLinks.later(transcript, base: "/interviews/\(interview.id)", anchor: "#transcript")
        acceptsQuestions = interview.status.acceptsQuestions
        self.questions = questions.filter { $0.state != .deferred }.map { question in
            Question(
                id: question.id, text: question.text, nickname: question.nickname, votes: question.votes,
                stateName: text("interviews.questionStates.\(question.state.rawValue)"),
                votable: question.state == .approved || question.state == .onAir,
                voteLabel: text.format(
                    "interviews.voteLabel", ["question": Self.excerpt(question.text), "votes": String(question.votes)]))
        }
        noQuestions = self.questions.isEmpty
        deferred = questions.filter { $0.state == .deferred }.map {
            DeferredQuestion(text: $0.text, nickname: $0.nickname, due: $0.replyDueOn)
        }
        hasDeferred = !deferred.isEmpty
        downloads =
            interview.status == .ended || interview.status == .published
            ? TranscriptFormat.allCases.map { format in
                Download(
                    url: "/interviews/\(interview.id)/transcript.\(format.fileExtension)",
                    fileName: TranscriptExport.fileName(interviewID: interview.id, format: format),
                    label: text("interviews.downloadFormats.\(format.rawValue)"), format: format.rawValue)
            } : []
        hasDownloads = !downloads.isEmpty
    }
}

/// The console where hosts and guests run an interview
/// (`interview-console`): status actions, the question queue, the compose
/// form, and the transcript newest first with corrections and (for admins)
/// withdrawals.
struct InterviewConsoleView: PageView {
    static let template = "interview-console"

    struct StatusAction {
        let value: String
        let name: String
    }

    struct Guest {
        let id: Int64
        let name: String
        let title: String
    }

    struct QueuedQuestion {
        let id: Int64
        let text: String
        let segments: [MarkedSegment]
        let nickname: String
        let votes: Int
        let onAir: Bool
    }

    /// A transcript entry as staff see it, with its forms.
    struct Entry {
        let id: Int64
        let seq: Int64
        let kind: String
        let author: String
        let time: String
        let corrected: Bool
        let withdrawn: Bool
        /// A withdrawn entry's text only for those who may read it.
        let showsText: Bool
        let body: String
        let withdrawnBy: String?
        let withdrawnAt: String?
        let withdrawalReason: String?
        let canCorrect: Bool
        let canUnpublish: Bool
        let canRepublish: Bool
        /// A refused withdrawal or republication form stays open, filled in.
        let formOpen: Bool
        let reasonValue: String
        let republishValue: String
    }

    /// A withdrawal or republication form that was refused: which entry,
    /// the text typed, and why.
    struct FailedEntryForm {
        enum Action { case unpublish, republish }
        let entryID: Int64
        let action: Action
        let text: String
    }

    let id: Int64
    let title: String
    let status: String
    let statusName: String
    let lastSeq: Int64
    let isLive: Bool
    let canOrganise: Bool
    let canRemark: Bool
    let canAnswer: Bool
    let canPutOnAir: Bool
    let nextStatuses: [StatusAction]
    let guests: [Guest]
    let byVotes: Bool
    let queue: [QueuedQuestion]
    let queueEmpty: Bool
    let entries: [Entry]
    /// Newest first: "earlier" pages down the list; a page that is not the
    /// newest does not take live entries.
    let followsLive: Bool
    let earlierURL: String?
    let laterURL: String?
    var notice: String?
    /// What masking changed in a correction or republication, by kind.
    var maskedNotice: String?
    var error: String?

    init(
        _ interview: Interview, queue: [StaffQuestion], byVotes: Bool, transcript: TranscriptPage, staff: AuthenticatedStaff,
        failed: FailedEntryForm?, text: PageText
    ) {
        id = interview.id
        title = interview.title
        status = interview.status.rawValue
        statusName = text("interviews.statuses.\(interview.status.rawValue)")
        lastSeq = interview.lastSeq
        isLive = interview.status == .live
        canOrganise = InterviewActions.organisers.contains(staff.role)
        canRemark = staff.role == .host || staff.role == .admin
        canAnswer = InterviewActions.onAir.contains(staff.role)
        canPutOnAir = staff.role == .host || staff.role == .admin
        nextStatuses = interview.status.next.sorted { $0.rawValue < $1.rawValue }.map {
            StatusAction(value: $0.rawValue, name: text("interviews.actions.\($0.rawValue)"))
        }
        guests = interview.guests.map { Guest(id: $0.id ?? 0, name: $0.name, title: $0.title) }
        self.byVotes = byVotes
        self.queue = queue.map { question in
            QueuedQuestion(
                id: question.id, text: question.text,
                segments: MarkedSegment.segments(question.text, masked: question.maskedSpans, text: text),
                nickname: InterviewRules.publicNickname(question.nickname), votes: question.votes, onAir: question.state == .onAir)
        }
        queueEmpty = queue.isEmpty
        let canWithdraw = InterviewActions.withdrawers.contains(staff.role)
        entries = transcript.entries.reversed().map { entry in
            let system = entry.kind == .system
            let withdrawal = transcript.withdrawals[entry.id]
            let failedHere = failed?.entryID == entry.id ? failed : nil
            return Entry(
                id: entry.id, seq: entry.seq, kind: entry.kind.rawValue, author: entry.author, time: OfficeTime.minute(entry.createdAt),
                corrected: entry.version > 1, withdrawn: entry.withdrawn, showsText: !entry.withdrawn || !entry.body.isEmpty,
                body: system ? text("interviews.system.\(entry.body)") : entry.body, withdrawnBy: withdrawal?.withdrawnBy,
                withdrawnAt: withdrawal.map { OfficeTime.minute($0.withdrawnAt) }, withdrawalReason: withdrawal?.reason,
                canCorrect: !system && !entry.withdrawn, canUnpublish: canWithdraw && !system && !entry.withdrawn,
                canRepublish: canWithdraw && entry.withdrawn, formOpen: failedHere != nil,
                reasonValue: failedHere?.action == .unpublish ? failedHere!.text : "",
                republishValue: failedHere?.action == .republish ? failedHere!.text : entry.body)
        }
        followsLive = !transcript.hasLater
        earlierURL = TranscriptLinks.earlier(transcript, base: "/staff/interviews/\(interview.id)", anchor: "#console-transcript")
        laterURL = TranscriptLinks.later(transcript, base: "/staff/interviews/\(interview.id)", anchor: "#console-transcript")
    }
}

/// The staff list of interviews and the form to create one
/// (`staff-interviews`).
struct StaffInterviewsView: PageView {
    static let template = "staff-interviews"

    /// What the organiser typed, shown again when the form is refused.
    struct CreateForm {
        var title = ""
        var summary = ""
        var start = ""
        var minutes = "90"
        var guestName = ""
        var guestTitle = ""
        var guestDepartment = ""
        var guestUsername = ""
    }

    let interviews: [InterviewSummary]
    let empty: Bool
    let canCreate: Bool
    var form = CreateForm()
    var errors: FormErrors?
    /// The year's plan of interviews and open days, for organisers.
    var plan: AnnualPlanPanel?

    init(_ interviews: [Interview], staff: AuthenticatedStaff, text: PageText) {
        self.interviews = interviews.map { InterviewSummary($0, text: text) }
        empty = interviews.isEmpty
        canCreate = InterviewActions.organisers.contains(staff.role)
    }
}

/// Questions deferred to after their interview (`deferred-questions`),
/// with their deadlines, late answers and the form to answer them.
struct DeferredQuestionsView: PageView {
    static let template = "deferred-questions"

    struct Row {
        let id: Int64
        let interviewId: Int64
        let interview: String
        let segments: [MarkedSegment]
        /// The text as written, for those who may read it, when masking changed it.
        let originalText: String?
        let nickname: String?
        let contact: String?
        /// 受理日期.
        let receivedOn: String
        let due: String?
        let provisional: Bool
        let open: Bool
        /// 答复日期 and 答复部门 of the late answer.
        let answeredOn: String?
        let department: String?
        let onTime: Bool
        let late: Bool
        let overdue: Bool

        init(_ question: StaffQuestion, text: PageText) {
            id = question.id
            interviewId = question.interviewId
            interview = question.interviewTitle
            segments = MarkedSegment.segments(question.text, masked: question.maskedSpans, text: text)
            originalText = question.originalText.flatMap { $0 == question.text ? nil : $0 }
            nickname = question.nickname.flatMap { $0.isEmpty ? nil : $0 }
            contact = question.contact.flatMap { $0.isEmpty ? nil : $0 }
            receivedOn = question.receivedOn
            due = question.replyDueOn
            provisional = question.replyDueProvisional ?? false
            open = question.state == .deferred
            answeredOn = question.answeredOn
            department = question.answerDepartment
            onTime = question.answeredOnTime == true
            late = question.answeredOnTime == false
            overdue = question.overdue ?? false
        }
    }

    let questions: [Row]
    let empty: Bool
    let canAnswer: Bool
    let states: [FilterOption]
    let prevURL: String?
    let nextURL: String?
    /// Why an answer was refused.
    var error: String?

    /// - Parameter page: the page shown, from 1; `more`: a next page exists.
    init(_ questions: [StaffQuestion], filter: DeferredQuestionFilter, page: Int, more: Bool, staff: AuthenticatedStaff, text: PageText) {
        self.questions = questions.map { Row($0, text: text) }
        empty = questions.isEmpty
        canAnswer = InterviewActions.onAir.contains(staff.role)
        states = DeferredQuestionFilter.State.allCases.map {
            FilterOption(value: $0.rawValue, name: text("interviews.deferred.states.\($0.rawValue)"), selected: $0 == filter.state)
        }
        func url(_ page: Int) -> String {
            let query = [
                ("state", filter.state == .all ? "" : filter.state.rawValue), ("interview", filter.interviewID.map(String.init) ?? ""),
                ("page", String(page)),
            ]
            return "/staff/interviews/deferred?" + query.filter { !$0.1.isEmpty }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        }
        prevURL = page > 1 ? url(page - 1) : nil
        nextURL = more ? url(page + 1) : nil
    }
}
