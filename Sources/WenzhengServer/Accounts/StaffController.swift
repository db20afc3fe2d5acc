import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The staff area's landing page and account administration (admins only):
/// a page listing accounts, and an API to create, disable and enable them.
/// Passwords for new accounts are set by the admin and changed by
/// `wenzheng users reset-password`.
struct StaffController {
    typealias Context = AppRequestContext
    let database: AppDatabase
    let clock: any WallClock
    let hasher: PasswordHasher
    let pages: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.group("/staff")
            .add(middleware: RequireRoleMiddleware.anyStaff)
            .get(use: staffHome)
        router.group("/admin")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get("/users", use: usersPage)
        router.group("/api/v1/staff/users")
            .add(middleware: RequireRoleMiddleware([.admin]))
            .get(use: listUsers)
            .post(use: createUser)
            .post("/{username}/disable", use: disableUser)
            .post("/{username}/enable", use: enableUser)
    }

    // MARK: Pages

    @Sendable func staffHome(_ request: Request, context: Context) async throws -> Response {
        try pages.render("staff-home", titleKey: "staff.title", request: request, context: context)
    }

    @Sendable func usersPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let users = try await database.accounts.staffUsers().map { user -> [String: Any] in
            [
                "username": user.username,
                "displayName": user.displayName,
                "roleName": pages.translate("roles.\(user.role.rawValue)", language: language),
                "department": user.department,
                "disabled": user.disabled,
            ]
        }
        return try pages.render("admin-users", titleKey: "admin.users.title", data: ["users": users], request: request, context: context)
    }

    // MARK: API

    struct UserList: ResponseEncodable {
        var users: [StaffUserSummary]
    }

    struct CreateUserRequest: Decodable {
        var username: String?
        var displayName: String?
        var role: String?
        var department: String?
        var password: String?
    }

    @Sendable func listUsers(_ request: Request, context: Context) async throws -> UserList {
        UserList(users: try await database.accounts.staffUsers())
    }

    @Sendable func createUser(_ request: Request, context: Context) async throws -> EditedResponse<StaffUserSummary> {
        let body = try await request.decodeJSON(CreateUserRequest.self, context: context)
        var errors: [FieldError] = []
        var role: Role?
        if let raw = body.role {
            do { role = try Role(parsing: raw) } catch { errors.append(error) }
        } else {
            errors.append(.required("role"))
        }
        if body.username == nil { errors.append(.required("username")) }
        if let password = body.password {
            do { try StaffAccountRules.validatePassword(password) } catch { errors.append(error) }
        } else {
            errors.append(.required("password"))
        }
        try ValidationFailure.check(errors)
        let staff = context.staff!
        let hash = try await hasher.hash(body.password!)
        let created = try await database.accounts.createStaffUser(
            NewStaffUser(
                username: body.username!, displayName: body.displayName ?? body.username!, role: role!,
                department: body.department ?? defaultDepartmentName, passwordHash: hash),
            actor: .staff(staff, clientAddress: context.clientAddress), at: clock.now())
        return EditedResponse(status: .created, headers: [.location: "/api/v1/staff/users/\(created.username)"], response: created)
    }

    @Sendable func disableUser(_ request: Request, context: Context) async throws -> StaffUserSummary {
        let username = try context.parameters.require("username")
        if (try? StaffAccountRules.normalizedUsername(username)) == context.staff!.username {
            throw Problem(kind: .conflict, detail: "you cannot disable your own account")
        }
        return try await database.accounts.disableStaffUser(
            username: username, actor: .staff(context.staff!, clientAddress: context.clientAddress), at: clock.now())
    }

    @Sendable func enableUser(_ request: Request, context: Context) async throws -> StaffUserSummary {
        let username = try context.parameters.require("username")
        return try await database.accounts.enableStaffUser(
            username: username, actor: .staff(context.staff!, clientAddress: context.clientAddress), at: clock.now())
    }
}

extension StaffUserSummary: ResponseEncodable {}
