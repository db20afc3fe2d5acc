import Foundation
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The moderation queue over JSON: moderators read, claim and decide items;
/// admins read and reload the word lists.
struct ModerationAPIController {
    typealias Context = AppRequestContext
    let actions: ModerationActions

    func addRoutes(to router: Router<Context>) {
        router.group("/api/v1/moderation")
            .add(middleware: RequireRoleMiddleware(ModerationActions.moderators))
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
    }

    // MARK: Request and response bodies

    struct ItemList: ResponseEncodable {
        var items: [ModerationItem]
    }

    struct DecisionRequest: Decodable {
        /// approve, edit, reject or merge.
        var action: String?
        var override: Bool?
        var text: String?
        var reason: String?
        var note: String?
        /// The version the moderator saw; omit to skip the check.
        var version: Int?
        /// For merge: the item this one duplicates.
        var into: Int64?

        func decision() throws -> ModerationDecision {
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

    struct BulkRequest: Decodable {
        var ids: [Int64]?
        /// approve or reject.
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

        init(_ loaded: ModerationLibrary.Loaded) {
            loadedAt = loaded.loadedAt
            lists = loaded.summary
        }
    }

    // MARK: Routes

    @Sendable func listItems(_ request: Request, context: Context) async throws -> ItemList {
        ItemList(items: try await actions.queue(try ModerationRequest.filter(from: request.uri.queryParameters), for: context.staff!))
    }

    @Sendable func getItem(_ request: Request, context: Context) async throws -> ModerationItem {
        try await actions.item(try ModerationRequest.itemID(context), for: context.staff!)
    }

    @Sendable func claimItem(_ request: Request, context: Context) async throws -> ModerationItem {
        try await actions.claim(try ModerationRequest.itemID(context), by: context.staff!)
    }

    @Sendable func releaseItem(_ request: Request, context: Context) async throws -> ModerationItem {
        try await actions.release(try ModerationRequest.itemID(context), by: context.staff!)
    }

    @Sendable func decideItem(_ request: Request, context: Context) async throws -> ModerationItem {
        let body = try await request.decodeJSON(DecisionRequest.self, context: context)
        try ModerationActions.checkNote(body.note)
        return try await actions.decide(
            try ModerationRequest.itemID(context), try body.decision(), version: body.version, by: context.staff!)
    }

    @Sendable func bulkDecide(_ request: Request, context: Context) async throws -> BulkResponse {
        let body = try await request.decodeJSON(BulkRequest.self, context: context)
        let ids = body.ids ?? []
        try ModerationActions.checkBulk(ids)
        try ModerationActions.checkNote(body.note)
        guard body.action == "approve" || body.action == "reject" else {
            throw Problem.validation(.invalid("action", "bulk action must be approve or reject"))
        }
        let decision = try DecisionRequest(action: body.action, override: body.override, reason: body.reason, note: body.note).decision()
        return BulkResponse(results: try await actions.decideInBulk(ids, decision, by: context.staff!))
    }

    @Sendable func reasons(_ request: Request, context: Context) async throws -> ReasonList {
        ReasonList(reasons: actions.rejectionReasons)
    }

    @Sendable func checkText(_ request: Request, context: Context) async throws -> CheckResponse {
        let body = try await request.decodeJSON(CheckRequest.self, context: context)
        let checked = try actions.check(body.text)
        return CheckResponse(
            action: checked.result.action, flags: checked.result.flags, personalInformation: checked.result.personalInformation,
            masked: checked.masked)
    }

    @Sendable func lists(_ request: Request, context: Context) async throws -> ListsResponse {
        ListsResponse(actions.library.loaded)
    }

    @Sendable func reload(_ request: Request, context: Context) async throws -> ListsResponse {
        ListsResponse(try await actions.reloadLists(by: context.staff!, logger: context.logger))
    }
}

extension ModerationItem: ResponseEncodable {}
