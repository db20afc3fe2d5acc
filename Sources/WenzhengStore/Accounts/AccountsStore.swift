import Foundation
import WenzhengCore

/// Staff accounts, departments, sessions, and the failed-password tables behind sign-in and letter-query throttling.
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBAccountsStore` implements it over SQLite.
public protocol AccountsStore: Sendable {
    /// Creates a staff account, and its department if that is new.
    ///
    /// - Throws: `StoreError.invalid` for a malformed field,
    ///   `StoreError.conflict` when the username is taken.
    @discardableResult
    func createStaffUser(_ new: NewStaffUser, actor: AuditActor, at now: Date) async throws -> StaffUserSummary

    /// All staff accounts, by department then username.
    func staffUsers() async throws -> [StaffUserSummary]

    /// The account and its password hash, for checking a login.
    func staffUserForLogin(username: String) async throws -> StaffUser?

    /// Disables an account and ends all its sessions at once.
    @discardableResult
    func disableStaffUser(username: String, actor: AuditActor, at now: Date) async throws -> StaffUserSummary

    /// Re-enables a disabled account.
    @discardableResult
    func enableStaffUser(username: String, actor: AuditActor, at now: Date) async throws -> StaffUserSummary

    /// Replaces the password and signs the account out everywhere, so a
    /// reset after a suspected leak actually locks the intruder out.
    func resetStaffPassword(username: String, passwordHash: String, actor: AuditActor, at now: Date) async throws

    /// Records a successful login: a new session, the account's failures
    /// from this address cleared, and an audit line.
    func startSession(
        userID: Int64, tokenHash: String, csrfToken: String, expiresAt: Date, clientAddress: String?, userAgent: String?, at now: Date)
        async throws

    /// The staff member behind a session token's hash, if the session is
    /// live: not expired, not revoked, and its account not disabled.
    func activeSession(tokenHash: String, at now: Date) async throws -> AuthenticatedStaff?

    /// Ends one session (logout). Ending an unknown or already-ended
    /// session is not an error: logout must always succeed.
    func endSession(tokenHash: String, clientAddress: String?, at now: Date) async throws

    /// Deletes throttling records and sessions that can no longer matter.
    func pruneExpiredAuthenticationState(before cutoff: Date) async throws

    /// Asks to check a staff password: throttled by `policy`, or counted as
    /// a failure before the password is checked, in one transaction, so
    /// parallel guesses cannot all pass. Usernames that do not exist are
    /// counted too, so throttling does not tell which accounts exist. A
    /// successful login clears the (account, address) failures
    /// (`startSession`).
    func registerLoginAttempt(username: String, clientAddress: String, policy: LoginThrottlePolicy, at now: Date) async throws
        -> PasswordAttempt

    /// Like `registerLoginAttempt`, for a citizen's letter number and query
    /// password, counted apart from staff sign-in.
    func registerLetterQueryAttempt(number: String, clientAddress: String, policy: LoginThrottlePolicy, at now: Date) async throws
        -> PasswordAttempt

    /// A right letter password is not a failure: forgets that address's
    /// failed tries at that letter, so a citizen who reads, rates and
    /// follows up is never throttled.
    func forgetLetterQueryFailures(number: String, clientAddress: String) async throws

    /// Every department, by name: the choices for a lead or co-handling
    /// department and for per-department deadline policies.
    func departments() async throws -> [LetterDepartment]

    /// The department with exactly this name (surrounding white space
    /// ignored), or nil.
    func department(named name: String) async throws -> LetterDepartment?

    /// Every department with the address its letter notices go to, by name.
    func departmentNoticeAddresses() async throws -> [DepartmentNoticeAddress]

    /// Sets (or, with nil, removes) a department's notice address; audited.
    @discardableResult
    func setDepartmentNoticeAddress(department: String, email: String?, actor: AuditActor, at now: Date) async throws
        -> DepartmentNoticeAddress
}
