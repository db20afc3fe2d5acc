import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The name of the cookie that carries the staff session token.
let sessionCookieName = "wz_session"

/// Resolves the session cookie to a staff member and, for unsafe methods,
/// requires the session's CSRF token (header `X-CSRF-Token` for scripts,
/// form field `_csrf` for plain forms, the first field of a multipart
/// upload). A request whose cookie does not
/// resolve simply continues anonymously.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let database: AppDatabase
    let clock: any WallClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        if let token = request.cookies[sessionCookieName]?.value, !token.isEmpty, token.count <= 128 {
            let tokenHash = SessionToken.hash(token)
            let now = clock.now()
            context.staff = try await database.accounts.activeSession(tokenHash: tokenHash, at: now)
            context.staff?.clientAddress = context.clientAddress
        }
        if let staff = context.staff, !Self.isSafe(request.method) {
            let supplied: String?
            if let header = request.headers[.csrfToken] {
                supplied = header
            } else if MultipartUpload.isMultipart(request) {
                // An upload: the token is the form's first field, read
                // before any file (the body streams on to the handler).
                (supplied, request) = try await MultipartUpload.leadingField("_csrf", of: request)
            } else {
                supplied = try await Self.formField("_csrf", in: request)
            }
            guard let supplied, SessionToken.constantTimeEquals(supplied, staff.csrfToken) else {
                throw Problem(kind: .csrfFailed, detail: "send the session's CSRF token in X-CSRF-Token or the _csrf form field")
            }
        }
        return try await next(request, context)
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }

    /// Reads one field of an urlencoded form body (already buffered by
    /// `BodyLimitMiddleware`).
    static func formField(_ name: String, in request: Request) async throws -> String? {
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else { return nil }
        var buffer = try await request.body.collect(upTo: .max)
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2,
                parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding == name
            else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
