import Foundation
import HTTPTypes
import WenzhengCore
import WenzhengStore

/// Signing staff in, shared by the login page and the JSON API: presence
/// checks, throttling, password verification and session creation.
struct StaffLogin: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let hasher: PasswordHasher
    let policy: LoginThrottlePolicy
    let sessionLifetime: TimeInterval

    struct Success {
        /// The secret for the cookie; only its hash is stored.
        var token: String
        var staff: AuthenticatedStaff
    }

    /// - Throws: `Problem` 422 for missing fields, 429 when throttled, and
    ///   the same 401 for an unknown user, a wrong password and a disabled
    ///   account, so that none of them can be told apart.
    func logIn(username rawUsername: String?, password: String?, clientAddress: String, userAgent: String?) async throws -> Success {
        var errors: [FieldError] = []
        let username = (rawUsername ?? "").trimmingCharacters(in: .whitespaces)
        let password = password ?? ""
        if username.isEmpty { errors.append(.required("username")) }
        if password.isEmpty { errors.append(.required("password")) }
        if username.count > 64 { errors.append(.tooLong("username", max: 64)) }
        if password.utf8.count > 1024 { errors.append(.tooLong("password", max: 1024)) }
        if !errors.isEmpty { throw Problem.validation(ValidationFailure(errors)) }

        let now = clock.now()
        let failures = try await database.registerLoginAttempt(
            username: username, clientAddress: clientAddress, since: now.addingTimeInterval(-policy.window), at: now)
        if case .throttled(let retryAfter) = policy.decide(
            accountFailures: failures.account, addressFailures: failures.address, now: now)
        {
            throw Problem(
                kind: .tooManyRequests, detail: "too many failed sign-ins; try again in \(retryAfter) seconds",
                headers: [.retryAfter: String(retryAfter)])
        }

        let user = try await database.staffUserForLogin(username: username)
        let passwordMatches = try await hasher.verify(password, hash: user?.passwordHash ?? hasher.decoyHash)
        guard let user, passwordMatches, !user.isDisabled, let userID = user.id else {
            // The attempt is already counted as a failure.
            throw Problem(kind: .invalidCredentials, detail: "wrong username or password")
        }

        let token = SessionToken.generate()
        let tokenHash = SessionToken.hash(token)
        try await database.startSession(
            userID: userID, tokenHash: tokenHash, csrfToken: SessionToken.generate(),
            expiresAt: now.addingTimeInterval(sessionLifetime), clientAddress: clientAddress, userAgent: userAgent,
            at: now)
        guard let staff = try await database.activeSession(tokenHash: tokenHash, at: now) else {
            throw Problem(kind: .internalError, detail: "the new session could not be read back")
        }
        return Success(token: token, staff: staff)
    }
}
