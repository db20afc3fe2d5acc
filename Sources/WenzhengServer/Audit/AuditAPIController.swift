import Hummingbird
import WenzhengCore
import WenzhengStore

/// The audit log over JSON, for admins: `GET /api/v1/audit`.
struct AuditAPIController {
    typealias Context = AppRequestContext
    let actions: AuditActions

    func addRoutes(to router: Router<Context>) {
        router.group("/api/v1/audit")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get(use: list)
    }

    struct AuditList: ResponseEncodable {
        var entries: [AuditEntry]
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> AuditList {
        AuditList(entries: try await actions.entries(try AuditActions.Query(request.uri.queryParameters)))
    }
}
