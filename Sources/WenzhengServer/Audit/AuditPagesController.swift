import Hummingbird
import WenzhengCore
import WenzhengStore

/// The audit log's page for admins: `/admin/audit`, with its filter form.
struct AuditPagesController {
    typealias Context = AppRequestContext
    let actions: AuditActions
    let pages: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.group("/admin/audit")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get(use: page)
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        let parameters = request.uri.queryParameters
        let query = try AuditActions.Query(parameters)
        let view = AdminAuditView(
            entries: try await actions.entries(query), since: parameters.get("since"), actor: query.actor)
        return try pages.render(view, title: pages.text(for: request)("audit.title"), request: request, context: context)
    }
}
