import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WenzhengCore
import WenzhengStore

/// The office's mailbox pages: the work list, a letter with its timeline,
/// drafts and the action forms that fit it, the dashboard, and reply
/// periods. Every form is a plain POST with the session's `_csrf` field
/// that answers with a redirect and a notice, or the page again with the
/// error; no JavaScript needed.
struct MailboxOfficePages {
    typealias Context = AppRequestContext
    let office: MailboxOffice

    var database: AppDatabase { office.database }
    var pages: PageRenderer { office.pages }

    func addRoutes(to router: Router<Context>) {
        let group = router.group("/office")
            .add(middleware: RequireRoleMiddleware(MailboxOffice.roles))
            .get("/letters", use: listPage)
            .get("/letters/{id}", use: letterPage)
            .get("/dashboard", use: dashboardPage)
            .get("/letters/{id}/attachments/{attachment}", use: downloadAttachment)
            .post("/letters/{id}/attachments", use: addReplyDocumentForm)
            .post("/letters/{id}/attachments/{attachment}/remove", use: removeReplyDocumentForm)
        let publication = router.group("/office").add(middleware: RequireRoleMiddleware(MailboxOffice.publicationRoles))
        for action in OfficeAction.allCases {
            (action.isPublication ? publication : group).post("/letters/{id}/\(action.rawValue)") { request, context in
                try await self.actionForm(action, request: request, context: context)
            }
        }
        router.group("/office/policies")
            .add(middleware: RequireRoleMiddleware(MailboxOffice.policyRoles))
            .get(use: policiesPage)
            .post(use: policyForm)
    }

