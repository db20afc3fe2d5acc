import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import WenzhengCore
import WenzhengStore

/// The moderation queue: the console page and its forms, the JSON API, the
/// live socket, and the admin's view of the word lists.
struct ModerationController {
    typealias Context = AppRequestContext
    let database: AppDatabase
    let clock: any WallClock
    let library: ModerationLibrary
    let hub: LiveHub
    let channel: ModerationChannel
    let pages: PageRenderer

    static let moderators: Set<Role> = [.moderator, .admin]

    func addRoutes(to router: Router<Context>) {
        router.group("/moderation")
            .add(middleware: RequireRoleMiddleware(Self.moderators))
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
        router.group("/api/v1/moderation")
            .add(middleware: RequireRoleMiddleware(Self.moderators))
            .get("/items", use: listItems)
            .get("/items/{id}", use: getItem)
            .post("/items/{id}/claim", use: claimItem)
            .post("/items/{id}/release", use: releaseItem)
            .post("/items/{id}/decision", use: decideItem)
            .post("/bulk", use: bulkDecide)
            .get("/reasons", use: reasons)
            .post("/check", use: checkText)
        router.group("/api/v1/moderation")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get("/lists", use: lists)
            .post("/reload", use: reload)
        router.group("/live/moderation")
            .add(middleware: RequireRoleMiddleware(Self.moderators))
            .ws(shouldUpgrade: { request, _ in
                try LiveSocket.checkOrigin(request)
                return .upgrade([:])
            }) { inbound, outbound, context in
                let channel = context.requestContext.channel
                let subscription = hub.moderation.subscribe(onOverflow: LiveSocket.closeAfterGrace(channel))
                try await LiveSocket.stream(
                    subscription, from: hub.moderation, to: outbound, inbound: inbound,
                    stillAuthorized: LiveSocket.sessionCheck(context.request, database: database, clock: clock))
            }
    }

    // MARK: API

    struct ItemList: ResponseEncodable {
        var items: [ModerationItem]
    }

    struct DecisionRequest: Decodable {
        /// approve, edit or reject.
        var action: String?
        var override: Bool?
        var text: String?
        var reason: String?
        var note: String?
        /// The version the moderator saw; omit to skip the check.
        var version: Int?
        /// For merge: the item this one duplicates.
        var into: Int64?
    }

    struct BulkRequest: Decodable {
        var ids: [Int64]?
        var action: String?
        var override: Bool?
        var reason: String?
        var note: String?
    }

    struct BulkResponse: ResponseEncodable {
        var results: [BulkDecisionResult]
    }

    struct ReasonList: ResponseEncodable {
        var reasons: [RejectionReason]
    }

    struct CheckRequest: Decodable {
        var text: String?
    }

    struct CheckResponse: ResponseEncodable {
        var action: FilterAction?
        var flags: [FilterFlag]
        var personalInformation: [PersonalInformationMatch]
        var masked: String
    }

    struct ListsResponse: ResponseEncodable {
        var loadedAt: Date
        var lists: [ModerationLibrary.ListSummary]
    }

    @Sendable func listItems(_ request: Request, context: Context) async throws -> ItemList {
        ItemList(
            items: try await database.moderation.moderationQueue(try Self.filter(from: request.uri.queryParameters), at: clock.now())
                .map { channel.presented($0, to: context.staff) })
    }

    @Sendable func getItem(_ request: Request, context: Context) async throws -> ModerationItem {
        channel.presented(try await database.moderation.moderationItem(id: try Self.itemID(context)), to: context.staff)
    }

    @Sendable func claimItem(_ request: Request, context: Context) async throws -> ModerationItem {
        let item = try await database.moderation.claimModerationItem(id: try Self.itemID(context), by: context.staff!, at: clock.now())
        channel.announce(item, .claimed)
        return channel.presented(item, to: context.staff)
    }

    @Sendable func releaseItem(_ request: Request, context: Context) async throws -> ModerationItem {
        let item = try await database.moderation.releaseModerationClaim(id: try Self.itemID(context), by: context.staff!)
        channel.announce(item, .released)
        return channel.presented(item, to: context.staff)
    }

    @Sendable func decideItem(_ request: Request, context: Context) async throws -> ModerationItem {
        let body = try await request.decodeJSON(DecisionRequest.self, context: context)
        let decision = try Self.decision(
            action: body.action, override: body.override, text: body.text, reason: body.reason, note: body.note, into: body.into)
        return channel.presented(try await decide(try Self.itemID(context), decision, version: body.version, context: context), to: context.staff)
    }

