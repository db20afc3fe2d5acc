import Foundation
import WenzhengCore
import WenzhengStore

// The office's mailbox pages: one view per template. All text stays plain
// here; the templates escape it.

/// A letter in a work list or a dashboard list.
struct OfficeLetterRowView {
    let id: Int64
    let number: String
    let typeName: String
    let subject: String
    let state: String
    let stateName: String
    let department: String?
    let coHandling: Bool
    let receivedOn: CivilDate
    let dueOn: CivilDate?
    let provisional: Bool
    let paused: Bool
    let overdue: Bool
    /// Working days left (negative when overdue).
    let left: Int?

    init(_ row: OfficeLetterActions.LetterRow, text: PageText) {
        id = row.id
        number = row.number
        typeName = text("office.types.\(row.type.rawValue)")
        subject = row.subject
        state = row.state.rawValue
        stateName = text("office.states.\(row.state.rawValue)")
        department = row.department
        coHandling = row.coHandling
        receivedOn = row.receivedOn
        dueOn = row.dueOn
        provisional = row.provisional
        paused = row.paused
        overdue = row.overdue
        left = row.workingDaysLeft
    }
}

/// A choice in a select list.
struct OfficeChoiceView {
    let value: String
    let name: String
    let selected: Bool
}

/// The work list (`/office/letters`) with its filters.
struct OfficeLettersView: PageView {
    static let template = "office-letters"

    struct Department {
        let id: Int64
        let name: String
        let selected: Bool
    }

    let states: [OfficeChoiceView]
    /// Handlers outside the office see only their own department's letters.
    let canChooseDepartment: Bool
    let departments: [Department]
    let ownDepartment: String
    let overdue: Bool
    let dueWithin: String
    let letters: [OfficeLetterRowView]
    let hasLetters: Bool
    let empty: Bool
    let prevURL: String?
    let nextURL: String?
    /// Filters that could not be used.
    let error: String?
}

/// One letter for the office: its facts, the clock's stops, the replies,
/// the publication, the forms of the actions the viewer may take
/// (`LetterWorkflow`), attachments, drafts and the timeline.
struct OfficeLetterView: PageView {
    static let template = "office-letter"

    struct Stoppage {
        let reason: String
        let isCorrection: Bool
        let from: CivilDate
        let until: CivilDate?
        /// Still stopped (on an open letter).
        let open: Bool
        let answerDueOn: CivilDate?
        let endedByLimit: Bool
        let answerLate: Bool
        let workingDays: Int?
    }

    struct Reply {
        let round: Int
        let isFollowUp: Bool
        let body: String
        let department: String
        let repliedAt: String
        let dueOn: CivilDate?
        let onTime: Bool
        let workingDays: Int?
        let ratingName: String?
    }

    struct Assignment {
        let department: String
        let isLead: Bool
        let dueOn: CivilDate?
        /// A co-handler's own date rather than the letter's.
        let own: Bool
    }

    struct Department {
        let id: Int64
        let name: String
        let isLead: Bool
        let isCo: Bool
        /// A co-handler's own due date.
        let coDue: CivilDate?
    }

    struct Code {
        let code: String
        let name: String
    }

    struct Attachment {
        let id: Int64
        let name: String
        let size: String
        let roleName: String
        let isReply: Bool
        let addedBy: String?
        let addedAt: String
        let url: String
        let mayRemove: Bool
    }

    struct Draft {
        let id: Int64
        let body: String
        let draftedBy: String
        let draftedAt: String
        let state: String
        let stateName: String
        let reviewedBy: String?
        let reviewedAt: String?
        let comment: String?
    }

    struct Step {
        let kind: String
        let kindName: String
        let actor: String
        let time: String
        let note: String?
        let clockOn: CivilDate?
        let clockDays: Int?
        let clockReason: String?
        /// A clock event dated before the day it was recorded.
        let backdated: Bool
        /// The reply a publication event is about.
        let replyRound: String?
    }

    /// The forms the viewer may use now, by `LetterAction.key`.
    struct Can {
        let accept, transfer, reject, assign, draft, signOff, sendBack, replyOnTheSpot: Bool
        let extend, pause, resume, correctionNotice, correctedRequest, deemedWithdrawn: Bool

