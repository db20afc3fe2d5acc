import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Staff accounts over JSON: `/api/v1/session` to sign in and out from
/// scripts, and `/api/v1/staff/users` for admins.
struct AccountsAPIController {
    typealias Context = AppRequestContext
    let actions: AccountsActions

    func addRoutes(to router: Router<Context>) {
        router.group("/api/v1/session")
            .post(use: createSession)
            .get(use: currentSession)
            .delete(use: deleteSession)
        router.group("/api/v1/staff/users")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get(use: listUsers)
            .post(use: createUser)
            .post("/{username}/disable", use: disableUser)
            .post("/{username}/enable", use: enableUser)
    }

    // MARK: Request and response bodies

    struct SignInRequest: Decodable {
        var username: String?
        var password: String?
    }

    /// The signed-in staff member as the API shows them.
    struct Session: ResponseEncodable {
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

    struct UserList: ResponseEncodable {
        var users: [StaffUserSummary]
    }

    // MARK: Session

    @Sendable func createSession(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decodeJSON(SignInRequest.self, context: context)
        let signedIn = try await actions.signIn(username: body.username, password: body.password, request: request, context: context)
        var response = try Session(signedIn.staff).response(from: request, context: context)
        response.setCookie(signedIn.cookie)
        return response
    }

    @Sendable func currentSession(_ request: Request, context: Context) async throws -> Session {
        guard let staff = context.staff else {
            throw Problem(kind: .unauthenticated, detail: "no session")
        }
        return Session(staff)
    }

    @Sendable func deleteSession(_ request: Request, context: Context) async throws -> Response {
        let cookie = try await actions.signOut(request, context: context)
        var response = Response(status: .noContent)
        response.setCookie(cookie)
        return response
    }

    // MARK: Staff users (admins)

    @Sendable func listUsers(_ request: Request, context: Context) async throws -> UserList {
        UserList(users: try await actions.staffUsers())
    }

    @Sendable func createUser(_ request: Request, context: Context) async throws -> EditedResponse<StaffUserSummary> {
        let body = try await request.decodeJSON(AccountsActions.NewAccount.self, context: context)
        let created = try await actions.createStaffUser(body, by: try context.requireStaff())
        return EditedResponse(status: .created, headers: [.location: "/api/v1/staff/users/\(created.username)"], response: created)
    }

    @Sendable func disableUser(_ request: Request, context: Context) async throws -> StaffUserSummary {
        try await actions.disableStaffUser(username: try context.parameters.require("username"), by: try context.requireStaff())
    }

    @Sendable func enableUser(_ request: Request, context: Context) async throws -> StaffUserSummary {
        try await actions.enableStaffUser(username: try context.parameters.require("username"), by: try context.requireStaff())
    }
}

extension StaffUserSummary: ResponseEncodable {}
