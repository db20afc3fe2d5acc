import Foundation
import GRDB
import WenzhengCore

extension GRDBAccountsStore {
    // MARK: Staff accounts

    /// Creates a staff account, and its department if that is new.
    ///
    /// - Throws: `StoreError.invalid` for a malformed field,
    ///   `StoreError.conflict` when the username is taken.
    @discardableResult
    func createStaffUser(_ new: NewStaffUser, actor: AuditActor, at now: Date) async throws -> StaffUserSummary {
        var errors: [FieldError] = []
        var fields = (username: "", displayName: "", department: "")
        do { fields.username = try StaffAccountRules.normalizedUsername(new.username) } catch { errors.append(error) }
        do { fields.displayName = try StaffAccountRules.validateDisplayName(new.displayName) } catch { errors.append(error) }
        do { fields.department = try StaffAccountRules.validateDepartmentName(new.department) } catch { errors.append(error) }
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        let (username, displayName, departmentName) = fields

        return try await writer.write { db in
            if try StaffUser.filter(StaffUser.Columns.username == username).fetchCount(db) > 0 {
                throw StoreError.conflict("username '\(username)' is already taken")
            }
            let department = try Self.findOrCreateDepartment(db, named: departmentName, at: now)
            var user = StaffUser(
                id: nil, username: username, displayName: displayName, role: new.role,
                departmentId: department.id!, passwordHash: new.passwordHash, passwordChangedAt: now,
                disabledAt: nil, createdAt: now)
            try user.insert(db)
            let summary = Self.summary(user, department: department)
            try AuditEntry.record(
                db, actor: actor, action: "staff_user.create", subjectType: "staff_user", subjectID: username,
                after: summary, at: now)
            return summary
        }
    }