        init(_ actions: [LetterAction]) {
            let can = Set(actions)
            (accept, transfer, reject, assign) = (can.contains(.accept), can.contains(.transfer), can.contains(.reject), can.contains(.assign))
            (draft, signOff, sendBack) = (can.contains(.draft), can.contains(.signOff), can.contains(.sendBack))
            replyOnTheSpot = can.contains(.replyOnTheSpot)
            (extend, pause, resume) = (can.contains(.extend), can.contains(.pause), can.contains(.resume))
            (correctionNotice, correctedRequest) = (can.contains(.correctionNotice), can.contains(.correctedRequest))
            deemedWithdrawn = can.contains(.deemedWithdrawn)
        }
    }

    /// What a refused form sent, to fill it in again.
    struct Form {
        let body: String
        let to: String
        let note: String
        let comment: String
        let workingDays: String
        let notice: String
        let text: String
        /// The clock forms' date: as sent, else today.
        let on: String

        init(_ fields: [String: String], today: CivilDate) {
            body = fields["body"] ?? ""
            to = fields["to"] ?? ""
            note = fields["note"] ?? ""
            comment = fields["comment"] ?? ""
            workingDays = fields["workingDays"] ?? ""
            notice = fields["notice"] ?? ""
            text = fields["text"] ?? ""
            on = fields["on"] ?? today.description
        }
    }

    let id: Int64
    let number: String
    let typeName: String
    let subject: String
    let body: String
    let authorName: String
    let phone: String?
    let email: String?
    let mayPublish: Bool
    let state: String
    let stateName: String
    let receivedAt: String
    let acceptedOn: CivilDate?
    let transferDueOn: CivilDate?
    let transferLate: Bool
    let policyDays: Int
    let dueOn: CivilDate?
    let provisional: Bool
    let paused: Bool
    /// `LetterWorkflow.isOverdue`.
    let overdue: Bool
    let awaitingCorrection: Bool
    let correctBy: CivilDate?
    let extensionDays: Int?
    let lead: String?
    let triageReason: String?
    let transferredTo: String?
    let published: String?
    let stoppages: [Stoppage]
    let hasStoppages: Bool
    let stoppedTotal: Int
    let replies: [Reply]
    let hasReplies: Bool
    let followUpText: String?
    let publication: OfficeLetterPublicationView?
    let assignments: [Assignment]
    let hasAssignments: Bool
    let can: Can
    /// Publication has its own section (office-letter-publication).
    let hasActions: Bool
    let reasons: [Code]
    let stopReasons: [Code]
    let departments: [Department]
    let form: Form
    let maxExtension = LetterRules.maxExtensionWorkingDays
    /// The date field of the clock forms: today, or up to 3 working days back.
    let today: CivilDate
    let earliestClockDate: CivilDate
    let onHint: String
    let correctionDeadline: CivilDate?
    let correctionDaysMin = LetterClockRules.correctionPeriodRange.lowerBound
    let correctionDaysMax = LetterClockRules.correctionPeriodRange.upperBound
    let correctionDaysValue: String
    let attachments: [Attachment]
    let noAttachments: Bool
    let mayAddReplyDocument: Bool
    let replyDocumentMaxMB = AttachmentRules.maxFileBytes / (1024 * 1024)
    let drafts: [Draft]
    let noDrafts: Bool
    let timeline: [Step]
    /// After a form: what was done, or why it was refused.
    let notice: String?
    let error: String?
    let failedAction: String?

