import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Signing in and out: the login page and form for browsers, and
/// `/api/v1/session` for scripts.
struct AuthController {
    typealias Context = AppRequestContext
    let login: StaffLogin
    let database: AppDatabase
    let clock: any WallClock
    let pages: PageRenderer
    let secureCookies: Bool

    func addRoutes(to router: Router<Context>) {
        router.get("/login", use: loginPage)
        router.post("/login", use: loginForm)
        router.post("/logout", use: logoutForm)
        router.group("/api/v1/session")
            .post(use: createSession)
            .get(use: currentSession)
            .delete(use: deleteSession)
    }

    // MARK: API

    struct LoginRequest: Decodable {
        var username: String?
        var password: String?
    }

    /// The signed-in staff member as the API shows them.
    struct SessionView: ResponseEncodable {
        var username: String
        var displayName: String
        var role: Role
        var department: String
        /// Send back as `X-CSRF-Token` on every unsafe request.
        var csrfToken: String
        var expiresAt: Date

        init(_ staff: AuthenticatedStaff) {
            self.username = staff.username
            self.displayName = staff.displayName
            self.role = staff.role
            self.department = staff.department
            self.csrfToken = staff.csrfToken
            self.expiresAt = staff.sessionExpiresAt
        }
    }

    @Sendable func createSession(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decodeJSON(LoginRequest.self, context: context)
        let success = try await login.logIn(
            username: body.username, password: body.password, clientAddress: context.clientAddress,
            userAgent: request.headers[.userAgent])
        var response = try SessionView(success.staff).response(from: request, context: context)
        response.setCookie(sessionCookie(success.token))
        return response
    }

    @Sendable func currentSession(_ request: Request, context: Context) async throws -> SessionView {
        guard let staff = context.staff else {
            throw Problem(kind: .unauthenticated, detail: "no session")
        }
        return SessionView(staff)
    }

    @Sendable func deleteSession(_ request: Request, context: Context) async throws -> Response {
        try await endSession(request, context: context)
        var response = Response(status: .noContent)
        response.setCookie(expiredSessionCookie())
        return response
    }

    // MARK: Pages

    struct LoginForm: Decodable {
        var username: String?
        var password: String?
        var next: String?
    }

    @Sendable func loginPage(_ request: Request, context: Context) async throws -> Response {
        let next = localRedirectTarget(request.uri.queryParameters.get("next"), fallback: "/staff")
        if context.staff != nil {
            return .seeOther(next)
        }
        return try pages.render("login", titleKey: "login.title", data: ["next": next], request: request, context: context)
    }

    @Sendable func loginForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(LoginForm.self, context: context)
        let next = localRedirectTarget(form.next, fallback: "/staff")
        do {
            let success = try await login.logIn(
                username: form.username, password: form.password, clientAddress: context.clientAddress,
                userAgent: request.headers[.userAgent])
            var response = Response.seeOther(next)
            response.setCookie(sessionCookie(success.token))
            return response
        } catch let problem as Problem {
            // Show the form again with the reason, keeping the username.
            let language = pages.language(for: request)
            let key: String =
                switch problem.statusCode {
                case 429: "login.throttled"
                case 422: "login.missing"
                default: "login.failed"
                }
            var response = try pages.render(
                "login", titleKey: "login.title",
                data: ["next": next, "username": form.username ?? "", "error": pages.translate(key, language: language)],
                status: problem.status, request: request, context: context)
            response.headers.append(contentsOf: problem.headers)
            return response
        }
    }

    @Sendable func logoutForm(_ request: Request, context: Context) async throws -> Response {
        try await endSession(request, context: context)
        var response = Response.seeOther("/")
        response.setCookie(expiredSessionCookie())
        return response
    }

    // MARK: Helpers

    private func endSession(_ request: Request, context: Context) async throws {
        // SessionMiddleware has already checked the CSRF token when a live
        // session came with the request.
        if context.staff != nil, let token = request.cookies[sessionCookieName]?.value {
            try await database.accounts.endSession(tokenHash: SessionToken.hash(token), clientAddress: context.clientAddress, at: clock.now())
        }
    }

    private func sessionCookie(_ token: String) -> Cookie {
        Cookie(
            name: sessionCookieName, value: token, maxAge: Int(login.sessionLifetime), path: "/",
            secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    private func expiredSessionCookie() -> Cookie {
        Cookie(name: sessionCookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }
}
