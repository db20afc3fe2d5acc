import Foundation
import HTTPTypes
import Logging
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
    let logger: Logger

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
        let attempt = try await database.accounts.registerLoginAttempt(username: username, clientAddress: clientAddress, policy: policy, at: now)
        try attempt.enforce(policy, logger: logger, subject: "staff account '\(username)'", failure: "failed sign-ins")

        let user = try await database.accounts.staffUserForLogin(username: username)
        let passwordMatches = try await hasher.verify(password, hash: user?.passwordHash ?? hasher.decoyHash)
        guard let user, passwordMatches, !user.isDisabled, let userID = user.id else {
            // The attempt is already counted as a failure.
            throw Problem(kind: .invalidCredentials, detail: "wrong username or password")
        }

        let token = SessionToken.generate()
        let tokenHash = SessionToken.hash(token)
        try await database.accounts.startSession(
            userID: userID, tokenHash: tokenHash, csrfToken: SessionToken.generate(),
            expiresAt: now.addingTimeInterval(sessionLifetime), clientAddress: clientAddress, userAgent: userAgent,
            at: now)
        guard let staff = try await database.accounts.activeSession(tokenHash: tokenHash, at: now) else {
            throw Problem(kind: .internalError, detail: "the new session could not be read back")
        }
        return Success(token: token, staff: staff)
    }
}

extension PasswordAttempt {
    /// Throws 429 with Retry-After when the attempt is throttled. When one
    /// account (or letter) reaches the policy's alert count of failures from
    /// all addresses, logs a warning: a guess spread over many addresses is
    /// not locked out (that would lock the owner out too), but it is seen.
    func enforce(_ policy: LoginThrottlePolicy, logger: Logger, subject: String, failure: String) throws {
        if case .throttled(let retryAfter) = decision {
            throw Problem(
                kind: .tooManyRequests, detail: "too many \(failure); try again in \(retryAfter) seconds",
                headers: [.retryAfter: String(retryAfter)])
        }
        if failuresForAccount == policy.alertAfterAccountFailures {
            logger.warning(
                "\(subject): \(policy.alertAfterAccountFailures) \(failure) in the last \(Int(policy.window / 60)) minutes, from any address")
        }
    }
}