    /// - Parameters:
    ///   - problem: why a form was refused: `failed`'s, with what it sent
    ///     in `form`, or a reply document's.
    init(
        _ detail: OfficeLetterActions.LetterDetail, departments: [LetterDepartment], today: CivilDate, text: PageText,
        notice: String? = nil, problem: Problem? = nil, failed: LetterAction? = nil, form fields: [String: String] = [:]
    ) {
        let letter = detail.letter
        let open = letter.state.isOpen
        id = letter.id
        number = letter.number
        typeName = text("office.types.\(letter.type.rawValue)")
        subject = letter.subject
        body = letter.body
        authorName = letter.authorName
        phone = letter.phone
        email = letter.email
        mayPublish = letter.mayPublish
        state = letter.state.rawValue
        stateName = text("office.states.\(letter.state.rawValue)")
        receivedAt = OfficeTime.minute(letter.receivedAt)
        acceptedOn = letter.acceptedOn
        transferDueOn = letter.transferDueOn
        transferLate = letter.transferDueOn.map { today > $0 } ?? false
        policyDays = letter.policyDays
        dueOn = letter.dueOn
        provisional = open && letter.dueProvisional
        paused = open && letter.clockPaused
        overdue = LetterWorkflow.isOverdue(state: letter.state, dueOn: letter.dueOn, marked: letter.overdue, today: today)
        awaitingCorrection = letter.awaitingCorrection
        correctBy = letter.awaitingCorrection ? letter.currentStoppage?.answerDueOn : nil
        extensionDays = letter.extensionWorkingDays
        lead = letter.leadDepartment?.name
        triageReason = letter.triageReason.map { text("office.reasons.\($0.rawValue)") }
        transferredTo = letter.transferredTo
        published = letter.publishedAt.map(OfficeTime.minute)
        // Every stop of the clock, with the total (arts. 30, 32, 34).
        stoppages = letter.stoppages.map { stop in
            let stillStopped = stop.until == nil
            return Stoppage(
                reason: text("office.stopReasons.\(stop.reason?.rawValue ?? "unspecified")"), isCorrection: stop.reason == .correction,
                from: stop.from, until: stop.until, open: stillStopped && open, answerDueOn: stop.answerDueOn,
                endedByLimit: stop.endedByLimit, answerLate: stillStopped && (stop.answerDueOn.map { today > $0 } ?? false),
                workingDays: stillStopped ? detail.currentStopWorkingDays : stop.workingDays)
        }
        hasStoppages = !stoppages.isEmpty
        stoppedTotal = letter.stoppedWorkingDays + (letter.currentStoppage == nil ? 0 : detail.currentStopWorkingDays ?? 0)
        // Every reply, the first one kept when a follow-up is answered.
        replies = letter.replies.map { reply in
            Reply(
                round: reply.round, isFollowUp: reply.round > 1, body: reply.body, department: reply.department.name,
                repliedAt: OfficeTime.minute(reply.repliedAt), dueOn: reply.dueOn, onTime: reply.onTime, workingDays: reply.workingDays,
                ratingName: reply.rating.map { text("office.ratings.\($0.rawValue)") })
        }
        hasReplies = !replies.isEmpty
        followUpText = letter.followUpText
        publication = OfficeLetterPublicationView(detail, failed: failed, form: fields, text: text)
        var assignments: [Assignment] = []
        if let lead = letter.leadDepartment {
            assignments.append(Assignment(department: lead.name, isLead: true, dueOn: letter.dueOn, own: false))
        }
        for co in letter.coHandlers {
            assignments.append(Assignment(department: co.department, isLead: false, dueOn: co.dueOn, own: co.ownDueDate))
        }
        self.assignments = assignments
        hasAssignments = !assignments.isEmpty
        can = Can(detail.actions)
        hasActions = detail.actions.contains { !$0.isPublication }
        reasons = TriageRejection.allowed(for: letter.type).map { Code(code: $0.rawValue, name: text("office.reasons.\($0.rawValue)")) }
        stopReasons = ClockStopReason.consultations.map { Code(code: $0.rawValue, name: text("office.stopReasons.\($0.rawValue)")) }
        self.departments = departments.map { department in
            Department(
                id: department.id, name: department.name, isLead: department.id == letter.leadDepartment?.id,
                isCo: letter.coHandlers.contains { $0.departmentId == department.id },
                coDue: letter.coHandlers.first { $0.departmentId == department.id && $0.ownDueDate }?.dueOn)
        }
        form = Form(fields, today: today)
        self.today = today
        earliestClockDate = detail.earliestClockDate
        onHint = text.format("office.forms.onHint", ["n": String(LetterClockRules.maxBackdatingWorkingDays)])
        correctionDeadline = detail.correctionNoticeDeadline
        correctionDaysValue = fields["correctionDays"] ?? String(LetterClockRules.defaultCorrectionWorkingDays)
        attachments = detail.attachments.map { attachment in
            Attachment(
                id: attachment.id, name: attachment.displayName, size: text.fileSize(attachment.byteCount),
                roleName: text("office.attachments.roles.\(attachment.role.rawValue)"), isReply: attachment.role == .reply,
                addedBy: attachment.addedBy, addedAt: OfficeTime.minute(attachment.addedAt),
                url: "/office/letters/\(letter.id)/attachments/\(attachment.id)",
                mayRemove: attachment.role == .reply && detail.mayChangeReplyDocuments)
        }
        noAttachments = detail.attachments.isEmpty
        mayAddReplyDocument = detail.mayChangeReplyDocuments
        drafts = detail.drafts.map { draft in
            Draft(
                id: draft.id, body: draft.body, draftedBy: draft.draftedBy, draftedAt: OfficeTime.minute(draft.draftedAt),
                state: draft.reviewState.rawValue, stateName: text("office.reviewStates.\(draft.reviewState.rawValue)"),
                reviewedBy: draft.reviewedBy, reviewedAt: draft.reviewedAt.map(OfficeTime.minute), comment: draft.reviewComment)
        }
        noDrafts = detail.drafts.isEmpty
        timeline = detail.timeline.map { Self.step($0, text: text) }
        self.notice = problem == nil ? notice : nil
        error = problem.map { text.officeProblem($0) }
        failedAction = failed.map { text("office.detail.failedAction") + text("office.actions.\($0.key)") + text.fullStop }
    }

