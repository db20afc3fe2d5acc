import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The office's mailbox pages: the work list, a letter with its timeline,
/// drafts and the action forms the viewer may use, the dashboard, and reply
/// periods. Every form is a plain POST with the session's `_csrf` field
/// that answers with a redirect and a notice, or the page again with the
/// error (`FormSubmission`); no JavaScript needed.
struct OfficeLettersPagesController {
    typealias Context = AppRequestContext
    let actions: OfficeLetterActions
    let pages: PageRenderer
    /// The year's plan of interviews and open days, shown on the dashboard.
    let plan: AnnualPlanReader

    var database: AppDatabase { actions.database }

    func addRoutes(to router: Router<Context>) {
        OfficeLetterActions.addRoutes(to: router, prefix: "/office") { group in
            group.get("/letters", use: listPage)
                .get("/letters/{id}", use: letterPage)
                .get("/dashboard", use: dashboardPage)
                .get("/letters/{id}/attachments/{attachment}", use: downloadAttachment)
                .post("/letters/{id}/attachments", use: addReplyDocumentForm)
                .post("/letters/{id}/attachments/{attachment}/remove", use: removeReplyDocumentForm)
        } action: { action, request, context in
            try await actionForm(action, request: request, context: context)
        }
        router.group("/office/policies")
            .add(middleware: RequireRoleMiddleware(OfficeLetterActions.policyRoles))
            .get(use: policiesPage)
            .post(use: policyForm)
    }

