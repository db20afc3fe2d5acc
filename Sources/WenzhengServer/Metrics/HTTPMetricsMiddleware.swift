import HTTPTypes
import Hummingbird

/// Counts each request and times it, by the route's template
/// (`/api/v1/interviews/{id}`) as the router matched it. Raw paths would
/// give every interview, letter number and typo its own series.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context: context, status: response.status.code, start: start)
            return response
        } catch {
            // ErrorMiddleware (inside this one) answers every error; what
            // still gets here is answered by Hummingbird with its status.
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context: context, status: status, start: start)
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        metrics.recordRequest(
            route: Self.routeLabel(context.endpointPath), method: Self.methodLabel(request.method), status: status,
            duration: .now - start)
    }

    /// Requests no route matched share one label.
    static let unmatchedRoute = "unmatched"
    /// Files from Web/static (Hummingbird's FileMiddleware names them so).
    static let staticFilesRoute = "/static/{file}"

    /// The router's template for a matched route; one label for all
    /// static files and one for everything unmatched.
    static func routeLabel(_ endpointPath: String?) -> String {
        switch endpointPath {
        case nil, "NotFound": unmatchedRoute
        case "FileMiddleware": staticFilesRoute
        case let template?: template
        }
    }

    /// The standard methods by name, any other token as `other`: a client
    /// may send any method name.
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .patch, .delete, .options: method.rawValue
        default: "other"
        }
    }
}
