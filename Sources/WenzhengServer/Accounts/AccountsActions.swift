import Foundation
import Hummingbird
import WenzhengCore
import WenzhengStore

/// What staff accounts do, for the API and the pages alike: signing in and
/// out (the session and its cookie), and account administration (admins
/// list, create, disable and enable accounts). Passwords for new accounts
/// are set by the admin and changed by `wenzheng users reset-password`.
struct AccountsActions: Sendable {
    let login: StaffLogin
    let database: AppDatabase
    let clock: any WallClock
    let hasher: PasswordHasher
    /// Mark the session cookie `Secure` (served over TLS).
    let secureCookies: Bool

    /// A signed-in session and the cookie that carries it.
    struct SignedIn {
        var staff: AuthenticatedStaff
        var cookie: Cookie
    }

    /// Signs a staff member in (`StaffLogin`: presence checks, throttling,
    /// the password, a new session).
    ///
    /// - Throws: `Problem` 422 for missing fields, 429 when throttled, 401
    ///   for a wrong username or password or a disabled account.
    func signIn(username: String?, password: String?, request: Request, context: AppRequestContext) async throws -> SignedIn {
        let success = try await login.logIn(
            username: username, password: password, clientAddress: context.clientAddress, userAgent: request.headers[.userAgent])
        return SignedIn(
            staff: success.staff,
            cookie: Cookie(
                name: sessionCookieName, value: success.token, maxAge: Int(login.sessionLifetime), path: "/", secure: secureCookies,
                httpOnly: true, sameSite: .lax))
    }

    /// Ends the request's session, if it carries a live one, and returns
    /// the cookie that clears it. Signing out always succeeds.
    func signOut(_ request: Request, context: AppRequestContext) async throws -> Cookie {
        // SessionMiddleware has already checked the CSRF token when a live
        // session came with the request.
        if context.staff != nil, let token = request.cookies[sessionCookieName]?.value {
            try await database.accounts.endSession(
                tokenHash: SessionToken.hash(token), clientAddress: context.clientAddress, at: clock.now())
        }
        return Cookie(name: sessionCookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// Every staff account, by department then username.
    func staffUsers() async throws -> [StaffUserSummary] {
        try await database.accounts.staffUsers()
    }

    /// A new account as an admin asks for it: any field may be missing.
    struct NewAccount: Decodable {
        var username: String?
        var displayName: String?
        var role: String?
        var department: String?
        var password: String?
    }

    /// Creates an account with the password the admin chose.
    ///
    /// - Throws: `ValidationFailure` with every bad field (role, username,
    ///   password); `StoreError.conflict` when the username is taken.
    func createStaffUser(_ new: NewAccount, by admin: AuthenticatedStaff) async throws -> StaffUserSummary {
        var errors: [FieldError] = []
        var role: Role?
        if let raw = new.role {
            do { role = try Role(parsing: raw) } catch { errors.append(error) }
        } else {
            errors.append(.required("role"))
        }
        if new.username == nil { errors.append(.required("username")) }
        if let password = new.password {
            do { try StaffAccountRules.validatePassword(password) } catch { errors.append(error) }
        } else {
            errors.append(.required("password"))
        }
        guard errors.isEmpty, let username = new.username, let role, let password = new.password else { throw ValidationFailure(errors) }
        let hash = try await hasher.hash(password)
        return try await database.accounts.createStaffUser(
            NewStaffUser(
                username: username, displayName: new.displayName ?? username, role: role,
                department: new.department ?? defaultDepartmentName, passwordHash: hash),
            actor: .staff(admin, clientAddress: admin.clientAddress), at: clock.now())
    }

    /// Disables an account and ends its sessions; never the admin's own.
    func disableStaffUser(username: String, by admin: AuthenticatedStaff) async throws -> StaffUserSummary {
        if (try? StaffAccountRules.normalizedUsername(username)) == admin.username {
            throw Problem(kind: .conflict, detail: "you cannot disable your own account")
        }
        return try await database.accounts.disableStaffUser(
            username: username, actor: .staff(admin, clientAddress: admin.clientAddress), at: clock.now())
    }

    /// Re-enables a disabled account.
    func enableStaffUser(username: String, by admin: AuthenticatedStaff) async throws -> StaffUserSummary {
        try await database.accounts.enableStaffUser(
            username: username, actor: .staff(admin, clientAddress: admin.clientAddress), at: clock.now())
    }
}
