import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The office's side of the leader's mailbox (docs/mailbox-design.md):
/// triage, assignment, drafting and sign-off, the information-disclosure
/// clock, deadlines, statistics and reply periods. The JSON API and the
/// pages share this value; it validates input, checks that the letter is
/// one the staff member may see, and calls the store, which enforces the
/// workflow's own rules (state, role, department).
struct MailboxOffice: Sendable {
    typealias Context = AppRequestContext
    let database: AppDatabase
    let clock: any WallClock
    let library: ModerationLibrary
    let pages: PageRenderer
    let attachments: LetterAttachments

    /// Who works letters.
    static let roles: Set<Role> = [.admin, .handler, .reviewer]
    /// Who sets reply periods.
    static let policyRoles: Set<Role> = [.admin]
    /// Who withdraws published letters and replies, and publishes them again.
    static let publicationRoles = WithdrawalRules.roles

    /// Mounts the API and the pages.
    func addRoutes(to router: Router<Context>) {
        MailboxOfficeAPI(office: self).addRoutes(to: router)
        MailboxOfficePages(office: self).addRoutes(to: router)
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
    func perform(_ action: OfficeAction, input: OfficeActionInput, letterID: Int64, actor: AuthenticatedStaff) async throws -> LetterView {
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
        var actions: [OfficeAction]
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

// MARK: Actions and their input

typealias OfficeAction = LetterAction

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

/// An action's fields as a form or a JSON body sent them, before checking.
struct OfficeActionInput: Sendable {
    struct CoHandlerInput: Sendable {
        var department: String
        var dueOn: String?
    }

    var to: String?
    var reason: String?
    var note: String?
    var lead: String?
    var coHandlers: [CoHandlerInput] = []
    var body: String?
    var comment: String?
    var workingDays: String?
    var notice: String?
    var text: String?
    /// The day a clock event happened (`yyyy-MM-dd`; empty: today).
    var on: String?
    /// The working days the applicant is given to correct.
    var correctionDays: String?
    /// A republished letter's corrected subject.
    var subject: String?
    /// Which reply (1 answers the letter, 2 the follow-up).
    var round: String?
}

/// An action with checked ids, codes, numbers and dates. Texts are checked
/// by the store (presence and length), which knows their limits.
enum OfficeCommand: Sendable {
    case accept
    case transfer(to: String)
    case reject(TriageRejection, note: String?)
    case assign(lead: Int64, coHandlers: [CoHandler])
    case draft(body: String)
    case signOff(comment: String?)
    case sendBack(comment: String)
    case replyOnTheSpot(body: String)
    case extend(workingDays: Int, notice: String, on: CivilDate?)
    case pause(reason: ClockStopReason, note: String, on: CivilDate?)
    case resume(note: String?, on: CivilDate?)
    case correctionNotice(text: String, correctionDays: Int, on: CivilDate?)
    case correctedRequest(note: String?, on: CivilDate?)
    case deemedWithdrawn(note: String?)
    case unpublish(reason: String)
    case republish(subject: String, body: String)
    case unpublishReply(round: Int, reason: String)
    case republishReply(round: Int, body: String)

    init(_ action: OfficeAction, _ input: OfficeActionInput) throws {
        var errors: [FieldError] = []
        func present(_ value: String?) -> String? {
            let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return trimmed.isEmpty ? nil : trimmed
        }
        /// A required number of working days in `range`.
        func workingDays(_ raw: String?, field: String, range: ClosedRange<Int>, message: String) -> Int {
            guard let raw = present(raw) else {
                errors.append(.required(field))
                return 0
            }
            guard let value = Int(raw), range.contains(value) else {
                errors.append(.invalid(field, message))
                return 0
            }
            return value
        }
        /// The clock event's date, when one was given.
        func eventDate() -> CivilDate? {
            guard let raw = present(input.on) else { return nil }
            guard let date = CivilDate(raw) else {
                errors.append(.invalid("on", "on must be a date like 2026-11-05"))
                return nil
            }
            return date
        }
        switch action {
        case .accept:
            self = .accept
        case .transfer:
            self = .transfer(to: input.to ?? "")
        case .reject:
            var reason = TriageRejection.abusive
            if let raw = present(input.reason) {
                if let parsed = TriageRejection(rawValue: raw) {
                    reason = parsed
                } else {
                    errors.append(
                        .invalid("reason", "reason must be one of \(TriageRejection.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            } else {
                errors.append(.required("reason"))
            }
            self = .reject(reason, note: input.note)
        case .assign:
            var lead: Int64 = 0
            if let raw = present(input.lead) {
                if let id = Int64(raw), id > 0 { lead = id } else { errors.append(.invalid("lead", "lead must be a department id")) }
            } else {
                errors.append(.required("lead"))
            }
            var coHandlers: [CoHandler] = []
            for (index, co) in input.coHandlers.enumerated() {
                let field = "coHandlers[\(index)]"
                guard let id = Int64(co.department.trimmingCharacters(in: .whitespaces)), id > 0 else {
                    errors.append(.invalid(field, "\(field) must be a department id"))
                    continue
                }
                var due: CivilDate?
                if let raw = present(co.dueOn) {
                    due = CivilDate(raw)
                    if due == nil { errors.append(.invalid("\(field).dueOn", "\(field).dueOn must be a date like 2026-12-01")) }
                }
                coHandlers.append(CoHandler(departmentID: id, dueOn: due))
            }
            self = .assign(lead: lead, coHandlers: coHandlers)
        case .draft:
            self = .draft(body: input.body ?? "")
        case .signOff:
            self = .signOff(comment: input.comment)
        case .sendBack:
            self = .sendBack(comment: input.comment ?? "")
        case .replyOnTheSpot:
            self = .replyOnTheSpot(body: input.body ?? "")
        case .extend:
            let days = workingDays(
                input.workingDays, field: "workingDays", range: 1...LetterRules.maxExtensionWorkingDays,
                message: "an extension is 1 to \(LetterRules.maxExtensionWorkingDays) working days")
            var notice = ""
            if present(input.notice) == nil { errors.append(.required("notice")) } else { notice = input.notice! }
            self = .extend(workingDays: days, notice: notice, on: eventDate())
        case .pause:
            var reason = ClockStopReason.thirdParty
            let choices = ClockStopReason.consultations.map(\.rawValue).joined(separator: ", ")
            if let raw = present(input.reason) {
                if let parsed = ClockStopReason(rawValue: raw), parsed.isConsultation {
                    reason = parsed
                } else {
                    errors.append(.invalid("reason", "reason must be one of \(choices)"))
                }
            } else {
                errors.append(.required("reason"))
            }
            self = .pause(reason: reason, note: input.note ?? "", on: eventDate())
        case .resume:
            self = .resume(note: input.note, on: eventDate())
        case .correctionNotice:
            let range = LetterClockRules.correctionPeriodRange
            let days = workingDays(
                input.correctionDays, field: "correctionDays", range: range,
                message: "correctionDays must be \(range.lowerBound) to \(range.upperBound) working days")
            self = .correctionNotice(text: input.text ?? "", correctionDays: days, on: eventDate())
        case .correctedRequest:
            self = .correctedRequest(note: input.note, on: eventDate())
        case .deemedWithdrawn:
            self = .deemedWithdrawn(note: input.note)
        case .unpublish:
            self = .unpublish(reason: input.reason ?? "")
        case .republish:
            self = .republish(subject: input.subject ?? "", body: input.body ?? "")
        case .unpublishReply, .republishReply:
            var round = 0
            if let raw = present(input.round) {
                if let value = Int(raw), value >= 1 { round = value } else { errors.append(.invalid("round", "round must be 1 or more")) }
            } else {
                errors.append(.required("round"))
            }
            self = action == .unpublishReply ? .unpublishReply(round: round, reason: input.reason ?? "") : .republishReply(round: round, body: input.body ?? "")
        }
        try ValidationFailure.check(errors)
    }
}

// MARK: List queries

/// The filters of a letter list: `state` (a state, or `open`),
/// `department` (an id), `overdue`, `dueWithin` (working days), and the
/// page (`page` on pages, `limit`/`offset` in the API).
struct LetterListQuery: Sendable {
    var state: String = ""
    var states: [LetterState] = []
    var departmentID: Int64?
    var overdue = false
    var dueWithin: Int?
    var limit = 50
    var offset = 0

    static let maxDueWithin = 365
    static let pageSize = 50

    /// Reads the filters; every bad one is reported at once (422).
    static func parse(_ request: Request, paging: Paging) throws -> LetterListQuery {
        let parameters = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let raw = parameters.get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var query = LetterListQuery()
        var errors: [FieldError] = []
        if let state = value("state") {
            query.state = state
            if state == "open" {
                query.states = LetterState.allCases.filter(\.isOpen)
            } else if let parsed = LetterState(rawValue: state) {
                query.states = [parsed]
            } else {
                errors.append(
                    .invalid("state", "state must be open or one of \(LetterState.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        if let department = value("department") {
            if let id = Int64(department), id > 0 {
                query.departmentID = id
            } else {
                errors.append(.invalid("department", "department must be a department id"))
            }
        }
        if let overdue = value("overdue") {
            switch overdue {
            case "1", "true", "on": query.overdue = true
            case "0", "false", "off": query.overdue = false
            default: errors.append(.invalid("overdue", "overdue must be true or false"))
            }
        }
        if let raw = value("dueWithin") {
            if let days = Int(raw), (1...maxDueWithin).contains(days) {
                query.dueWithin = days
            } else {
                errors.append(.invalid("dueWithin", "dueWithin must be 1 to \(maxDueWithin) working days"))
            }
        }
        if query.overdue && query.dueWithin != nil {
            errors.append(.invalid("dueWithin", "choose either overdue or due within N working days, not both"))
        }
        if (query.overdue || query.dueWithin != nil), query.states.contains(where: { !$0.isOpen }) {
            errors.append(.invalid("state", "deadlines are for open letters; \(query.state) letters have none"))
        }
        switch paging {
        case .page:
            if let raw = value("page") {
                if let page = Int(raw), (1...10_000).contains(page) {
                    query.offset = (page - 1) * pageSize
                } else {
                    errors.append(.invalid("page", "page must be a number from 1"))
                }
            }
            query.limit = pageSize
        case .limitOffset:
            (query.limit, query.offset) = limitAndOffset(
                limit: value("limit"), offset: value("offset"), defaultLimit: query.limit, into: &errors)
        }
        try ValidationFailure.check(errors)
        return query
    }

    enum Paging {
        case page
        case limitOffset
    }

    /// An API page: `limit` 1…`MailboxChecks.maxDeadlinePageSize` (200) and
    /// `offset` from 0.
    static func limitAndOffset(limit: String?, offset: String?, defaultLimit: Int, into errors: inout [FieldError]) -> (Int, Int) {
        var result = (defaultLimit, 0)
        let maximum = MailboxChecks.maxDeadlinePageSize
        if let limit {
            if let value = Int(limit), (1...maximum).contains(value) {
                result.0 = value
            } else {
                errors.append(.invalid("limit", "limit must be 1 to \(maximum)"))
            }
        }
        if let offset {
            if let value = Int(offset), (0...1_000_000).contains(value) {
                result.1 = value
            } else {
                errors.append(.invalid("offset", "offset must be 0 or more"))
            }
        }
        return result
    }

    var page: Int { offset / Self.pageSize + 1 }
}

/// A statistics period: `from` and `to` (dates, inclusive), by default
/// this year up to today; `year` for the monthly figures, by default the
/// year of `to`.
struct StatisticsQuery: Sendable {
    var from: CivilDate
    var to: CivilDate
    var year: Int

    static func parse(_ request: Request, today: CivilDate) throws -> StatisticsQuery {
        let parameters = request.uri.queryParameters
        var errors: [FieldError] = []
        func date(_ name: String, _ fallback: CivilDate) -> CivilDate {
            guard let raw = parameters.get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return fallback }
            guard let date = CivilDate(raw), HolidayNotice.supportedYears.contains(date.year) else {
                errors.append(.invalid(name, "\(name) must be a date like 2026-01-01"))
                return fallback
            }
            return date
        }
        let from = date("from", CivilDate(year: today.year, month: 1, day: 1))
        let to = date("to", today)
        var year = to.year
        if let raw = parameters.get("year")?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let value = Int(raw), HolidayNotice.supportedYears.contains(value) {
                year = value
            } else {
                errors.append(.invalid("year", "year must be a year like 2026"))
            }
        }
        if errors.isEmpty && to < from { errors.append(.invalid("to", "the period ends before it starts")) }
        try ValidationFailure.check(errors)
        return StatisticsQuery(from: from, to: to, year: year)
    }
}

/// A JSON answer for a store value that is not itself `ResponseEncodable`,
/// encoded the way every API answer is.
struct OfficeJSON<Value: Encodable & Sendable>: ResponseGenerator {
    var value: Value
    var status: HTTPResponse.Status = .ok

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(value, from: request, context: context)
        response.status = status
        return response
    }
}
