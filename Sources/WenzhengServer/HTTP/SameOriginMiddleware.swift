import HTTPTypes
import Hummingbird

/// Refuses unsafe requests sent from another site's pages. This is what
/// protects the login form and the citizens' anonymous forms, which have no
/// session to hang a token on.
struct SameOriginMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if ![.get, .head, .options].contains(request.method) {
            try OriginCheck.refuseCrossSite(request)
        }
        return try await next(request, context)
    }
}
