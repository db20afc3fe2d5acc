import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Staff accounts in the browser: the sign-in page and form, signing out,
/// the staff area's landing page, and the admins' list of accounts.
struct AccountsPagesController {
    typealias Context = AppRequestContext
    let actions: AccountsActions
    let pages: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.get("/login", use: signInPage)
        router.post("/login", use: signIn)
        router.post("/logout", use: signOut)
        router.group("/staff")
            .add(middleware: RequireRoleMiddleware.anyStaff)
            .get(use: staffHome)
        router.group("/admin")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get("/users", use: usersPage)
    }

    struct SignInForm: Decodable {
        var username: String?
        var password: String?
        var next: String?
    }

    @Sendable func signInPage(_ request: Request, context: Context) async throws -> Response {
        let next = localRedirectTarget(request.uri.queryParameters.get("next"), fallback: "/staff")
        if context.staff != nil {
            return .seeOther(next)
        }
        let text = pages.text(for: request)
        return try pages.render(LoginView(next: next), title: text("login.title"), request: request, context: context)
    }

    /// Signs in and goes on to `next` (a local path), or shows the form
    /// again with the reason, keeping the username.
    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(SignInForm.self, context: context)
        let next = localRedirectTarget(form.next, fallback: "/staff")
        let text = pages.text(for: request)
        let showFormAgain = { (problem: Problem) throws -> Response in
            try pages.render(
                LoginView(refused: problem, next: next, username: form.username, text: text), title: text("login.title"),
                status: problem.status, request: request, context: context)
        }
        do {
            return try await FormSubmission.run(context: context) {
                let signedIn = try await actions.signIn(
                    username: form.username, password: form.password, request: request, context: context)
                var response = Response.seeOther(next)
                response.setCookie(signedIn.cookie)
                return response
            } showFormAgain: { problem in
                try showFormAgain(problem)
            }
        } catch let problem as Problem where problem.type == Problem.Kind.invalidCredentials.typeURI {
            // A wrong password is a reason the reader can fix, but its 401 is
            // not among `FormSubmission.statusesShownInForm`.
            var response = try showFormAgain(problem)
            response.headers.append(contentsOf: problem.headers)
            return response
        }
    }

    @Sendable func signOut(_ request: Request, context: Context) async throws -> Response {
        var response = Response.seeOther("/")
        response.setCookie(try await actions.signOut(request, context: context))
        return response
    }

    @Sendable func staffHome(_ request: Request, context: Context) async throws -> Response {
        try pages.render(StaffHomeView(), title: pages.text(for: request)("staff.title"), request: request, context: context)
    }

    @Sendable func usersPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        return try pages.render(
            AdminUsersView(try await actions.staffUsers(), text: text), title: text("admin.users.title"), request: request, context: context
        )
    }
}