    @Sendable func bulkDecide(_ request: Request, context: Context) async throws -> BulkResponse {
        let body = try await request.decodeJSON(BulkRequest.self, context: context)
        guard let ids = body.ids, !ids.isEmpty else { throw Problem.validation(.required("ids")) }
        guard ids.count <= Self.maxBulkItems else {
            throw Problem.validation(FieldError(field: "ids", code: "too_many", message: "at most \(Self.maxBulkItems) items at once"))
        }
        guard body.action == "approve" || body.action == "reject" else {
            throw Problem.validation(.invalid("action", "bulk action must be approve or reject"))
        }
        let decision = try Self.decision(action: body.action, override: body.override, text: nil, reason: body.reason, note: body.note)
        let results = try await bulk(ids, decision, context: context).map { result in
            var result = result
            result.item = result.item.map { channel.presented($0, to: context.staff) }
            return result
        }
        return BulkResponse(results: results)
    }

    @Sendable func reasons(_ request: Request, context: Context) async throws -> ReasonList {
        ReasonList(reasons: library.filter.rules.rejectionReasons)
    }

    @Sendable func checkText(_ request: Request, context: Context) async throws -> CheckResponse {
        let body = try await request.decodeJSON(CheckRequest.self, context: context)
        var errors: [FieldError] = []
        let text = TextRules.requiredText(body.text, field: "text", maxLength: ModerationPolicy.maxTextLength, into: &errors)
        try ValidationFailure.check(errors)
        let result = library.filter.check(text)
        return CheckResponse(
            action: result.action, flags: result.flags, personalInformation: result.personalInformation,
            masked: PersonalInformation.mask(text))
    }

    @Sendable func lists(_ request: Request, context: Context) async throws -> ListsResponse {
        let loaded = library.loaded
        return ListsResponse(loadedAt: loaded.loadedAt, lists: loaded.summary)
    }

    @Sendable func reload(_ request: Request, context: Context) async throws -> ListsResponse {
        let loaded = try await reloadLists(context: context)
        return ListsResponse(loadedAt: loaded.loadedAt, lists: loaded.summary)
    }

    // MARK: Pages

    @Sendable func consolePage(_ request: Request, context: Context) async throws -> Response {
        try await renderConsole(request: request, context: context)
    }

    @Sendable func itemCard(_ request: Request, context: Context) async throws -> Response {
        let item = channel.presented(try await database.moderation.moderationItem(id: try Self.itemID(context)), to: context.staff)
        let language = pages.language(for: request)
        return try pages.renderFragment(
            "moderation-card", data: ["item": ModerationViews.card(item, filter: library.filter, language: language, pages: pages, staff: context.staff)],
            request: request, context: context)
    }

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

    @Sendable func claimForm(_ request: Request, context: Context) async throws -> Response {
        try await formAction(request, context: context) { id, _ in
            let item = try await database.moderation.claimModerationItem(id: id, by: context.staff!, at: clock.now())
            channel.announce(item, .claimed)
            return "claimed"
        }
    }

    @Sendable func approveForm(_ request: Request, context: Context) async throws -> Response {
        try await formAction(request, context: context) { id, form in
            _ = try await decide(id, .approve(override: form.override == "1"), version: form.version, context: context)
            return "approved"
        }
    }

    @Sendable func editForm(_ request: Request, context: Context) async throws -> Response {
        try await formAction(request, context: context) { id, form in
            _ = try await decide(id, .edit(text: form.text ?? "", override: form.override == "1"), version: form.version, context: context)
            return "edited"
        }
    }

    @Sendable func rejectForm(_ request: Request, context: Context) async throws -> Response {
        try await formAction(request, context: context) { id, form in
            _ = try await decide(id, .reject(reasonCode: form.reason ?? "", note: form.note), version: form.version, context: context)
            return "rejected"
        }
    }

