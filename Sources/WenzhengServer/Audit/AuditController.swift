import Foundation
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The audit log for admins: a page and a JSON listing, newest first,
/// filtered by date and actor.
struct AuditController {
    typealias Context = AppRequestContext
    let database: AppDatabase
    let pages: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.group("/admin/audit")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get(use: page)
        router.group("/api/v1/audit")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get(use: list)
    }

    struct AuditList: ResponseEncodable {
        var entries: [AuditEntry]
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> AuditList {
        let query = try Self.query(request.uri.queryParameters)
        return AuditList(entries: try await database.audit.auditEntries(since: query.since, actorName: query.actor, limit: query.limit))
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        let query = try Self.query(request.uri.queryParameters)
        let entries = try await database.audit.auditEntries(since: query.since, actorName: query.actor, limit: query.limit)
        let rows = entries.map { entry -> [String: Any] in
            [
                "at": OfficeTime.minute(entry.recordedAt),
                "actor": entry.actorName,
                "action": entry.action,
                "subject": "\(entry.subjectType) \(entry.subjectId ?? "")",
                "before": entry.beforeJson ?? "",
                "after": entry.afterJson ?? "",
                "client": entry.clientAddress ?? "",
            ]
        }
        return try pages.render(
            "admin-audit", titleKey: "audit.title",
            data: [
                "entries": rows, "empty": rows.isEmpty, "since": request.uri.queryParameters.get("since") ?? "",
                "actor": query.actor ?? "",
            ],
            request: request, context: context)
    }

    struct Query {
        var since: Date?
        var actor: String?
        var limit: Int
    }

    /// `since` is a date (2026-11-01, Beijing time) or an ISO 8601 instant.
    static func query(_ parameters: Parameters) throws -> Query {
        var query = Query(since: nil, actor: nil, limit: 500)
        if let since = parameters.get("since"), !since.isEmpty {
            guard let date = AuditDates.parse(since) else {
                throw Problem.validation(.invalid("since", "since must be a date like 2026-11-01 or an ISO 8601 time"))
            }
            query.since = date
        }
        if let actor = parameters.get("actor"), !actor.isEmpty {
            guard actor.count <= 64 else { throw Problem.validation(.tooLong("actor", max: 64)) }
            query.actor = actor
        }
        if let limit = parameters.get("limit"), !limit.isEmpty {
            guard let value = Int(limit), (1...5000).contains(value) else {
                throw Problem.validation(.invalid("limit", "limit must be between 1 and 5000"))
            }
            query.limit = value
        }
        return query
    }
}
