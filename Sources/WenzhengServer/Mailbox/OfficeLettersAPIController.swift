import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The office's mailbox over JSON under `/api/v1/office`: work lists, a
/// letter with its timeline, drafts and the actions the caller may take,
/// one POST per action (each answers with the letter as it is now),
/// attachments, deadlines, statistics, departments and reply periods.
struct OfficeLettersAPIController {
    typealias Context = AppRequestContext
    let actions: OfficeLetterActions

    var database: AppDatabase { actions.database }

    func addRoutes(to router: Router<Context>) {
        OfficeLetterActions.addRoutes(to: router, prefix: "/api/v1/office") { group in
            group.get("/letters", use: list)
                .get("/letters/{id}", use: detail)
                .get("/deadlines", use: deadlines)
                .get("/statistics", use: statistics)
                .get("/departments", use: departments)
                .get("/letters/{id}/attachments", use: attachments)
                .get("/letters/{id}/attachments/{attachment}", use: downloadAttachment)
                .post("/letters/{id}/attachments", use: addReplyDocument)
                .delete("/letters/{id}/attachments/{attachment}", use: removeReplyDocument)
        } action: { action, request, context in
            try await act(action, request: request, context: context)
        }
        router.group("/api/v1/office/policies")
            .add(middleware: RequireRoleMiddleware(OfficeLetterActions.policyRoles))
            .get(use: policies)
            .put(use: setPolicy)
        router.group("/api/v1/office/notice-addresses")
            .add(middleware: RequireRoleMiddleware(OfficeLetterActions.policyRoles))
            .get(use: noticeAddresses)
            .put(use: setNoticeAddress)
    }

    // MARK: Bodies

    struct LetterList: ResponseEncodable {
        var letters: [OfficeLetterActions.LetterRow]
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

    struct NoticeAddressList: ResponseEncodable {
        var departments: [DepartmentNoticeAddress]
    }

    struct NoticeAddressBody: Decodable {
        var departmentId: Int64?
        /// Null or blank removes the address.
        var email: String?
    }

    struct PolicyBody: Decodable {
        var letterType: String?
        var departmentId: Int64?
        var workingDays: Int?
    }

    // MARK: Letters

    @Sendable func list(_ request: Request, context: Context) async throws -> LetterList {
        let query = try LetterListQuery.parse(request, paging: .limitOffset)
        try await actions.ensureDepartment(query.departmentID, field: "department")
        let (rows, more) = try await actions.letterRows(query, staff: context.staff!)
        return LetterList(letters: rows, more: more)
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> LetterDetailBody {
        let detail = try await actions.detail(try OfficeLetterActions.letterID(context), staff: context.staff!)
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
        let detail = try await actions.detail(try OfficeLetterActions.letterID(context), staff: context.staff!)
        return AttachmentList(attachments: detail.attachments.map(AttachmentBody.init))
    }

    @Sendable func downloadAttachment(_ request: Request, context: Context) async throws -> Response {
        try await actions.download(
            letterID: try OfficeLetterActions.letterID(context), attachmentID: try OfficeLetterActions.attachmentID(context),
            staff: context.staff!)
    }

    @Sendable func addReplyDocument(_ request: Request, context: Context) async throws -> EditedResponse<AttachmentBody> {
        let added = try await actions.addReplyDocument(
            letterID: try OfficeLetterActions.letterID(context), request: request, staff: context.staff!)
        return EditedResponse(status: .created, response: AttachmentBody(added))
    }

    @Sendable func removeReplyDocument(_ request: Request, context: Context) async throws -> Response {
        try await actions.removeReplyDocument(
            letterID: try OfficeLetterActions.letterID(context), attachmentID: try OfficeLetterActions.attachmentID(context),
            staff: context.staff!)
        return Response(status: .noContent)
    }

    func act(_ action: LetterAction, request: Request, context: Context) async throws -> OfficeJSON<LetterView> {
        let id = try OfficeLetterActions.letterID(context)
        // Actions without fields (accept, resume) may come without a body.
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let body = buffer.readableBytes == 0 ? ActionBody() : try await request.decodeJSON(ActionBody.self, context: context)
        return OfficeJSON(try await actions.perform(action, input: body.input, letterID: id, actor: context.staff!))
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
        let page = try await actions.deadlines(filter: filter, department: department, limit: limit, offset: offset, staff: context.staff!)
        return DeadlineList(deadlines: page.rows, more: page.more)
    }

    static let defaultDeadlinePageSize = 100

    @Sendable func statistics(_ request: Request, context: Context) async throws -> StatisticsBody {
        let query = try StatisticsQuery.parse(request, today: actions.today)
        return StatisticsBody(
            from: query.from.description, to: query.to.description, year: query.year,
            departments: try await database.mailbox.departmentStatistics(from: query.from, to: query.to),
            monthly: try await database.mailbox.monthlyStatistics(year: query.year),
            missingCalendarYears: try await actions.yearsMissingFromCalendar(),
            transfers: try await database.mailbox.transferStatistics(from: query.from, to: query.to))
    }

    @Sendable func departments(_ request: Request, context: Context) async throws -> DepartmentList {
        DepartmentList(departments: try await database.accounts.departments())
    }

    // MARK: Departments' notice addresses

    /// Every department and the shared address its letter notices go to (admin).
    @Sendable func noticeAddresses(_ request: Request, context: Context) async throws -> NoticeAddressList {
        NoticeAddressList(departments: try await database.accounts.departmentNoticeAddresses())
    }

    /// Sets or removes one department's notice address; audited (admin).
    @Sendable func setNoticeAddress(_ request: Request, context: Context) async throws -> NoticeAddressList {
        let body = try await request.decodeJSON(NoticeAddressBody.self, context: context)
        guard let id = body.departmentId else { throw Problem.validation(.required("departmentId")) }
        guard let department = try await database.accounts.departments().first(where: { $0.id == id }) else {
            throw Problem.validation(.invalid("departmentId", "no department \(id)"))
        }
        try await database.accounts.setDepartmentNoticeAddress(
            department: department.name, email: body.email, actor: .staff(context.staff!, clientAddress: context.clientAddress),
            at: actions.clock.now())
        return NoticeAddressList(departments: try await database.accounts.departmentNoticeAddresses())
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
        return PolicyList(
            policies: try await actions.setPolicy(
                type: type, department: body.departmentId, workingDays: body.workingDays, staff: context.staff!,
                clientAddress: context.clientAddress))
    }
}

extension OfficeLetterActions.LetterRow: ResponseEncodable {}

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
