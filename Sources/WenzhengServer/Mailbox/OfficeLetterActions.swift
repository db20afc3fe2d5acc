import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The office's use cases of the leader's mailbox (docs/mailbox-design.md),
/// shared by the API (`OfficeLettersAPIController`) and the pages
/// (`OfficeLettersPagesController`): triage, assignment, drafting and
/// sign-off, the information-disclosure clock, reply documents,
/// publication, work lists, deadlines, the dashboard's figures and reply
/// periods. It checks the input and that the letter is one the staff
/// member may see, and calls the store, which enforces `LetterWorkflow`.
struct OfficeLetterActions: Sendable {
    typealias Context = AppRequestContext
    let database: AppDatabase
    let clock: any WallClock
    let library: ModerationLibrary
    let attachments: LetterAttachments

    /// Who works letters.
    static let roles: Set<Role> = [.admin, .handler, .reviewer]
    /// Who sets reply periods.
    static let policyRoles: Set<Role> = [.admin]
    /// Who withdraws published letters and replies, and publishes them again.
    static let publicationRoles = WithdrawalRules.roles

    /// The office's routes under `prefix` (`/office` for the pages,
    /// `/api/v1/office` for the API): `routes` on a group for those who
    /// work letters, then `POST letters/{id}/<action>` for every workflow
    /// action, the publication ones for `publicationRoles` only (refused
    /// before the input is read). The API and the pages register the same
    /// actions through this one table.
    static func addRoutes<Output: ResponseGenerator>(
        to router: Router<Context>, prefix: String, _ routes: (RouterGroup<Context>) -> Void,
        action: @escaping @Sendable (LetterAction, Request, Context) async throws -> Output
    ) {
        let group = router.group(RouterPath(prefix)).add(middleware: RequireRoleMiddleware(roles))
        routes(group)
        let publication = router.group(RouterPath(prefix)).add(middleware: RequireRoleMiddleware(publicationRoles))
        for each in LetterAction.allCases {
            (each.isPublication ? publication : group).post("/letters/{id}/\(each.rawValue)") { request, context in
                try await action(each, request, context)
            }
        }
    }

    var today: CivilDate { CivilDate(clock.now()) }

    // MARK: Who sees which letter

    /// Admins, reviewers and the office's own handlers (who triage) see
    /// every letter; other handlers see the letters their department leads
    /// or co-handles (`LetterWorkflow`).
    static func seesEveryLetter(_ staff: AuthenticatedStaff) -> Bool {
        LetterWorkflow.seesEveryLetter(staff.letterActor)
    }

    static func ensureVisible(_ letter: LetterView, to staff: AuthenticatedStaff) throws {
        if let refusal = LetterWorkflow.refusalToView(letter.workflowFacts(timeline: []), by: staff.letterActor) {
            throw Problem(kind: .forbidden, detail: refusal.description)
        }
    }

    /// The department a list is limited to: the one asked for, or for a
    /// handler outside the office always their own.
    static func scopedDepartment(_ asked: Int64?, for staff: AuthenticatedStaff) -> Int64? {
        seesEveryLetter(staff) ? asked : staff.departmentID
    }

    /// The letter, if this staff member may see it.
    func visibleLetter(_ id: Int64, staff: AuthenticatedStaff) async throws -> LetterView {
        let letter = try await database.mailbox.letter(id: id)
        try Self.ensureVisible(letter, to: staff)
        return letter
    }