    // MARK: Work list

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let staff = context.staff!
        return try await FormSubmission.run(context: context) {
            let query = try LetterListQuery.parse(request, paging: .page)
            try await actions.ensureDepartment(query.departmentID, field: "department")
            let (rows, more) = try await actions.letterRows(query, staff: staff)
            let base: [(String, String)] = [
                ("state", query.state), ("department", query.departmentID.map(String.init) ?? ""),
                ("overdue", query.overdue ? "1" : ""), ("dueWithin", query.dueWithin.map(String.init) ?? ""),
            ]
            return try await renderList(
                request: request, context: context, query: query, rows: rows,
                prevURL: query.page > 1 ? "/office/letters" + Self.query(base + [("page", String(query.page - 1))]) : nil,
                nextURL: more ? "/office/letters" + Self.query(base + [("page", String(query.page + 1))]) : nil)
        } showFormAgain: { problem in
            try await renderList(request: request, context: context, problem: problem)
        }
    }

    private func renderList(
        request: Request, context: Context, query: LetterListQuery = LetterListQuery(), rows: [OfficeLetterActions.LetterRow]? = nil,
        prevURL: String? = nil, nextURL: String? = nil, problem: Problem? = nil
    ) async throws -> Response {
        let text = pages.text(for: request)
        let staff = context.staff!
        let parameters = request.uri.queryParameters
        let stateValue = parameters.get("state") ?? ""
        let departmentValue = parameters.get("department") ?? ""
        let states =
            [("", "office.list.allStates"), ("open", "office.list.openStates")]
            + LetterState.allCases.map { ($0.rawValue, "office.states.\($0.rawValue)") }
        let view = OfficeLettersView(
            states: states.map { OfficeChoiceView(value: $0, name: text($1), selected: $0 == stateValue) },
            canChooseDepartment: OfficeLetterActions.seesEveryLetter(staff),
            departments: try await database.accounts.departments().map {
                OfficeLettersView.Department(id: $0.id, name: $0.name, selected: String($0.id) == departmentValue)
            },
            ownDepartment: staff.department, overdue: query.overdue || ["1", "true", "on"].contains(parameters.get("overdue") ?? ""),
            dueWithin: parameters.get("dueWithin") ?? "", letters: (rows ?? []).map { OfficeLetterRowView($0, text: text) },
            hasLetters: !(rows ?? []).isEmpty, empty: rows?.isEmpty ?? false, prevURL: prevURL, nextURL: nextURL,
            error: problem.map { text.officeProblem($0) })
        return try pages.render(view, title: text("office.list.title"), request: request, context: context)
    }

    /// A query string from the non-empty values, in order.
    static func query(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let parts = items.filter { !$0.1.isEmpty }.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    // MARK: One letter

    @Sendable func letterPage(_ request: Request, context: Context) async throws -> Response {
        try await renderLetter(request: request, context: context)
    }

    /// The letter page; after a refused form, with its problem, the action
    /// that failed and what it sent.
    private func renderLetter(
        request: Request, context: Context, problem: Problem? = nil, failed: LetterAction? = nil, form: [String: String] = [:]
    ) async throws -> Response {
        let id = try OfficeLetterActions.letterID(context)
        let text = pages.text(for: request)
        let detail = try await actions.detail(id, staff: context.staff!)
        let code = request.uri.queryParameters.get("notice")
        let notice: String? =
            if let action = code.flatMap(LetterAction.init(rawValue:)) {
                text("office.notices.\(action.key)")
            } else if let code, ["document-added", "document-removed"].contains(code) {
                text("office.attachments.notices.\(code)")
            } else {
                nil
            }
        let view = OfficeLetterView(
            detail, departments: try await database.accounts.departments(), today: actions.today, text: text, notice: notice,
            problem: problem, failed: failed, form: form)
        return try pages.render(view, title: text("office.detail.title"), request: request, context: context)
    }

    func actionForm(_ action: LetterAction, request: Request, context: Context) async throws -> Response {
        let id = try OfficeLetterActions.letterID(context)
        let form = try await OfficeForm.read(request, context: context)
        var input = OfficeActionInput(
            to: form.value("to"), reason: form.value("reason"), note: form.value("note"), lead: form.value("lead"),
            body: form.value("body"), comment: form.value("comment"), workingDays: form.value("workingDays"),
            notice: form.value("notice"), text: form.value("text"), on: form.value("on"),
            correctionDays: form.value("correctionDays"), subject: form.value("subject"), round: form.value("round"))
        // One checkbox per co-handling department (`co`), each with its own
        // optional date (`due-<id>`).
        input.coHandlers = form.values("co").map { .init(department: $0, dueOn: form.value("due-\($0)")) }
        return try await FormSubmission.run(context: context) {
            _ = try await actions.perform(action, input: input, letterID: id, actor: context.staff!)
            return .seeOther("/office/letters/\(id)?notice=\(action.rawValue)")
        } showFormAgain: { problem in
            try await renderLetter(request: request, context: context, problem: problem, failed: action, form: form.fields)
        }
    }

    // MARK: Attachments

    @Sendable func downloadAttachment(_ request: Request, context: Context) async throws -> Response {
        try await actions.download(
            letterID: try OfficeLetterActions.letterID(context), attachmentID: try OfficeLetterActions.attachmentID(context),
            staff: context.staff!)
    }

    @Sendable func addReplyDocumentForm(_ request: Request, context: Context) async throws -> Response {
        let id = try OfficeLetterActions.letterID(context)
        return try await FormSubmission.run(context: context) {
            _ = try await actions.addReplyDocument(letterID: id, request: request, staff: context.staff!)
            return .seeOther("/office/letters/\(id)?notice=document-added#attachments")
        } showFormAgain: { problem in
            try await renderLetter(request: request, context: context, problem: problem)
        }
    }

    @Sendable func removeReplyDocumentForm(_ request: Request, context: Context) async throws -> Response {
        let id = try OfficeLetterActions.letterID(context)
        return try await FormSubmission.run(context: context) {
            try await actions.removeReplyDocument(letterID: id, attachmentID: try OfficeLetterActions.attachmentID(context), staff: context.staff!)
            return .seeOther("/office/letters/\(id)?notice=document-removed#attachments")
        } showFormAgain: { problem in
            try await renderLetter(request: request, context: context, problem: problem)
        }
    }

    // MARK: Dashboard

    @Sendable func dashboardPage(_ request: Request, context: Context) async throws -> Response {
        let today = actions.today
        return try await FormSubmission.run(context: context) {
            try await renderDashboard(request: request, context: context, query: try StatisticsQuery.parse(request, today: today))
        } showFormAgain: { problem in
            // The lists still show, with this year's figures.
            let year = StatisticsQuery(from: CivilDate(year: today.year, month: 1, day: 1), to: today, year: today.year)
            return try await renderDashboard(request: request, context: context, query: year, problem: problem)
        }
    }

    private func renderDashboard(request: Request, context: Context, query: StatisticsQuery, problem: Problem? = nil) async throws
        -> Response
    {
        let text = pages.text(for: request)
        let staff = context.staff!
        var view = OfficeDashboardView(
            try await actions.dashboard(query, staff: staff), query: query, isAdmin: staff.role == .admin,
            error: problem.map { text.officeProblem($0, fields: "office.periodFields") }, text: text)
        view.plan = AnnualPlanPanel(try await plan.report(), text: text)
        return try pages.render(view, title: text("office.dashboard.title"), request: request, context: context)
    }

    // MARK: Reply periods

    @Sendable func policiesPage(_ request: Request, context: Context) async throws -> Response {
        try await renderPolicies(request: request, context: context)
    }

    private func renderPolicies(
        request: Request, context: Context, form: [String: String] = [:], problem: Problem? = nil
    ) async throws -> Response {
        let text = pages.text(for: request)
        let saved = problem == nil && request.uri.queryParameters.get("notice") == "saved"
        let view = OfficePoliciesView(
            try await database.mailbox.deadlinePolicies(), departments: try await database.accounts.departments(), form: form,
            notice: saved ? text("office.policies.saved") : nil, error: problem.map { text.officeProblem($0) }, text: text)
        return try pages.render(view, title: text("office.policies.title"), request: request, context: context)
    }

    @Sendable func policyForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await OfficeForm.read(request, context: context)
        return try await FormSubmission.run(context: context) {
            var errors: [FieldError] = []
            var type: LetterType?
            if let raw = form.value("letterType"), !raw.isEmpty {
                type = LetterType(rawValue: raw)
                if type == nil { errors.append(.invalid("letterType", "unknown letter type '\(raw)'")) }
            } else {
                errors.append(.required("letterType"))
            }
            var department: Int64?
            if let raw = form.value("department"), !raw.isEmpty {
                department = Int64(raw)
                if department == nil || department! <= 0 { errors.append(.invalid("departmentId", "department must be a department id")) }
            }
            var days: Int?
            if let raw = form.value("workingDays")?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
                days = Int(raw)
                if days == nil {
                    errors.append(.invalid("workingDays", "a period is 1 to \(LetterRules.policyWorkingDaysRange.upperBound) working days"))
                }
            }
            try ValidationFailure.check(errors)
            _ = try await actions.setPolicy(
                type: type!, department: department, workingDays: days, staff: context.staff!, clientAddress: context.clientAddress)
            return .seeOther("/office/policies?notice=saved")
        } showFormAgain: { problem in
            try await renderPolicies(request: request, context: context, form: form.fields, problem: problem)
        }
    }
}

/// The old name of `OfficeLettersPagesController.query`, which the deferred
/// questions' page (Interviews) still calls; remove it once that page has
/// moved to its own.
enum MailboxOfficeViews {
    static func query(_ items: [(String, String)]) -> String { OfficeLettersPagesController.query(items) }
}