    // MARK: Work list

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let staff = context.staff!
        var data: [String: Any] = [:]
        var status = HTTPResponse.Status.ok
        var query = LetterListQuery()
        do {
            query = try LetterListQuery.parse(request, paging: .page)
            try await office.ensureDepartment(query.departmentID, field: "department")
            let (rows, more) = try await office.letterRows(query, staff: staff)
            data["letters"] = rows.map { MailboxOfficeViews.row($0, language: language, pages: pages) }
            data["empty"] = rows.isEmpty
            data["hasLetters"] = !rows.isEmpty
            let base: [(String, String)] = [
                ("state", query.state), ("department", query.departmentID.map(String.init) ?? ""),
                ("overdue", query.overdue ? "1" : ""), ("dueWithin", query.dueWithin.map(String.init) ?? ""),
            ]
            if query.page > 1 { data["prevURL"] = "/office/letters" + MailboxOfficeViews.query(base + [("page", String(query.page - 1))]) }
            if more { data["nextURL"] = "/office/letters" + MailboxOfficeViews.query(base + [("page", String(query.page + 1))]) }
        } catch let failure as ValidationFailure {
            data["error"] = MailboxOfficeViews.problemMessage(.validation(failure), language: language, pages: pages)
            status = .unprocessableContent
        } catch let problem as Problem where problem.statusCode == 422 {
            data["error"] = MailboxOfficeViews.problemMessage(problem, language: language, pages: pages)
            status = .unprocessableContent
        }
        let parameters = request.uri.queryParameters
        let stateValue = parameters.get("state") ?? ""
        let states =
            [("", "office.list.allStates"), ("open", "office.list.openStates")]
            + LetterState.allCases.map {
                ($0.rawValue, "office.states.\($0.rawValue)")
            }
        data["states"] = states.map { value, key -> [String: Any] in
            ["value": value, "name": pages.translate(key, language: language), "selected": value == stateValue]
        }
        let departmentValue = parameters.get("department") ?? ""
        data["canChooseDepartment"] = MailboxOffice.seesEveryLetter(staff)
        data["departments"] = try await database.accounts.departments().map { department -> [String: Any] in
            ["id": department.id, "name": department.name, "selected": String(department.id) == departmentValue]
        }
        data["overdue"] = query.overdue || ["1", "true", "on"].contains(parameters.get("overdue") ?? "")
        data["dueWithin"] = parameters.get("dueWithin") ?? ""
        data["ownDepartment"] = staff.department
        return try pages.render(
            "office-letters", titleKey: "office.list.title", data: data, status: status, request: request, context: context)
    }

    // MARK: One letter

    @Sendable func letterPage(_ request: Request, context: Context) async throws -> Response {
        try await renderLetter(request: request, context: context)
    }

    private func renderLetter(
        request: Request, context: Context, failed: OfficeAction? = nil, form: [String: String] = [:], problem: Problem? = nil
    ) async throws -> Response {
        let id = try MailboxOffice.letterID(context)
        let language = pages.language(for: request)
        let detail = try await office.detail(id, staff: context.staff!)
        var data = MailboxOfficeViews.letter(
            detail, departments: try await database.accounts.departments(), today: office.today, language: language, pages: pages)
        if let notice = request.uri.queryParameters.get("notice"), problem == nil {
            if let action = OfficeAction(rawValue: notice) {
                data["notice"] = pages.translate("office.notices.\(action.key)", language: language)
            } else if ["document-added", "document-removed"].contains(notice) {
                data["notice"] = pages.translate("office.attachments.notices.\(notice)", language: language)
            }
        }
        if let problem {
            data["error"] = MailboxOfficeViews.problemMessage(problem, language: language, pages: pages)
            data["failedAction"] =
                failed.map {
                    pages.translate("office.detail.failedAction", language: language)
                        + pages.translate("office.actions.\($0.key)", language: language) + (language == .zh ? "。" : ". ")
                } ?? ""
        }
        var form = form
        // The clock forms' date field starts at today; the correction
        // period at its usual length.
        if form["on"] == nil { form["on"] = office.today.description }
        data["correctionDaysValue"] = form["correctionDays"] ?? String(LetterClockRules.defaultCorrectionWorkingDays)
        data["publication"] = MailboxOfficeViews.publication(detail, failed: failed, form: form, language: language, pages: pages)
        data["form"] = form
        return try pages.render(
            "office-letter", titleKey: "office.detail.title", data: data, status: problem?.status ?? .ok, request: request,
            context: context)
    }

    // MARK: Attachments

    @Sendable func downloadAttachment(_ request: Request, context: Context) async throws -> Response {
        try await office.download(
            letterID: try MailboxOffice.letterID(context), attachmentID: try MailboxOffice.attachmentID(context), staff: context.staff!)
    }

    @Sendable func addReplyDocumentForm(_ request: Request, context: Context) async throws -> Response {
        let id = try MailboxOffice.letterID(context)
        do {
            _ = try await office.addReplyDocument(letterID: id, request: request, staff: context.staff!)
        } catch {
            let problem = ErrorMiddleware.problem(for: error, context: context)
            guard FormSubmission.statusesShownInForm.contains(problem.statusCode) else { throw error }
            return try await renderLetter(request: request, context: context, problem: problem)
        }
        return .seeOther("/office/letters/\(id)?notice=document-added#attachments")
    }

    @Sendable func removeReplyDocumentForm(_ request: Request, context: Context) async throws -> Response {
        let id = try MailboxOffice.letterID(context)
        do {
            try await office.removeReplyDocument(letterID: id, attachmentID: try MailboxOffice.attachmentID(context), staff: context.staff!)
        } catch {
            let problem = ErrorMiddleware.problem(for: error, context: context)
            guard FormSubmission.statusesShownInForm.contains(problem.statusCode) else { throw error }
            return try await renderLetter(request: request, context: context, problem: problem)
        }
        return .seeOther("/office/letters/\(id)?notice=document-removed#attachments")
    }

    func actionForm(_ action: OfficeAction, request: Request, context: Context) async throws -> Response {
        let id = try MailboxOffice.letterID(context)
        let form = try await OfficeForm.read(request, context: context)
        var input = OfficeActionInput(
            to: form.value("to"), reason: form.value("reason"), note: form.value("note"), lead: form.value("lead"),
            body: form.value("body"), comment: form.value("comment"), workingDays: form.value("workingDays"),
            notice: form.value("notice"), text: form.value("text"), on: form.value("on"),
            correctionDays: form.value("correctionDays"), subject: form.value("subject"), round: form.value("round"))
        // One checkbox per co-handling department (`co`), each with its own
        // optional date (`due-<id>`).
        input.coHandlers = form.values("co").map { .init(department: $0, dueOn: form.value("due-\($0)")) }
        do {
            _ = try await office.perform(action, input: input, letterID: id, actor: context.staff!)
            return .seeOther("/office/letters/\(id)?notice=\(action.rawValue)")
        } catch let problem as Problem where [403, 409, 422].contains(problem.statusCode) {
            return try await renderLetter(request: request, context: context, failed: action, form: form.fields, problem: problem)
        } catch let failure as ValidationFailure {
            return try await renderLetter(
                request: request, context: context, failed: action, form: form.fields, problem: .validation(failure))
        } catch let error as StoreError {
            if case .notFound = error { throw error }
            return try await renderLetter(
                request: request, context: context, failed: action, form: form.fields,
                problem: ErrorMiddleware.problem(for: error, context: context))
        }
    }

    // MARK: Dashboard

    @Sendable func dashboardPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let staff = context.staff!
        let today = office.today
        var data: [String: Any] = [:]
        var status = HTTPResponse.Status.ok
        let query: StatisticsQuery
        do {
            query = try StatisticsQuery.parse(request, today: today)
        } catch let failure as ValidationFailure {
            data["error"] = MailboxOfficeViews.problemMessage(
                .validation(failure), fields: "office.periodFields", language: language, pages: pages)
            status = .unprocessableContent
            query = StatisticsQuery(from: CivilDate(year: today.year, month: 1, day: 1), to: today, year: today.year)
        }
        // Bounded reads: the first rows of each list and their counts, with
        // a link to the full list, never every open letter.
        let now = office.clock.now()
        let scope = MailboxOffice.scopedDepartment(nil, for: staff)
        let limit = Self.dashboardListSize
        let overdue = try await database.mailbox.openLetterDeadlines(filter: .overdueOnly, departmentID: scope, limit: limit, at: now)
        let overdueCount = try await database.mailbox.countOpenLetterDeadlines(filter: .overdueOnly, departmentID: scope, at: now)
        let dueSoon = try await database.mailbox.openLetterDeadlines(filter: .dueSoon(workingDays: 2), departmentID: scope, limit: limit, at: now)
        let dueSoonCount = try await database.mailbox.countOpenLetterDeadlines(filter: .dueSoon(workingDays: 2), departmentID: scope, at: now)
        func rows(_ rows: some Sequence<LetterDeadlineRow>) -> [[String: Any]] {
            rows.map { MailboxOfficeViews.row(MailboxOffice.row($0), language: language, pages: pages) }
        }
        data["overdue"] = rows(overdue.rows)
        data["noOverdue"] = overdue.rows.isEmpty
        data["overdueCount"] = overdueCount
        data["moreOverdue"] = overdue.more
        data["dueSoon"] = rows(dueSoon.rows)
        data["noDueSoon"] = dueSoon.rows.isEmpty
        data["dueSoonCount"] = dueSoonCount
        data["moreDueSoon"] = dueSoon.more
        func showing(_ count: Int) -> String {
            pages.translate("office.dashboard.showing", language: language).replacing("{n}", with: String(count))
                .replacing("{limit}", with: String(limit))
        }
        data["overdueShowing"] = showing(overdueCount)
        data["dueSoonShowing"] = showing(dueSoonCount)
        // Transfers within one working day: letters waiting for triage,
        // for those who triage.
        if MailboxOffice.seesEveryLetter(staff) {
            let queue = try await database.mailbox.triageQueue(limit: limit, at: now)
            data["showTriage"] = true
            data["triage"] = queue.rows.map { row -> [String: Any] in
                [
                    "id": row.letterId, "number": row.number, "subject": row.subject, "receivedOn": row.receivedOn.description,
                    "transferDueOn": row.transferDueOn.description, "late": row.late,
                    "typeName": pages.translate("office.types.\(row.type.rawValue)", language: language),
                ]
            }
            data["noTriage"] = queue.rows.isEmpty
            data["triageCount"] = queue.total
            data["triageLate"] = queue.late
            data["moreTriage"] = queue.total > queue.rows.count
            data["triageShowing"] = showing(queue.total)
        }
        data["from"] = query.from.description
        data["to"] = query.to.description
        data["year"] = query.year
        let statistics = try await database.mailbox.departmentStatistics(from: query.from, to: query.to)
        data["departments"] = statistics.map { row -> [String: Any] in
            [
                "department": row.department, "replied": row.replied, "onTime": row.repliedOnTime,
                "rate": MailboxOfficeViews.percent(row.onTimeRate),
                "median": row.medianWorkingDaysToReply.map { String(format: "%.1f", $0) } ?? "—",
                "satisfied": row.satisfied, "basicallySatisfied": row.basicallySatisfied, "unsatisfied": row.unsatisfied,
                "unrated": row.unrated,
            ]
        }
        data["noStatistics"] = statistics.isEmpty
        let transfers = try await database.mailbox.transferStatistics(from: query.from, to: query.to)
        data["transferred"] = transfers.transferred
        data["transferredInTime"] = transfers.withinDeadline
        let monthly = try await database.mailbox.monthlyStatistics(year: query.year)
        data["monthly"] = monthly.map { ["month": $0.month, "received": $0.received, "replied": $0.replied, "onTime": $0.repliedOnTime] }
        data["totals"] = [
            "received": monthly.map(\.received).reduce(0, +), "replied": monthly.map(\.replied).reduce(0, +),
            "onTime": monthly.map(\.repliedOnTime).reduce(0, +),
        ]
        let missing = try await office.yearsMissingFromCalendar()
        data["missingYears"] = missing.map(String.init).joined(separator: language == .zh ? "、" : ", ")
        data["isAdmin"] = staff.role == .admin
        return try pages.render(
            "office-dashboard", titleKey: "office.dashboard.title", data: data, status: status, request: request, context: context)
    }

    /// Rows each dashboard list shows before linking to the full list.
    static let dashboardListSize = 20

    // MARK: Reply periods

    @Sendable func policiesPage(_ request: Request, context: Context) async throws -> Response {
        try await renderPolicies(request: request, context: context)
    }

    private func renderPolicies(
        request: Request, context: Context, form: [String: String] = [:], problem: Problem? = nil
    ) async throws -> Response {
        let language = pages.language(for: request)
        func t(_ key: String) -> String { pages.translate(key, language: language) }
        let policies = try await database.mailbox.deadlinePolicies()
        var data: [String: Any] = [:]
        data["policies"] = policies.map { policy -> [String: Any] in
            [
                "type": policy.letterType.rawValue, "typeName": t("office.types.\(policy.letterType.rawValue)"),
                "department": policy.department ?? "", "departmentId": policy.departmentId.map(String.init) ?? "",
                "isDefault": policy.departmentId == nil, "workingDays": policy.workingDays,
            ]
        }
        data["empty"] = policies.isEmpty
        let chosenType = form["letterType"] ?? ""
        data["types"] = LetterType.allCases.map { type -> [String: Any] in
            [
                "value": type.rawValue, "name": t("office.types.\(type.rawValue)"), "builtIn": type.defaultWorkingDays,
                "selected": type.rawValue == chosenType,
            ]
        }
        let chosenDepartment = form["department"] ?? ""
        data["departments"] = try await database.accounts.departments().map { department -> [String: Any] in
            ["id": department.id, "name": department.name, "selected": String(department.id) == chosenDepartment]
        }
        if problem == nil, request.uri.queryParameters.get("notice") == "saved" { data["notice"] = t("office.policies.saved") }
        if let problem { data["error"] = MailboxOfficeViews.problemMessage(problem, language: language, pages: pages) }
        data["form"] = form
        data["maxDays"] = LetterRules.policyWorkingDaysRange.upperBound
        return try pages.render(
            "office-policies", titleKey: "office.policies.title", data: data, status: problem?.status ?? .ok, request: request,
            context: context)
    }

    @Sendable func policyForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await OfficeForm.read(request, context: context)
        do {
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
            try await database.mailbox.setDeadlinePolicy(
                type: type!, departmentID: department, workingDays: days,
                actor: .staff(context.staff!, clientAddress: context.clientAddress), at: office.clock.now())
            return .seeOther("/office/policies?notice=saved")
        } catch let failure as ValidationFailure {
            return try await renderPolicies(request: request, context: context, form: form.fields, problem: .validation(failure))
        } catch let error as StoreError {
            return try await renderPolicies(
                request: request, context: context, form: form.fields, problem: ErrorMiddleware.problem(for: error, context: context))
        }
    }
}

/// An `application/x-www-form-urlencoded` body as name/value pairs, for
/// forms with repeated or numbered fields (the co-handler checkboxes).
struct OfficeForm: Sendable {
    var pairs: [(name: String, value: String)]

    static func read(_ request: Request, context: AppRequestContext) async throws -> OfficeForm {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw Problem(kind: .unsupportedMediaType, detail: "send the form as application/x-www-form-urlencoded")
        }
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        var pairs: [(name: String, value: String)] = []
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) throws -> String {
                guard let decoded = part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw Problem(kind: .badRequest, detail: "the form could not be read: bad percent-encoding")
                }
                return decoded
            }
            pairs.append((try decode(parts[0]), parts.count > 1 ? try decode(parts[1]) : ""))
        }
        return OfficeForm(pairs: pairs)
    }

    func value(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// The single-valued fields, to fill the form again after an error
    /// (never the CSRF token).
    var fields: [String: String] {
        var fields: [String: String] = [:]
        for pair in pairs where pair.name != "_csrf" && fields[pair.name] == nil { fields[pair.name] = pair.value }
        return fields
    }
}
