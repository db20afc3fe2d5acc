import Hummingbird
import WenzhengCore
import WenzhengStore

/// Lets a request through only when a staff member with one of `roles` is
/// signed in: 401 without a session, 403 with the wrong role.
struct RequireRoleMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let roles: Set<Role>

    init(_ roles: Set<Role>) {
        self.roles = roles
    }

    /// Any signed-in staff member.
    static var anyStaff: RequireRoleMiddleware { .init(Set(Role.allCases)) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let staff = context.staff else {
            throw Problem(kind: .unauthenticated, detail: "sign in to continue")
        }
        guard roles.contains(staff.role) else {
            throw Problem(
                kind: .forbidden,
                detail: "this needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or ")); you are \(staff.role.rawValue)")
        }
        return try await next(request, context)
    }
}
