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
        // A successful sign-in clears the failures when the session starts
        // (`startSession`), so there is nothing to forget here.
        let user = try await ThrottledPasswordCheck(hasher: hasher, policy: policy, logger: logger).verify(
            password, subject: "staff account '\(username)'", failure: "failed sign-ins",
            register: { try await database.accounts.registerLoginAttempt(username: username, clientAddress: clientAddress, policy: policy, at: now) },
            find: { try await database.accounts.staffUserForLogin(username: username).map { ($0, $0.passwordHash) } },
            forget: { _ in })
        guard let user, !user.isDisabled, let userID = user.id else {
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

/// A password checked behind the sign-in throttle (`LoginThrottlePolicy`),
/// the same way for staff sign-in and for citizens' letter queries:
///
/// 1. the attempt is registered, counted as a failure before the password
///    is checked (so parallel guesses cannot all pass), and the policy
///    enforced: 429 with Retry-After when throttled, and a warning when one
///    account (or letter) reaches the alert count of failures from all
///    addresses (a guess spread over many addresses is not locked out,
///    which would lock the owner out too, but it is seen);
/// 2. the password is verified against the stored hash, or a decoy hash
///    when there is nothing to check, so that neither the answer nor its
///    timing tells what exists;
/// 3. a right password forgets the failures it was counted with.
struct ThrottledPasswordCheck: Sendable {
    let hasher: PasswordHasher
    let policy: LoginThrottlePolicy
    let logger: Logger

    /// - Parameters:
    ///   - subject: what the password opens, for the warning.
    ///   - failure: what a failure is called ("failed sign-ins").
    ///   - find: the thing the password opens and its stored hash, if any.
    /// - Returns: what `find` found, when the password matches its hash.
    func verify<Found>(
        _ password: String, subject: String, failure: String, register: () async throws -> PasswordAttempt,
        find: () async throws -> (Found, hash: String)?, forget: (Found) async throws -> Void
    ) async throws -> Found? {
        let attempt = try await register()
        if case .throttled(let retryAfter) = attempt.decision {
            throw Problem(
                kind: .tooManyRequests, detail: "too many \(failure); try again in \(retryAfter) seconds",
                headers: [.retryAfter: String(retryAfter)])
        }
        if attempt.failuresForAccount == policy.alertAfterAccountFailures {
            logger.warning(
                "\(subject): \(policy.alertAfterAccountFailures) \(failure) in the last \(Int(policy.window / 60)) minutes, from any address")
        }
        let found = try await find()
        guard try await hasher.verify(password, hash: found?.hash ?? hasher.decoyHash), let found else { return nil }
        try await forget(found.0)
        return found.0
    }
}