    static func step(_ event: LetterEventView, text: PageText) -> Step {
        var note = event.note ?? ""
        if event.kind == .rejected, let code = note.split(separator: ":", maxSplits: 1).first,
            let reason = TriageRejection(rawValue: String(code))
        {
            let rest = note.dropFirst(code.count + 1).trimmingCharacters(in: .whitespaces)
            note = text("office.reasons.\(reason.rawValue)") + (rest.isEmpty ? "" : text.colon + rest)
        }
        let actor: String =
            switch event.actorName {
            case "citizen" where event.actorId == nil: text("office.actors.citizen")
            case "system" where event.actorId == nil: text("office.actors.system")
            default: event.actorName
            }
        // The sweep resumes a consultation whose 15 working days ran out.
        if event.kind == .resumed, event.actorId == nil, note.isEmpty { note = text("office.detail.consultationLapsed") }
        return Step(
            kind: event.kind.rawValue, kindName: text("office.events.\(event.kind.rawValue)"), actor: actor,
            time: OfficeTime.minute(event.recordedAt), note: note.isEmpty ? nil : note, clockOn: event.clockOn,
            clockDays: event.clockDays, clockReason: event.clockReason.map { text("office.stopReasons.\($0.rawValue)") },
            backdated: event.clockOn.map { $0 < CivilDate(event.recordedAt) } ?? false,
            replyRound: event.replyRound.map { text($0 > 1 ? "withdrawals.office.followUpReply" : "withdrawals.office.firstReply") })
    }
}

/// The letter's publication for the office (item 23), the partial
/// `office-letter-publication`: what the public page shows, whether it is
/// withdrawn, by whom, when and why, and the forms an admin gets, filled in
/// again after a refused one. Nil for a letter never published.
struct OfficeLetterPublicationView {
    struct Reply {
        let round: Int
        let name: String
        let text: String
        let isWithdrawn: Bool
        let withdrawnBy: String?
        let withdrawnAt: String?
        let reason: String?
        let canUnpublish: Bool
        let canRepublish: Bool
        /// What a refused form sent (never another reply's).
        let reasonValue: String
        let bodyValue: String
    }

    let subject: String
    let body: String
    let isWithdrawn: Bool
    let withdrawnBy: String?
    let withdrawnAt: String?
    let reason: String?
    let canUnpublish: Bool
    let canRepublish: Bool
    let reasonValue: String
    let subjectValue: String
    let bodyValue: String
    let replies: [Reply]

    init?(_ detail: OfficeLetterActions.LetterDetail, failed: LetterAction?, form: [String: String], text: PageText) {
        let letter = detail.letter
        guard letter.publishedAt != nil else { return nil }
        let can = Set(detail.actions)
        let failedRound = Int(form["round"] ?? "")
        replies = letter.replies.map { reply in
            let failedHere = failedRound == reply.round ? failed : nil
            return Reply(
                round: reply.round,
                name: text(reply.round > 1 ? "withdrawals.office.followUpReply" : "withdrawals.office.firstReply"),
                text: reply.publicBody ?? "", isWithdrawn: reply.withdrawal != nil, withdrawnBy: reply.withdrawal?.withdrawnBy,
                withdrawnAt: reply.withdrawal.map { OfficeTime.minute($0.withdrawnAt) }, reason: reply.withdrawal?.reason,
                canUnpublish: can.contains(.unpublishReply) && reply.withdrawal == nil,
                canRepublish: can.contains(.republishReply) && reply.withdrawal != nil,
                reasonValue: failedHere == .unpublishReply ? form["reason"] ?? "" : "",
                bodyValue: failedHere == .republishReply ? form["body"] ?? "" : reply.publicBody ?? "")
        }
        subject = letter.publicSubject ?? ""
        body = letter.publicBody ?? ""
        isWithdrawn = letter.withdrawal != nil
        withdrawnBy = letter.withdrawal?.withdrawnBy
        withdrawnAt = letter.withdrawal.map { OfficeTime.minute($0.withdrawnAt) }
        reason = letter.withdrawal?.reason
        canUnpublish = can.contains(.unpublish)
        canRepublish = can.contains(.republish)
        reasonValue = failed == .unpublish ? form["reason"] ?? "" : ""
        subjectValue = failed == .republish ? form["subject"] ?? "" : letter.publicSubject ?? ""
        bodyValue = failed == .republish ? form["body"] ?? "" : letter.publicBody ?? ""
    }
}

