import Foundation
import HTTPTypes
import Hummingbird

/// Reads a query string the way HTML forms write it: a `GET` form sends
/// `application/x-www-form-urlencoded` text, where `+` stands for a space
/// (the WHATWG URL standard; `URLSearchParams` reads it so too). Hummingbird
/// percent-decodes query parameters but leaves `+` as it is, so a search
/// for "法律 援助" arrived as "法律+援助". This rewrites `+` in the query to
/// `%20` before any handler reads it; a literal plus arrives as `%2B`.
struct FormQueryMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let path = request.head.path, let questionMark = path.firstIndex(of: "?"),
            path[questionMark...].contains("+")
        else {
            return try await next(request, context)
        }
        var head = request.head
        head.path = String(path[..<questionMark]) + path[questionMark...].replacingOccurrences(of: "+", with: "%20")
        return try await next(Request(head: head, body: request.body), context)
    }
}
