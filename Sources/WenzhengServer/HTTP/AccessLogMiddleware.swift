import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One structured log line per request: request id, method, route
/// template, path, status, duration and client, and the request id echoed
/// back as `X-Request-Id` so a citizen's error report can be matched with
/// the log. The route is the template the metrics use
/// (`/api/v1/interviews/{id}`), so log lines and series can be matched.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        response.headers[.requestID] = context.requestID
        context.logger.info(
            "request",
            metadata: [
                "request_id": .string(context.requestID),
                "method": .string(request.method.rawValue),
                "route": .string(HTTPMetricsMiddleware.routeLabel(context.endpointPath)),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.2f", milliseconds)),
                "client": .string(context.clientAddress),
            ])
        return response
    }
}