/// The dashboard: letters waiting for triage, overdue and due soon (the
/// first of each, with counts), the departments' figures for a period and
/// the year's months.
struct OfficeDashboardView: PageView {
    static let template = "office-dashboard"

    /// The letters waiting for triage, for those who triage.
    struct Triage {
        struct Row {
            let id: Int64
            let number: String
            let subject: String
            let typeName: String
            let receivedOn: CivilDate
            let transferDueOn: CivilDate
            let late: Bool
        }

        let rows: [Row]
        let isEmpty: Bool
        /// How many are past their transfer deadline.
        let lateCount: Int
        let more: Bool
        let showing: String
    }

    struct Department {
        let department: String
        let replied: Int
        let onTime: Int
        /// "93.3%".
        let rate: String
        /// "4.5", or "—" without replies.
        let median: String
        let satisfied: Int
        let basicallySatisfied: Int
        let unsatisfied: Int
        let unrated: Int
    }

    struct Month {
        let month: Int
        let received: Int
        let replied: Int
        let onTime: Int
    }

    /// Years whose holiday notice is missing, "2027、2028".
    let missingYears: String?
    let isAdmin: Bool
    let error: String?
    let triage: Triage?
    let overdue: [OfficeLetterRowView]
    let noOverdue: Bool
    let moreOverdue: Bool
    let overdueShowing: String
    let dueSoon: [OfficeLetterRowView]
    let noDueSoon: Bool
    let moreDueSoon: Bool
    let dueSoonShowing: String
    let from: CivilDate
    let to: CivilDate
    let year: Int
    let departments: [Department]
    let noStatistics: Bool
    let transferred: Int
    let transferredInTime: Int
    let monthly: [Month]
    let totals: Month
    /// The year's plan of interviews and open days (`wenzheng plan check`).
    var plan: AnnualPlanPanel?

    init(_ dashboard: OfficeLetterActions.Dashboard, query: StatisticsQuery, isAdmin: Bool, error: String?, text: PageText) {
        func showing(_ count: Int) -> String {
            text.format("office.dashboard.showing", ["n": String(count), "limit": String(OfficeLetterActions.dashboardListSize)])
        }
        func rows(_ page: LetterDeadlinePage) -> [OfficeLetterRowView] {
            page.rows.map { OfficeLetterRowView(OfficeLetterActions.row($0), text: text) }
        }
        let missing = dashboard.missingCalendarYears.map(String.init).joined(separator: text.listSeparator)
        missingYears = missing.isEmpty ? nil : missing
        self.isAdmin = isAdmin
        self.error = error
        triage = dashboard.triage.map { queue in
            Triage(
                rows: queue.rows.map {
                    Triage.Row(
                        id: $0.letterId, number: $0.number, subject: $0.subject, typeName: text("office.types.\($0.type.rawValue)"),
                        receivedOn: $0.receivedOn, transferDueOn: $0.transferDueOn, late: $0.late)
                }, isEmpty: queue.rows.isEmpty, lateCount: queue.late, more: queue.total > queue.rows.count, showing: showing(queue.total))
        }
        overdue = rows(dashboard.overdue)
        noOverdue = dashboard.overdue.rows.isEmpty
        moreOverdue = dashboard.overdue.more
        overdueShowing = showing(dashboard.overdueCount)
        dueSoon = rows(dashboard.dueSoon)
        noDueSoon = dashboard.dueSoon.rows.isEmpty
        moreDueSoon = dashboard.dueSoon.more
        dueSoonShowing = showing(dashboard.dueSoonCount)
        from = query.from
        to = query.to
        year = query.year
        departments = dashboard.departments.map { row in
            Department(
                department: row.department, replied: row.replied, onTime: row.repliedOnTime, rate: String(format: "%.1f%%", row.onTimeRate * 100),
                median: row.medianWorkingDaysToReply.map { String(format: "%.1f", $0) } ?? "—", satisfied: row.satisfied,
                basicallySatisfied: row.basicallySatisfied, unsatisfied: row.unsatisfied, unrated: row.unrated)
        }
        noStatistics = dashboard.departments.isEmpty
        transferred = dashboard.transfers.transferred
        transferredInTime = dashboard.transfers.withinDeadline
        monthly = dashboard.monthly.map { Month(month: $0.month, received: $0.received, replied: $0.replied, onTime: $0.repliedOnTime) }
        totals = Month(
            month: 0, received: monthly.map(\.received).reduce(0, +), replied: monthly.map(\.replied).reduce(0, +),
            onTime: monthly.map(\.onTime).reduce(0, +))
    }
}

