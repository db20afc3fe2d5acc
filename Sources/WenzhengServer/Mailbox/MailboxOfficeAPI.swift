import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The office's mailbox over JSON: work lists, a letter with its timeline
/// and drafts, one POST per action (each answers with the letter as it is
/// now), deadlines, statistics, departments and reply periods.
struct MailboxOfficeAPI {
    typealias Context = AppRequestContext
    let office: MailboxOffice

    var database: AppDatabase { office.database }

    func addRoutes(to router: Router<Context>) {
        let group = router.group("/api/v1/office")
            .add(middleware: RequireRoleMiddleware(MailboxOffice.roles))
            .get("/letters", use: list)
            .get("/letters/{id}", use: detail)
            .get("/deadlines", use: deadlines)
            .get("/statistics", use: statistics)
            .get("/departments", use: departments)
            .get("/letters/{id}/attachments", use: attachments)
            .get("/letters/{id}/attachments/{attachment}", use: downloadAttachment)
            .post("/letters/{id}/attachments", use: addReplyDocument)
            .delete("/letters/{id}/attachments/{attachment}", use: removeReplyDocument)
        let publication = router.group("/api/v1/office").add(middleware: RequireRoleMiddleware(MailboxOffice.publicationRoles))
        for action in OfficeAction.allCases {
            (action.isPublication ? publication : group).post("/letters/{id}/\(action.rawValue)") { request, context in
                try await self.act(action, request: request, context: context)
            }
        }
        router.group("/api/v1/office/policies")
            .add(middleware: RequireRoleMiddleware(MailboxOffice.policyRoles))
            .get(use: policies)
            .put(use: setPolicy)
    }

    // MARK: Bodies

    struct LetterList: ResponseEncodable {
        var letters: [MailboxOffice.LetterRow]
        /// More letters match than this page holds.
        var more: Bool
    }

    struct LetterDetailBody: ResponseEncodable {
        var letter: LetterView
        var timeline: [LetterEventView]
        var drafts: [LetterDraftView]
        var attachments: [AttachmentBody]
        /// The actions that fit the letter's state and the caller (path
        /// segments of `POST /api/v1/office/letters/{id}/<action>`).
        var actions: [String]
    }

    struct ActionBody: Decodable {
        struct CoHandlerBody: Decodable {
            var departmentId: Int64?
            var dueOn: String?
        }
        var to: String?
        var reason: String?
        var note: String?
        var lead: Int64?
        var coHandlers: [CoHandlerBody]?
        var body: String?
        var comment: String?
        var workingDays: Int?
        var notice: String?
        var text: String?
        var on: String?
        var correctionDays: Int?
        var subject: String?
        var round: Int?

        var input: OfficeActionInput {
            OfficeActionInput(
                to: to, reason: reason, note: note, lead: lead.map(String.init),
                coHandlers: (coHandlers ?? []).map { .init(department: $0.departmentId.map(String.init) ?? "", dueOn: $0.dueOn) },
                body: body, comment: comment, workingDays: workingDays.map(String.init), notice: notice, text: text, on: on,
                correctionDays: correctionDays.map(String.init), subject: subject, round: round.map(String.init))
        }
    }

    struct DeadlineList: ResponseEncodable {
        var deadlines: [LetterDeadlineRow]
        /// More rows match than this page holds (`offset` + `limit`).
        var more: Bool
    }

    struct StatisticsBody: ResponseEncodable {
        var from: String
        var to: String
        var year: Int
        var departments: [DepartmentLetterStatistics]
        var monthly: [MonthlyLetterStatistics]
        /// Years whose holiday notice should be imported (deadlines in them
        /// are provisional).
        var missingCalendarYears: [Int]
        /// Letters transferred in the period, and how many within the
        /// working day after receipt.
        var transfers: TransferStatistics
    }

    struct DepartmentList: ResponseEncodable {
        var departments: [LetterDepartment]
    }

    struct PolicyList: ResponseEncodable {
        var policies: [DeadlinePolicy]
    }

    struct PolicyBody: Decodable {
        var letterType: String?
        var departmentId: Int64?
        var workingDays: Int?
    }

    // MARK: Letters