    static func letterID(_ context: Context) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw Problem(kind: .notFound, detail: "no such letter")
        }
        return id
    }

    // MARK: Attachments

    /// Whether the staff member may add or remove reply documents now
    /// (`LetterWorkflow`, which the store enforces).
    static func mayChangeReplyDocuments(_ letter: LetterView, staff: AuthenticatedStaff) -> Bool {
        LetterWorkflow.refusalToChangeReplyDocuments(letter.workflowFacts(timeline: []), by: staff.letterActor, adding: true) == nil
    }

    /// One attachment of a letter the staff member may see, as a download.
    func download(letterID: Int64, attachmentID: Int64, staff: AuthenticatedStaff) async throws -> Response {
        _ = try await visibleLetter(letterID, staff: staff)
        return try attachments.download(try await database.mailbox.letterAttachment(id: attachmentID, letterID: letterID))
    }

    /// Reads a staff member's upload (one file in the `document` field)
    /// and attaches it to the reply being prepared.
    func addReplyDocument(letterID: Int64, request: Request, staff: AuthenticatedStaff) async throws -> LetterAttachmentView {
        _ = try await visibleLetter(letterID, staff: staff)
        guard MultipartUpload.isMultipart(request) else {
            throw Problem(kind: .unsupportedMediaType, detail: "send the document as multipart/form-data in the field document")
        }
        var limits = MultipartUpload.Limits()
        limits.maxFiles = 1
        let upload = try await MultipartUpload.read(request, into: attachments.files, limits: limits)
        defer { upload.discard() }
        let document = try attachments.replyDocument(upload)
        try attachments.keep(upload, [document])
        return try await database.mailbox.addReplyDocument(letterID: letterID, attachment: document, actor: staff, at: clock.now())
    }

    func removeReplyDocument(letterID: Int64, attachmentID: Int64, staff: AuthenticatedStaff) async throws {
        _ = try await visibleLetter(letterID, staff: staff)
        try await database.mailbox.removeReplyDocument(letterID: letterID, attachmentID: attachmentID, actor: staff, at: clock.now())
    }

    static func attachmentID(_ context: Context) throws -> Int64 {
        guard let id = context.parameters.get("attachment", as: Int64.self), id > 0 else {
            throw Problem(kind: .notFound, detail: "no such attachment")
        }
        return id
    }

    // MARK: Actions

    /// Validates the action's input, checks the letter is visible, and
    /// performs it; the store checks the state and the actor's rights.
    func perform(_ action: LetterAction, input: OfficeActionInput, letterID: Int64, actor: AuthenticatedStaff) async throws -> LetterView {
        let command = try OfficeCommand(action, input)
        _ = try await visibleLetter(letterID, staff: actor)
        let now = clock.now()
        let filter = library.filter
        switch command {
        case .accept:
            return try await database.mailbox.acceptLetter(id: letterID, actor: actor, at: now)
        case .transfer(let to):
            return try await database.mailbox.transferLetter(id: letterID, to: to, actor: actor, at: now)
        case .reject(let reason, let note):
            return try await database.mailbox.rejectLetter(id: letterID, reason: reason, note: note, actor: actor, at: now)
        case .assign(let lead, let coHandlers):
            return try await database.mailbox.assignLetter(id: letterID, lead: lead, coHandlers: coHandlers, actor: actor, at: now)
        case .draft(let body):
            return try await database.mailbox.draftReply(id: letterID, body: body, actor: actor, at: now)
        case .signOff(let comment):
            return try await database.mailbox.signOff(id: letterID, approve: true, comment: comment, filter: filter, actor: actor, at: now)
        case .sendBack(let comment):
            return try await database.mailbox.signOff(id: letterID, approve: false, comment: comment, filter: filter, actor: actor, at: now)
        case .replyOnTheSpot(let body):
            return try await database.mailbox.replyOnTheSpot(id: letterID, body: body, filter: filter, actor: actor, at: now)
        case .extend(let workingDays, let notice, let on):
            return try await database.mailbox.extendLetter(
                id: letterID, workingDays: workingDays, notice: notice, entry: ClockEntry(on: on), actor: actor, at: now)
        case .pause(let reason, let note, let on):
            return try await database.mailbox.pauseLetter(id: letterID, reason: reason, note: note, entry: ClockEntry(on: on), actor: actor, at: now)
        case .resume(let note, let on):
            return try await database.mailbox.resumeLetter(id: letterID, entry: ClockEntry(on: on, note: note), actor: actor, at: now)
        case .correctionNotice(let text, let days, let on):
            return try await database.mailbox.sendCorrectionNotice(
                id: letterID, text: text, correctionDays: days, entry: ClockEntry(on: on), actor: actor, at: now)
        case .correctedRequest(let note, let on):
            return try await database.mailbox.correctedRequestReceived(id: letterID, entry: ClockEntry(on: on, note: note), actor: actor, at: now)
        case .deemedWithdrawn(let note):
            return try await database.mailbox.deemWithdrawn(id: letterID, note: note, actor: actor, at: now)
        case .unpublish(let reason):
            return try await database.mailbox.unpublishLetter(id: letterID, reason: reason, actor: actor, at: now)
        case .republish(let subject, let body):
            return try await database.mailbox.republishLetter(id: letterID, subject: subject, body: body, actor: actor, at: now).letter
        case .unpublishReply(let round, let reason):
            return try await database.mailbox.unpublishReply(letterID: letterID, round: round, reason: reason, actor: actor, at: now)
        case .republishReply(let round, let body):
            return try await database.mailbox.republishReply(letterID: letterID, round: round, body: body, actor: actor, at: now).letter
        }
    }

    /// Everything the detail views need, read once.
    struct LetterDetail: Sendable {
        var letter: LetterView
        var timeline: [LetterEventView]
        var drafts: [LetterDraftView]
        /// What the caller may do now (`LetterWorkflow.availableActions`).
        var actions: [LetterAction]
        var correctionNoticeDeadline: CivilDate?
        /// The earliest date a clock event recorded today may carry.
        var earliestClockDate: CivilDate
        /// Working days the current stop has lasted so far.
        var currentStopWorkingDays: Int?
        /// The citizen's files and the office's reply documents.
        var attachments: [LetterAttachmentView] = []
        /// Whether the caller may add or remove reply documents now.
        var mayChangeReplyDocuments = false
    }

    func detail(_ id: Int64, staff: AuthenticatedStaff) async throws -> LetterDetail {
        let letter = try await visibleLetter(id, staff: staff)
        let timeline = try await database.mailbox.timeline(letterID: id)
        let drafts = try await database.mailbox.letterDrafts(letterID: id)
        let calendar = try await database.calendar.workingDayCalendar()
        let today = self.today
        var correctionDeadline: CivilDate?
        if letter.type == .informationDisclosure {
            correctionDeadline = LetterRules.correctionNoticeDeadline(receivedOn: letter.receivedOn, calendar: calendar)
        }
        let actions = LetterWorkflow.availableActions(
            letter.workflowFacts(timeline: timeline), by: staff.letterActor, today: today, calendar: calendar)
        let attachments = try await database.mailbox.letterAttachments(letterID: id)
        let stopDays = letter.currentStoppage.map(\.from).map {
            max(0, LetterRules.workingDays(from: $0, to: today, calendar: calendar))
        }
        return LetterDetail(
            letter: letter, timeline: timeline, drafts: drafts, actions: actions, correctionNoticeDeadline: correctionDeadline,
            earliestClockDate: LetterClockRules.earliestDate(recordedOn: today, calendar: calendar), currentStopWorkingDays: stopDays,
            attachments: attachments, mayChangeReplyDocuments: Self.mayChangeReplyDocuments(letter, staff: staff))
    }

    // MARK: Lists

    /// A letter in a work list.
    struct LetterRow: Codable, Sendable, Equatable {
        var id: Int64
        var number: String
        var type: LetterType
        var subject: String
        var state: LetterState
        /// The lead department, or the co-handling department the list was
        /// asked for.
        var departmentId: Int64?
        var department: String?
        var coHandling: Bool
        var receivedOn: CivilDate
        var dueOn: CivilDate?
        var provisional: Bool
        var paused: Bool
        var overdue: Bool
        /// Working days from today to the due date (negative when overdue);
        /// for open letters only.
        var workingDaysLeft: Int?
        /// While paused: why, and the consulted party's (or the
        /// applicant's) last day to answer.
        var stopReason: ClockStopReason?
        var answerDueOn: CivilDate?
        /// While waiting for triage: the last day to transfer it.
        var transferDueOn: CivilDate?
    }

    /// The letters a list query asks for, one page of them, and whether
    /// there are more.
    func letterRows(_ query: LetterListQuery, staff: AuthenticatedStaff) async throws -> (rows: [LetterRow], more: Bool) {
        let department = Self.scopedDepartment(query.departmentID, for: staff)
        let today = self.today
        if query.overdue || query.dueWithin != nil {
            let filter: LetterDeadlineFilter = query.overdue ? .overdueOnly : .dueWithin(workingDays: query.dueWithin!)
            let page = try await database.mailbox.openLetterDeadlines(
                filter: filter, departmentID: department, states: query.states, limit: query.limit, offset: query.offset,
                at: clock.now())
            return (page.rows.map(Self.row), page.more)
        }
        let letters = try await database.mailbox.letters(
            states: query.states, departmentID: department, limit: query.limit + 1, offset: query.offset)
        let calendar = try await database.calendar.workingDayCalendar()
        let rows = letters.prefix(query.limit).map { letter -> LetterRow in
            let co = department.flatMap { id in letter.coHandlers.first { $0.departmentId == id } }
            let due = co?.dueOn ?? letter.dueOn
            let open = letter.state.isOpen
            let stop = open && co?.ownDueDate != true ? letter.currentStoppage : nil
            return LetterRow(
                id: letter.id, number: letter.number, type: letter.type, subject: letter.subject, state: letter.state,
                departmentId: co?.departmentId ?? letter.leadDepartment?.id, department: co?.department ?? letter.leadDepartment?.name,
                coHandling: co != nil, receivedOn: letter.receivedOn, dueOn: due, provisional: open && letter.dueProvisional,
                paused: open && letter.clockPaused && co?.ownDueDate != true,
                overdue: LetterWorkflow.isOverdue(state: letter.state, dueOn: due, marked: letter.overdue, today: today),
                workingDaysLeft: open ? due.map { LetterRules.workingDays(from: today, to: $0, calendar: calendar) } : nil,
                stopReason: stop?.reason, answerDueOn: stop?.answerDueOn,
                transferDueOn: letter.state == .received ? letter.transferDueOn : nil)
        }
        return (rows, letters.count > query.limit)
    }

    static func row(_ deadline: LetterDeadlineRow) -> LetterRow {
        LetterRow(
            id: deadline.letterId, number: deadline.number, type: deadline.type, subject: deadline.subject, state: deadline.state,
            departmentId: deadline.departmentId, department: deadline.department, coHandling: deadline.coHandling,
            receivedOn: deadline.receivedOn, dueOn: deadline.dueOn, provisional: deadline.provisional, paused: deadline.paused,
            overdue: deadline.overdue, workingDaysLeft: deadline.workingDaysLeft, stopReason: deadline.stopReason,
            answerDueOn: deadline.answerDueOn, transferDueOn: deadline.transferDueOn)
    }

    /// Checks that a department id names a department.
    func ensureDepartment(_ id: Int64?, field: String) async throws {
        guard let id else { return }
        guard try await database.accounts.departments().contains(where: { $0.id == id }) else {
            throw Problem.validation(.invalid(field, "no department \(id)"))
        }
    }

    // MARK: Deadlines and the dashboard

    /// One page of a deadline list, for the departments the staff member
    /// may see.
    func deadlines(filter: LetterDeadlineFilter, department: Int64?, limit: Int, offset: Int, staff: AuthenticatedStaff) async throws
        -> LetterDeadlinePage
    {
        try await ensureDepartment(department, field: "department")
        return try await database.mailbox.openLetterDeadlines(
            filter: filter, departmentID: Self.scopedDepartment(department, for: staff), limit: limit, offset: offset, at: clock.now())
    }

    /// Rows each dashboard list shows before linking to the full list.
    static let dashboardListSize = 20

    /// What the dashboard shows: the first rows of each deadline list and
    /// their counts (bounded reads, never every open letter), the letters
    /// waiting for triage for those who see every letter, and the figures
    /// of a period.
    struct Dashboard: Sendable {
        var overdue: LetterDeadlinePage
        var overdueCount: Int
        var dueSoon: LetterDeadlinePage
        var dueSoonCount: Int
        var triage: TriageQueue?
        var departments: [DepartmentLetterStatistics]
        var transfers: TransferStatistics
        var monthly: [MonthlyLetterStatistics]
        var missingCalendarYears: [Int]
    }

    func dashboard(_ query: StatisticsQuery, staff: AuthenticatedStaff) async throws -> Dashboard {
        let now = clock.now()
        let scope = Self.scopedDepartment(nil, for: staff)
        let limit = Self.dashboardListSize
        let mailbox = database.mailbox
        return Dashboard(
            overdue: try await mailbox.openLetterDeadlines(filter: .overdueOnly, departmentID: scope, limit: limit, at: now),
            overdueCount: try await mailbox.countOpenLetterDeadlines(filter: .overdueOnly, departmentID: scope, at: now),
            dueSoon: try await mailbox.openLetterDeadlines(filter: .dueSoon(workingDays: 2), departmentID: scope, limit: limit, at: now),
            dueSoonCount: try await mailbox.countOpenLetterDeadlines(filter: .dueSoon(workingDays: 2), departmentID: scope, at: now),
            // Transfers within one working day: for those who triage.
            triage: Self.seesEveryLetter(staff) ? try await mailbox.triageQueue(limit: limit, at: now) : nil,
            departments: try await mailbox.departmentStatistics(from: query.from, to: query.to),
            transfers: try await mailbox.transferStatistics(from: query.from, to: query.to),
            monthly: try await mailbox.monthlyStatistics(year: query.year), missingCalendarYears: try await yearsMissingFromCalendar())
    }

    // MARK: Reply periods

    /// Sets a type's period (a department's own with `department`; nil
    /// working days removes a department's own), then the periods as they
    /// are now.
    func setPolicy(type: LetterType, department: Int64?, workingDays: Int?, staff: AuthenticatedStaff, clientAddress: String) async throws
        -> [DeadlinePolicy]
    {
        try await database.mailbox.setDeadlinePolicy(
            type: type, departmentID: department, workingDays: workingDays, actor: .staff(staff, clientAddress: clientAddress),
            at: clock.now())
        return try await database.mailbox.deadlinePolicies()
    }

    // MARK: Statistics

    /// Years whose holiday notice is missing although deadlines need them:
    /// this year, next year, and the years open letters fall due in (read
    /// as distinct years, not by loading the letters).
    func yearsMissingFromCalendar() async throws -> [Int] {
        let calendar = try await database.calendar.workingDayCalendar()
        let today = self.today
        var years: Set<Int> = [today.year, today.year + 1]
        years.formUnion(try await database.mailbox.openDeadlineYears())
        return years.filter { !calendar.hasData(forYear: $0) }.sorted()
    }
}

/// The office's words for the workflow's actions.
extension LetterAction {
    /// The key of its strings under `office.actions` and `office.notices`.
    var key: String {
        switch self {
        case .signOff: "signOff"
        case .sendBack: "sendBack"
        case .replyOnTheSpot: "replyOnTheSpot"
        case .correctionNotice: "correctionNotice"
        case .correctedRequest: "correctedRequest"
        case .deemedWithdrawn: "deemedWithdrawn"
        case .unpublishReply: "unpublishReply"
        case .republishReply: "republishReply"
        default: rawValue
        }
    }
}