    /// All staff accounts, by department then username.
    func staffUsers() async throws -> [StaffUserSummary] {
        try await reader.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT staff_user.*, department.name AS department_name
                    FROM staff_user JOIN department ON department.id = staff_user.department_id
                    ORDER BY department.name, staff_user.username
                    """)
            return try rows.map { row in
                let user = try StaffUser(row: row)
                return StaffUserSummary(
                    id: user.id!, username: user.username, displayName: user.displayName, role: user.role,
                    department: row["department_name"], disabled: user.isDisabled, createdAt: user.createdAt)
            }
        }
    }

    /// The account and its password hash, for checking a login.
    func staffUserForLogin(username: String) async throws -> StaffUser? {
        guard let name = try? StaffAccountRules.normalizedUsername(username) else { return nil }
        return try await reader.read { db in
            try StaffUser.filter(StaffUser.Columns.username == name).fetchOne(db)
        }
    }

    /// Disables an account and ends all its sessions at once.
    @discardableResult
    func disableStaffUser(username: String, actor: AuditActor, at now: Date) async throws -> StaffUserSummary {
        try await writer.write { db in
            var user = try Self.existingUser(db, username: username)
            let department = try Department.fetchOne(db, key: user.departmentId)!
            let before = Self.summary(user, department: department)
            guard !user.isDisabled else { return before }
            if user.role == .admin {
                let otherAdmins = try StaffUser
                    .filter(Column("role") == Role.admin.rawValue && StaffUser.Columns.disabledAt == nil && Column("id") != user.id!)
                    .fetchCount(db)
                if otherAdmins == 0 { throw StoreError.conflict("'\(user.username)' is the last active admin") }
            }
            user.disabledAt = now
            try user.update(db)
            try Self.revokeAllSessions(db, userID: user.id!, at: now)
            let after = Self.summary(user, department: department)
            try AuditEntry.record(
                db, actor: actor, action: "staff_user.disable", subjectType: "staff_user", subjectID: user.username,
                before: before, after: after, at: now)
            return after
        }
    }

    /// Re-enables a disabled account.
    @discardableResult
    func enableStaffUser(username: String, actor: AuditActor, at now: Date) async throws -> StaffUserSummary {
        try await writer.write { db in
            var user = try Self.existingUser(db, username: username)
            let department = try Department.fetchOne(db, key: user.departmentId)!
            let before = Self.summary(user, department: department)
            guard user.isDisabled else { return before }
            user.disabledAt = nil
            try user.update(db)
            let after = Self.summary(user, department: department)
            try AuditEntry.record(
                db, actor: actor, action: "staff_user.enable", subjectType: "staff_user", subjectID: user.username,
                before: before, after: after, at: now)
            return after
        }
    }

    /// Replaces the password and signs the account out everywhere, so a
    /// reset after a suspected leak actually locks the intruder out.
    func resetStaffPassword(username: String, passwordHash: String, actor: AuditActor, at now: Date) async throws {
        try await writer.write { db in
            var user = try Self.existingUser(db, username: username)
            user.passwordHash = passwordHash
            user.passwordChangedAt = now
            try user.update(db)
            try Self.revokeAllSessions(db, userID: user.id!, at: now)
            try LoginFailureRecord.filter(LoginFailureRecord.Columns.username == user.username).deleteAll(db)
            // The hash is not logged, not even before/after: only the fact.
            try AuditEntry.record(
                db, actor: actor, action: "staff_user.reset_password", subjectType: "staff_user",
                subjectID: user.username, at: now)
        }
    }

    // MARK: Sessions

    /// Records a successful login: a new session, the account's failures
    /// from this address cleared, and an audit line.
    func startSession(
        userID: Int64, tokenHash: String, csrfToken: String, expiresAt: Date, clientAddress: String?,
        userAgent: String?, at now: Date
    ) async throws {
        try await writer.write { db in
            guard let user = try StaffUser.fetchOne(db, key: userID), !user.isDisabled else {
                throw StoreError.notFound(kind: "user", key: String(userID))
            }
            var session = StaffSessionRecord(
                id: nil, tokenHash: tokenHash, csrfToken: csrfToken, userId: userID, createdAt: now,
                expiresAt: expiresAt, revokedAt: nil, clientAddress: clientAddress,
                userAgent: userAgent.map { String($0.prefix(256)) })
            try session.insert(db)
            try Self.forgetFailures(db, .staffSignIn, key: user.username, address: clientAddress ?? "")
            try AuditEntry.record(
                db, actor: AuditActor(userID: userID, name: user.username, clientAddress: clientAddress),
                action: "session.login", subjectType: "staff_user", subjectID: user.username, at: now)
        }
    }

    /// The staff member behind a session token's hash, if the session is
    /// live: not expired, not revoked, and its account not disabled.
    func activeSession(tokenHash: String, at now: Date) async throws -> AuthenticatedStaff? {
        try await reader.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT staff_user.id, staff_user.username, staff_user.display_name, staff_user.role,
                           staff_user.department_id, department.name AS department_name,
                           staff_session.csrf_token, staff_session.expires_at
                    FROM staff_session
                    JOIN staff_user ON staff_user.id = staff_session.user_id
                    JOIN department ON department.id = staff_user.department_id
                    WHERE staff_session.token_hash = ?
                      AND staff_session.revoked_at IS NULL
                      AND staff_session.expires_at > ?
                      AND staff_user.disabled_at IS NULL
                    """,
                arguments: [tokenHash, now])
            guard let row, let role = Role(rawValue: row["role"]) else { return nil }
            return AuthenticatedStaff(
                userID: row["id"], username: row["username"], displayName: row["display_name"], role: role,
                departmentID: row["department_id"], department: row["department_name"],
                csrfToken: row["csrf_token"], sessionExpiresAt: row["expires_at"])
        }
    }

    /// Ends one session (logout). Ending an unknown or already-ended
    /// session is not an error: logout must always succeed.
    func endSession(tokenHash: String, clientAddress: String?, at now: Date) async throws {
        try await writer.write { db in
            guard var session = try StaffSessionRecord.filter(StaffSessionRecord.Columns.tokenHash == tokenHash).fetchOne(db),
                session.revokedAt == nil
            else { return }
            session.revokedAt = now
            try session.update(db)
            let username = try String.fetchOne(db, sql: "SELECT username FROM staff_user WHERE id = ?", arguments: [session.userId]) ?? "?"
            try AuditEntry.record(
                db, actor: AuditActor(userID: session.userId, name: username, clientAddress: clientAddress),
                action: "session.logout", subjectType: "staff_user", subjectID: username, at: now)
        }
    }

    // MARK: Login throttling (the rest is in GRDBAccountsStore+PasswordAttempts.swift)

    /// Deletes throttling records and sessions that can no longer matter.
    func pruneExpiredAuthenticationState(before cutoff: Date) async throws {
        try await writer.write { db in
            try LoginFailureRecord.filter(LoginFailureRecord.Columns.failedAt < cutoff).deleteAll(db)
            try db.execute(sql: "DELETE FROM letter_query_failure WHERE failed_at < ?", arguments: [cutoff])
            try StaffSessionRecord.filter(StaffSessionRecord.Columns.expiresAt < cutoff).deleteAll(db)
        }
    }

    // MARK: Helpers

    static func findOrCreateDepartment(_ db: Database, named name: String, at now: Date) throws -> Department {
        if let existing = try Department.filter(Column("name") == name).fetchOne(db) {
            return existing
        }
        var department = Department(id: nil, name: name, createdAt: now)
        try department.insert(db)
        return department
    }

    static func existingUser(_ db: Database, username: String) throws -> StaffUser {
        let name = (try? StaffAccountRules.normalizedUsername(username)) ?? username
        guard let user = try StaffUser.filter(StaffUser.Columns.username == name).fetchOne(db) else {
            throw StoreError.notFound(kind: "user", key: username)
        }
        return user
    }

    static func revokeAllSessions(_ db: Database, userID: Int64, at now: Date) throws {
        try StaffSessionRecord
            .filter(StaffSessionRecord.Columns.userId == userID && StaffSessionRecord.Columns.revokedAt == nil)
            .updateAll(db, StaffSessionRecord.Columns.revokedAt.set(to: now))
    }

    static func summary(_ user: StaffUser, department: Department) -> StaffUserSummary {
        StaffUserSummary(
            id: user.id!, username: user.username, displayName: user.displayName, role: user.role,
            department: department.name, disabled: user.isDisabled, createdAt: user.createdAt)
    }
}