    @Sendable func list(_ request: Request, context: Context) async throws -> LetterList {
        let query = try LetterListQuery.parse(request, paging: .limitOffset)
        try await office.ensureDepartment(query.departmentID, field: "department")
        let (rows, more) = try await office.letterRows(query, staff: context.staff!)
        return LetterList(letters: rows, more: more)
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> LetterDetailBody {
        let detail = try await office.detail(try MailboxOffice.letterID(context), staff: context.staff!)
        return LetterDetailBody(
            letter: detail.letter, timeline: detail.timeline, drafts: detail.drafts, attachments: detail.attachments.map(AttachmentBody.init),
            actions: detail.actions.map(\.rawValue))
    }

    // MARK: Attachments

    /// An attachment as the API lists it; the bytes are at `url`.
    struct AttachmentBody: ResponseEncodable {
        var id: Int64
        var role: AttachmentRole
        var kind: AttachmentKind
        var mediaType: String
        var byteCount: Int
        var name: String
        var addedBy: String?
        var addedAt: Date
        var url: String

        init(_ view: LetterAttachmentView) {
            id = view.id
            role = view.role
            kind = view.kind
            mediaType = view.kind.mediaType
            byteCount = view.byteCount
            name = view.displayName
            addedBy = view.addedBy
            addedAt = view.addedAt
            url = "/api/v1/office/letters/\(view.letterId)/attachments/\(view.id)"
        }
    }

    struct AttachmentList: ResponseEncodable {
        var attachments: [AttachmentBody]
    }

    @Sendable func attachments(_ request: Request, context: Context) async throws -> AttachmentList {
        let detail = try await office.detail(try MailboxOffice.letterID(context), staff: context.staff!)
        return AttachmentList(attachments: detail.attachments.map(AttachmentBody.init))
    }

    @Sendable func downloadAttachment(_ request: Request, context: Context) async throws -> Response {
        try await office.download(
            letterID: try MailboxOffice.letterID(context), attachmentID: try MailboxOffice.attachmentID(context), staff: context.staff!)
    }

    @Sendable func addReplyDocument(_ request: Request, context: Context) async throws -> EditedResponse<AttachmentBody> {
        let added = try await office.addReplyDocument(letterID: try MailboxOffice.letterID(context), request: request, staff: context.staff!)
        return EditedResponse(status: .created, response: AttachmentBody(added))
    }

    @Sendable func removeReplyDocument(_ request: Request, context: Context) async throws -> Response {
        try await office.removeReplyDocument(
            letterID: try MailboxOffice.letterID(context), attachmentID: try MailboxOffice.attachmentID(context), staff: context.staff!)
        return Response(status: .noContent)
    }

    func act(_ action: OfficeAction, request: Request, context: Context) async throws -> OfficeJSON<LetterView> {
        let id = try MailboxOffice.letterID(context)
        // Actions without fields (accept, resume) may come without a body.
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let body = buffer.readableBytes == 0 ? ActionBody() : try await request.decodeJSON(ActionBody.self, context: context)
        return OfficeJSON(try await office.perform(action, input: body.input, letterID: id, actor: context.staff!))
    }

    // MARK: Deadlines and statistics

    /// `filter=overdue|due-within|all` (default all), `days=N` with
    /// due-within, `department=<id>`, and the page: `limit` (1…200,
    /// default 100) and `offset`.
    @Sendable func deadlines(_ request: Request, context: Context) async throws -> DeadlineList {
        let parameters = request.uri.queryParameters
        var errors: [FieldError] = []
        func value(_ name: String) -> String? {
            guard let raw = parameters.get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var days: Int?
        if let raw = value("days") {
            if let parsed = Int(raw), (1...LetterListQuery.maxDueWithin).contains(parsed) {
                days = parsed
            } else {
                errors.append(.invalid("days", "days must be 1 to \(LetterListQuery.maxDueWithin) working days"))
            }
        }
        var filter = LetterDeadlineFilter.all
        switch value("filter") ?? "all" {
        case "all":
            if days != nil { errors.append(.invalid("days", "days goes with filter=due-within")) }
        case "overdue":
            filter = .overdueOnly
            if days != nil { errors.append(.invalid("days", "days goes with filter=due-within")) }
        case "due-within":
            if let days { filter = .dueWithin(workingDays: days) } else if errors.isEmpty { errors.append(.required("days")) }
        default:
            errors.append(.invalid("filter", "filter must be overdue, due-within or all"))
        }
        var department: Int64?
        if let raw = value("department") {
            if let id = Int64(raw), id > 0 {
                department = id
            } else {
                errors.append(.invalid("department", "department must be a department id"))
            }
        }
        let (limit, offset) = LetterListQuery.limitAndOffset(
            limit: value("limit"), offset: value("offset"), defaultLimit: Self.defaultDeadlinePageSize, into: &errors)
        try ValidationFailure.check(errors)
        try await office.ensureDepartment(department, field: "department")
        let scoped = MailboxOffice.scopedDepartment(department, for: context.staff!)
        let page = try await database.mailbox.openLetterDeadlines(
            filter: filter, departmentID: scoped, limit: limit, offset: offset, at: office.clock.now())
        return DeadlineList(deadlines: page.rows, more: page.more)
    }

    static let defaultDeadlinePageSize = 100

    @Sendable func statistics(_ request: Request, context: Context) async throws -> StatisticsBody {
        let query = try StatisticsQuery.parse(request, today: office.today)
        return StatisticsBody(
            from: query.from.description, to: query.to.description, year: query.year,
            departments: try await database.mailbox.departmentStatistics(from: query.from, to: query.to),
            monthly: try await database.mailbox.monthlyStatistics(year: query.year),
            missingCalendarYears: try await office.yearsMissingFromCalendar(),
            transfers: try await database.mailbox.transferStatistics(from: query.from, to: query.to))
    }

    @Sendable func departments(_ request: Request, context: Context) async throws -> DepartmentList {
        DepartmentList(departments: try await database.accounts.departments())
    }

    // MARK: Reply periods

    @Sendable func policies(_ request: Request, context: Context) async throws -> PolicyList {
        PolicyList(policies: try await database.mailbox.deadlinePolicies())
    }

    /// Sets a type's period (`departmentId` for one lead department's own;
    /// `workingDays` null removes a department's own).
    @Sendable func setPolicy(_ request: Request, context: Context) async throws -> PolicyList {
        let body = try await request.decodeJSON(PolicyBody.self, context: context)
        guard let raw = body.letterType else { throw Problem.validation(.required("letterType")) }
        guard let type = LetterType(rawValue: raw) else {
            throw Problem.validation(
                .invalid("letterType", "letterType must be one of \(LetterType.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        try await database.mailbox.setDeadlinePolicy(
            type: type, departmentID: body.departmentId, workingDays: body.workingDays,
            actor: .staff(context.staff!, clientAddress: context.clientAddress), at: office.clock.now())
        return PolicyList(policies: try await database.mailbox.deadlinePolicies())
    }
}

extension MailboxOffice.LetterRow: ResponseEncodable {}