/// The reply periods (`/office/policies`, admins) and the form to change one.
struct OfficePoliciesView: PageView {
    static let template = "office-policies"

    struct Policy {
        let type: String
        let typeName: String
        let department: String?
        /// Nil for the default of the type.
        let departmentId: Int64?
        let isDefault: Bool
        let workingDays: Int
    }

    struct TypeOption {
        let value: String
        let name: String
        let builtIn: Int
        let selected: Bool
    }

    struct Form {
        let workingDays: String
    }

    let policies: [Policy]
    let empty: Bool
    let types: [TypeOption]
    let departments: [OfficeLettersView.Department]
    let form: Form
    let maxDays = LetterRules.policyWorkingDaysRange.upperBound
    let notice: String?
    let error: String?

    init(
        _ policies: [DeadlinePolicy], departments: [LetterDepartment], form: [String: String], notice: String?, error: String?,
        text: PageText
    ) {
        self.policies = policies.map { policy in
            Policy(
                type: policy.letterType.rawValue, typeName: text("office.types.\(policy.letterType.rawValue)"), department: policy.department,
                departmentId: policy.departmentId, isDefault: policy.departmentId == nil, workingDays: policy.workingDays)
        }
        empty = policies.isEmpty
        types = LetterType.allCases.map { type in
            TypeOption(
                value: type.rawValue, name: text("office.types.\(type.rawValue)"), builtIn: type.defaultWorkingDays,
                selected: type.rawValue == form["letterType"])
        }
        self.departments = departments.map {
            OfficeLettersView.Department(id: $0.id, name: $0.name, selected: String($0.id) == form["department"])
        }
        self.form = Form(workingDays: form["workingDays"] ?? "")
        self.notice = notice
        self.error = error
    }
}

/// The office's pages' strings.
extension PageText {
    /// A refused action's problem in the reader's language: field errors one
    /// by one, or the kind of refusal with the store's reason.
    ///
    /// - Parameter fields: where the field labels are (`office.fields`, or
    ///   `office.periodFields` for a statistics period).
    func officeProblem(_ problem: Problem, fields: String = "office.fields") -> String {
        if problem.statusCode == 422, let errors = problem.errors, !errors.isEmpty {
            return errors.map { officeFieldMessage($0, fields: fields) }.joined(separator: language == .zh ? "；" : "; ")
        }
        let key = "office.errors.\(problem.statusCode)"
        var heading = self(key)
        if heading == key { heading = self("errors.\(problem.statusCode)") }
        guard let detail = problem.detail, !detail.isEmpty else { return heading }
        return heading + aside(detail)
    }

    /// `office.fields.<field>` and `office.errorCodes.<code>` when both are
    /// known (`coHandlers[1].dueOn` reads as `coHandlersDueOn`), else the
    /// English message.
    func officeFieldMessage(_ error: FieldError, fields: String) -> String {
        let field = error.field.replacing(/\[\d+\]/, with: "").replacing(".dueOn", with: "DueOn")
        let fieldKey = "\(fields).\(field)"
        let codeKey = "office.errorCodes.\(error.code)"
        let label = self(fieldKey)
        let code = self(codeKey)
        guard label != fieldKey, code != codeKey else { return error.message }
        if error.code == "invalid" || error.code == "too_long" {
            return label + colon + code + aside(error.message)
        }
        return label + colon + code
    }

    /// `（…）` in Chinese, ` (…)` in English.
    func aside(_ text: String) -> String { language == .zh ? "（\(text)）" : " (\(text))" }

    var colon: String { language == .zh ? "：" : ": " }
    var fullStop: String { language == .zh ? "。" : ". " }
    var listSeparator: String { language == .zh ? "、" : ", " }
}
