import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The moderation console and its forms (moderators), the fragment a
/// console fetches after a live update, and the admin's word-list page.
/// Every form works without JavaScript: it redirects back to the console
/// with a notice, or shows the console again with why it was refused.
struct ModerationPagesController {
    typealias Context = AppRequestContext
    let actions: ModerationActions
    let pages: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.group("/moderation")
            .add(middleware: RequireRoleMiddleware(ModerationActions.moderators))
            .get(use: consolePage)
            .get("/items/{id}/card", use: itemCard)
            .post("/items/{id}/claim", use: claimForm)
            .post("/items/{id}/approve", use: approveForm)
            .post("/items/{id}/edit", use: editForm)
            .post("/items/{id}/reject", use: rejectForm)
            .post("/items/{id}/merge", use: mergeForm)
            .post("/bulk", use: bulkForm)
        router.group("/admin/moderation")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get(use: listsPage)
            .post("/reload", use: reloadForm)
    }

    // MARK: Forms

    /// One item's forms: the version the moderator saw, and each action's field.
    struct ItemForm: Decodable {
        var version: Int?
        var override: String?
        var text: String?
        var reason: String?
        var note: String?
        var into: String?
    }

    struct BulkForm: Decodable {
        var ids: [Int64]?
        var action: String?
        var reason: String?
    }

    // MARK: Console

    @Sendable func consolePage(_ request: Request, context: Context) async throws -> Response {
        try await renderConsole(request: request, context: context)
    }

    /// One card, for a console to swap in after a live update.
    @Sendable func itemCard(_ request: Request, context: Context) async throws -> Response {
        let item = try await actions.item(try ModerationRequest.itemID(context), for: context.staff!)
        let view = ModerationCardView(item, rules: actions.library.filter.rules, text: pages.text(for: request))
        return try pages.renderFragment(view, request: request, context: context)
    }

    @Sendable func claimForm(_ request: Request, context: Context) async throws -> Response {
        try await itemForm(request, context: context) { id, _ in
            _ = try await actions.claim(id, by: context.staff!)
            return "claimed"
        }
    }

    @Sendable func approveForm(_ request: Request, context: Context) async throws -> Response {
        try await itemForm(request, context: context) { id, form in
            _ = try await actions.decide(id, .approve(override: form.override == "1"), version: form.version, by: context.staff!)
            return "approved"
        }
    }

    @Sendable func editForm(_ request: Request, context: Context) async throws -> Response {
        try await itemForm(request, context: context) { id, form in
            _ = try await actions.decide(
                id, .edit(text: form.text ?? "", override: form.override == "1"), version: form.version, by: context.staff!)
            return "edited"
        }
    }

    @Sendable func rejectForm(_ request: Request, context: Context) async throws -> Response {
        try await itemForm(request, context: context) { id, form in
            _ = try await actions.decide(
                id, .reject(reasonCode: form.reason ?? "", note: form.note), version: form.version, by: context.staff!)
            return "rejected"
        }
    }

    @Sendable func mergeForm(_ request: Request, context: Context) async throws -> Response {
        try await itemForm(request, context: context) { id, form in
            let number = form.into?.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "#"))
            guard let into = number.flatMap({ Int64($0) }) else { throw Problem.validation(.required("into")) }
            _ = try await actions.decide(id, .merge(into: into), version: form.version, by: context.staff!)
            return "merged"
        }
    }

    @Sendable func bulkForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(BulkForm.self, context: context)
        let text = pages.text(for: request)
        return try await FormSubmission.run(context: context) {
            let ids = form.ids ?? []
            try ModerationActions.checkBulk(ids)
            let decision: ModerationDecision
            switch form.action {
            case "approve": decision = .approve(override: false)
            case "reject": decision = .reject(reasonCode: form.reason ?? "other", note: nil)
            default: throw Problem.validation(.invalid("action", "bulk action must be approve or reject"))
            }
            let results = try await actions.decideInBulk(ids, decision, by: context.staff!)
            let done = results.filter(\.ok).count
            return .seeOther("/moderation?notice=bulk&done=\(done)&failed=\(results.count - done)")
        } showFormAgain: { _ in
            try await renderConsole(request: request, context: context, error: text("moderation.bulkNone"))
        }
    }

    /// Runs one item's form and redirects back to the item on the console;
    /// a refusal (taken by someone else, held, a bad reason) shows the
    /// console again with why.
    private func itemForm(
        _ request: Request, context: Context, _ action: @escaping (Int64, ItemForm) async throws -> String
    ) async throws -> Response {
        let id = try ModerationRequest.itemID(context)
        let form = try await request.decodeForm(ItemForm.self, context: context)
        return try await FormSubmission.run(context: context) {
            let notice = try await action(id, form)
            return .seeOther("/moderation?notice=\(notice)&item=\(id)#item-\(id)")
        } showFormAgain: { problem in
            try await renderConsole(request: request, context: context, error: Self.errorLine(problem, text: pages.text(for: request)))
        }
    }

    private func renderConsole(request: Request, context: Context, error: String? = nil) async throws -> Response {
        let text = pages.text(for: request)
        let query = request.uri.queryParameters
        let filter = try ModerationRequest.filter(from: query)
        var view = ModerationConsoleView(
            items: try await actions.queue(filter, for: context.staff!), filter: filter, counts: try await actions.pendingCounts(),
            library: actions.library, text: text)
        view.notice = Self.notice(query, text: text)
        view.error = error
        return try pages.render(view, title: text("moderation.title"), request: request, context: context)
    }

    /// The banner for `?notice=`: a fixed message, and for a bulk action its
    /// counts, only as numbers a bulk action can have produced.
    static func notice(_ query: Parameters, text: PageText) -> String? {
        guard let code = query.get("notice"), let notice = text.renderer.notice(code, in: "moderation.notices", language: text.language)
        else { return nil }
        guard code == "bulk" else { return notice }
        let counts = ["done", "failed"].map { query.get($0).flatMap(Int.init) ?? -1 }
        guard counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, +) <= ModerationActions.maxBulkItems else {
            return text("moderation.notices.bulkDone")
        }
        return text.format("moderation.notices.bulk", ["done": String(counts[0]), "failed": String(counts[1])])
    }

    /// A refused form as the console's one line: each field's message in
    /// the reader's language, else the problem's own detail ("already
    /// handled by …").
    static func errorLine(_ problem: Problem, text: PageText) -> String {
        let errors = FormErrors(problem, text: text, prefix: "moderation")
        guard !errors.messages.isEmpty else { return problem.detail ?? errors.summary }
        return errors.messages.map(\.text).joined(separator: "; ")
    }

    // MARK: Word lists (admins)

    @Sendable func listsPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        var view = ModerationListsView(actions.library, text: text)
        if request.uri.queryParameters.get("notice") == "reloaded" { view.notice = text("moderation.reloaded") }
        return try pages.render(view, title: text("moderation.lists.title"), request: request, context: context)
    }

    @Sendable func reloadForm(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        return try await FormSubmission.run(context: context) {
            _ = try await actions.reloadLists(by: context.staff!, logger: context.logger)
            return .seeOther("/admin/moderation?notice=reloaded")
        } showFormAgain: { problem in
            var view = ModerationListsView(actions.library, text: text)
            view.error = text("moderation.reloadFailed") + " " + (problem.detail ?? "")
            return try pages.render(view, title: text("moderation.lists.title"), request: request, context: context)
        }
    }
}