    @Sendable func mergeForm(_ request: Request, context: Context) async throws -> Response {
        try await formAction(request, context: context) { id, form in
            guard let into = form.into.flatMap({ Int64($0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "#"))) }) else {
                throw StoreError.invalid(ValidationFailure([.required("into")]))
            }
            _ = try await decide(id, .merge(into: into), version: form.version, context: context)
            return "merged"
        }
    }

    /// The most items one bulk action on the console takes.
    static let maxBulkItems = 200

    @Sendable func bulkForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(BulkForm.self, context: context)
        let ids = form.ids ?? []
        guard !ids.isEmpty, ids.count <= Self.maxBulkItems else {
            return try await renderConsole(request: request, context: context, errorKey: "moderation.bulkNone", status: .unprocessableContent)
        }
        let decision: ModerationDecision
        switch form.action {
        case "approve": decision = .approve(override: false)
        case "reject": decision = .reject(reasonCode: form.reason ?? "other", note: nil)
        default:
            return try await renderConsole(request: request, context: context, errorKey: "moderation.bulkNone", status: .unprocessableContent)
        }
        let results = try await bulk(ids, decision, context: context)
        let done = results.filter(\.ok).count
        return .seeOther("/moderation?notice=bulk&done=\(done)&failed=\(results.count - done)")
    }

    @Sendable func listsPage(_ request: Request, context: Context) async throws -> Response {
        let loaded = library.loaded
        let language = pages.language(for: request)
        let lists = loaded.summary.map { list -> [String: Any] in
            [
                "category": list.category,
                "categoryName": pages.translate("moderation.categories.\(list.category)", language: language),
                "terms": list.terms,
                "action": pages.translate("moderation.actions.\(list.action.rawValue)", language: language),
                "source": list.source,
                "licence": list.licence,
            ]
        }
        var data: [String: Any] = [
            "lists": lists,
            "loadedAt": OfficeTime.minute(loaded.loadedAt),
            "directory": library.directory,
        ]
        if let notice = request.uri.queryParameters.get("notice"), notice == "reloaded" {
            data["notice"] = pages.translate("moderation.reloaded", language: language)
        }
        return try pages.render("moderation-lists", titleKey: "moderation.lists.title", data: data, request: request, context: context)
    }

    @Sendable func reloadForm(_ request: Request, context: Context) async throws -> Response {
        do {
            _ = try await reloadLists(context: context)
            return .seeOther("/admin/moderation?notice=reloaded")
        } catch let problem as Problem {
            let language = pages.language(for: request)
            let loaded = library.loaded
            return try pages.render(
                "moderation-lists", titleKey: "moderation.lists.title",
                data: [
                    "error": pages.translate("moderation.reloadFailed", language: language) + " " + (problem.detail ?? ""),
                    "lists": loaded.summary.map { ["category": $0.category, "terms": $0.terms, "source": $0.source, "licence": $0.licence] },
                    "loadedAt": OfficeTime.minute(loaded.loadedAt),
                    "directory": library.directory,
                ],
                status: .unprocessableContent, request: request, context: context)
        }
    }

    // MARK: Shared

    private func decide(_ id: Int64, _ decision: ModerationDecision, version: Int?, context: Context) async throws -> ModerationItem {
        let decided = try await database.moderation.decideModeration(
            id: id, decision, by: context.staff!, expectedVersion: version,
            allowedReasons: Set(library.filter.rules.rejectionReasons.map(\.code)), clientAddress: context.clientAddress,
            at: clock.now())
        channel.announce(decided.item, .decided)
        channel.features.decided(decided.effect)
        return decided.item
    }

    private func bulk(_ ids: [Int64], _ decision: ModerationDecision, context: Context) async throws -> [BulkDecisionResult] {
        let results = try await database.moderation.decideModerationInBulk(
            ids: ids, decision, by: context.staff!, allowedReasons: Set(library.filter.rules.rejectionReasons.map(\.code)),
            clientAddress: context.clientAddress, at: clock.now())
        for result in results {
            if let item = result.item {
                channel.announce(item, .decided)
                channel.features.decided(result.effect)
            }
        }
        return results
    }

    private func reloadLists(context: Context) async throws -> ModerationLibrary.Loaded {
        do {
            // Reading files and building the automaton is blocking work.
            let library = self.library
            let now = clock.now()
            let loaded = try await NIOThreadPool.singleton.runIfActive { try library.reload(now: now) }
            try await database.audit.recordStaffAction(
                actor: .staff(context.staff!, clientAddress: context.clientAddress), action: "moderation.reload",
                subjectType: "word_lists", subjectID: nil, after: loaded.summary.map { "\($0.category): \($0.terms)" }, at: now)
            let terms = loaded.summary.reduce(0) { $0 + $1.terms }
            context.logger.notice("moderation lists reloaded by \(context.staff?.username ?? "?")", metadata: ["terms": "\(terms)"])
            channel.announceReload(terms: terms)
            return loaded
        } catch {
            throw Problem(kind: .validationFailed, detail: "\(error); the previous lists stay in force")
        }
    }

    /// Runs a console form's action and redirects back to the console;
    /// a conflict or bad input shows the console again with the reason.
    private func formAction(
        _ request: Request, context: Context, _ body: (Int64, ItemForm) async throws -> String
    ) async throws -> Response {
        let id = try Self.itemID(context)
        let form = try await request.decodeForm(ItemForm.self, context: context)
        do {
            let notice = try await body(id, form)
            return .seeOther("/moderation?notice=\(notice)&item=\(id)#item-\(id)")
        } catch let error as StoreError {
            let problem = ErrorMiddleware.problem(for: error, context: context)
            return try await renderConsole(request: request, context: context, errorText: problem.detail, status: problem.status)
        } catch let problem as Problem where problem.statusCode == 422 {
            return try await renderConsole(request: request, context: context, errorText: problem.detail, status: problem.status)
        }
    }

    private func renderConsole(
        request: Request, context: Context, errorKey: String? = nil, errorText: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = pages.language(for: request)
        let query = request.uri.queryParameters
        let filter = try Self.filter(from: query)
        let items = try await database.moderation.moderationQueue(filter, at: clock.now()).map { channel.presented($0, to: context.staff) }
        let counts = try await database.moderation.pendingModerationCounts()
        var data = ModerationViews.console(
            items: items, filter: filter, counts: counts, library: library, language: language, pages: pages, staff: context.staff)
        if let errorKey { data["error"] = pages.translate(errorKey, language: language) }
        if let errorText { data["error"] = errorText }
        if let notice = query.get("notice"), var text = pages.notice(notice, in: "moderation.notices", language: language) {
            if notice == "bulk" {
                // Counts only as numbers a bulk action can have produced.
                let counts = ["done", "failed"].map { query.get($0).flatMap(Int.init) ?? -1 }
                if counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, +) <= Self.maxBulkItems {
                    text = text.replacingOccurrences(of: "{done}", with: String(counts[0]))
                        .replacingOccurrences(of: "{failed}", with: String(counts[1]))
                } else {
                    text = pages.translate("moderation.notices.bulkDone", language: language)
                }
            }
            data["notice"] = text
        }
        return try pages.render("moderation", titleKey: "moderation.title", data: data, status: status, request: request, context: context)
    }

    static func itemID(_ context: Context) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw Problem(kind: .notFound, detail: "no such moderation item")
        }
        return id
    }

    static func filter(from query: Parameters) throws -> ModerationQueueFilter {
        var filter = ModerationQueueFilter()
        if let state = query.get("state"), !state.isEmpty {
            if state == "all" {
                filter.states = []
            } else {
                guard let parsed = ModerationState(rawValue: state) else {
                    throw Problem.validation(.invalid("state", "state must be one of pending, approved, edited, rejected, all"))
                }
                filter.states = [parsed]
            }
        }
        if let kind = query.get("kind"), !kind.isEmpty {
            guard let parsed = ContentKind(rawValue: kind) else {
                throw Problem.validation(.invalid("kind", "unknown kind '\(kind)'"))
            }
            filter.kind = parsed
        }
        if let category = query.get("category"), !category.isEmpty {
            guard category.count <= 40, category.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                throw Problem.validation(.invalid("category", "unknown category"))
            }
            filter.category = category
        }
        if let age = query.get("minAgeMinutes"), !age.isEmpty {
            guard let minutes = Int(age), minutes >= 0, minutes <= 60 * 24 * 365 else {
                throw Problem.validation(.invalid("minAgeMinutes", "minAgeMinutes must be a whole number of minutes"))
            }
            filter.olderThan = TimeInterval(minutes * 60)
        }
        if let limit = query.get("limit"), !limit.isEmpty {
            guard let value = Int(limit), (1...1000).contains(value) else {
                throw Problem.validation(.invalid("limit", "limit must be between 1 and 1000"))
            }
            filter.limit = value
        }
        return filter
    }

    static func decision(
        action: String?, override: Bool?, text: String?, reason: String?, note: String?, into: Int64? = nil
    ) throws -> ModerationDecision {
        switch action {
        case "merge":
            guard let into else { throw Problem.validation(.required("into")) }
            return .merge(into: into)
        case "approve": return .approve(override: override ?? false)
        case "edit":
            guard let text else { throw Problem.validation(.required("text")) }
            return .edit(text: text, override: override ?? false)
        case "reject":
            guard let reason, !reason.isEmpty else { throw Problem.validation(.required("reason")) }
            return .reject(reasonCode: reason, note: note)
        case nil: throw Problem.validation(.required("action"))
        default: throw Problem.validation(.invalid("action", "action must be approve, edit, reject or merge"))
        }
    }
}


extension ModerationItem: ResponseEncodable {}
