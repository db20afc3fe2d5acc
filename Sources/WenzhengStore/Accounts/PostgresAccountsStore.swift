import Foundation
import PostgresNIO
import WenzhengCore

/// `AccountsStore` over PostgreSQL: the same transactions as
/// `GRDBAccountsStore`, one `backend.write` per intention. Sessions and
/// password-attempt counts live in the database, so they hold across
/// server nodes and restarts.
struct PostgresAccountsStore: AccountsStore {
    let backend: PostgresBackend

    // MARK: Staff accounts

    @discardableResult
    func createStaffUser(_ new: NewStaffUser, actor: AuditActor, at now: Date) async throws -> StaffUserSummary {
        var errors: [FieldError] = []
        var fields = (username: "", displayName: "", department: "")
        do { fields.username = try StaffAccountRules.normalizedUsername(new.username) } catch { errors.append(error) }
        do { fields.displayName = try StaffAccountRules.validateDisplayName(new.displayName) } catch { errors.append(error) }
        do { fields.department = try StaffAccountRules.validateDepartmentName(new.department) } catch { errors.append(error) }
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        let (username, displayName, departmentName) = fields
        let role = new.role
        let passwordHash = new.passwordHash

        return try await backend.write { tx in
            if try await tx.scalar("SELECT 1 FROM staff_user WHERE username = \(username)", as: Int.self) != nil {
                throw StoreError.conflict("username '\(username)' is already taken")
            }
            let department = try await Self.findOrCreateDepartment(tx, named: departmentName, at: now)
            var user = StaffUser(
                id: nil, username: username, displayName: displayName, role: role,
                departmentId: department.id!, passwordHash: passwordHash, passwordChangedAt: now,
                disabledAt: nil, createdAt: now)
            user.id = try await tx.insert(into: StaffUser.databaseTableName, user)
            let summary = GRDBAccountsStore.summary(user, department: department)
            try await AuditEntry.record(
                tx, actor: actor, action: "staff_user.create", subjectType: "staff_user", subjectID: username,
                after: summary, at: now)
            return summary
        }
    }

    func staffUsers() async throws -> [StaffUserSummary] {
        try await backend.read { tx in
            try await tx.rows(
                """
                SELECT staff_user.*, department.name AS department_name
                FROM staff_user JOIN department ON department.id = staff_user.department_id
                ORDER BY department.name, staff_user.username
                """
            ).map { row in
                let user = try PostgresRecordDecoder.decode(StaffUser.self, from: row)
                return StaffUserSummary(
                    id: user.id!, username: user.username, displayName: user.displayName, role: user.role,
                    department: try row.value("department_name"), disabled: user.isDisabled, createdAt: user.createdAt)
            }
        }
    }

    func staffUserForLogin(username: String) async throws -> StaffUser? {
        guard let name = try? StaffAccountRules.normalizedUsername(username) else { return nil }
        return try await backend.read { tx in
            try await tx.record(StaffUser.self, "SELECT * FROM staff_user WHERE username = \(name)")
        }
    }

    @discardableResult
    func disableStaffUser(username: String, actor: AuditActor, at now: Date) async throws -> StaffUserSummary {
        try await backend.write { tx in
            var user = try await Self.existingUser(tx, username: username)
            let department = try await Self.department(tx, id: user.departmentId)
            let before = GRDBAccountsStore.summary(user, department: department)
            guard !user.isDisabled else { return before }
            if user.role == .admin {
                let otherAdmins = try await tx.scalar(
                    """
                    SELECT COUNT(*) FROM staff_user
                    WHERE role = \(Role.admin.rawValue) AND disabled_at IS NULL AND id <> \(user.id!)
                    """, as: Int64.self) ?? 0
                if otherAdmins == 0 { throw StoreError.conflict("'\(user.username)' is the last active admin") }
            }
            user.disabledAt = now
            try await tx.update(StaffUser.databaseTableName, user, id: user.id!)
            try await Self.revokeAllSessions(tx, userID: user.id!, at: now)
            let after = GRDBAccountsStore.summary(user, department: department)
            try await AuditEntry.record(
                tx, actor: actor, action: "staff_user.disable", subjectType: "staff_user", subjectID: user.username,
                before: before, after: after, at: now)
            return after
        }
    }

    @discardableResult
    func enableStaffUser(username: String, actor: AuditActor, at now: Date) async throws -> StaffUserSummary {
        try await backend.write { tx in
            var user = try await Self.existingUser(tx, username: username)
            let department = try await Self.department(tx, id: user.departmentId)
            let before = GRDBAccountsStore.summary(user, department: department)
            guard user.isDisabled else { return before }
            user.disabledAt = nil
            try await tx.update(StaffUser.databaseTableName, user, id: user.id!)
            let after = GRDBAccountsStore.summary(user, department: department)
            try await AuditEntry.record(
                tx, actor: actor, action: "staff_user.enable", subjectType: "staff_user", subjectID: user.username,
                before: before, after: after, at: now)
            return after
        }
    }

    func resetStaffPassword(username: String, passwordHash: String, actor: AuditActor, at now: Date) async throws {
        try await backend.write { tx in
            var user = try await Self.existingUser(tx, username: username)
            user.passwordHash = passwordHash
            user.passwordChangedAt = now
            try await tx.update(StaffUser.databaseTableName, user, id: user.id!)
            try await Self.revokeAllSessions(tx, userID: user.id!, at: now)
            try await tx.execute("DELETE FROM login_failure WHERE username = \(user.username)")
            // The hash is not logged, not even before/after: only the fact.
            try await AuditEntry.record(
                tx, actor: actor, action: "staff_user.reset_password", subjectType: "staff_user",
                subjectID: user.username, at: now)
        }
    }

    // MARK: Sessions

    func startSession(
        userID: Int64, tokenHash: String, csrfToken: String, expiresAt: Date, clientAddress: String?,
        userAgent: String?, at now: Date
    ) async throws {
        try await backend.write { tx in
            guard let user = try await tx.record(StaffUser.self, "SELECT * FROM staff_user WHERE id = \(userID)"), !user.isDisabled
            else {
                throw StoreError.notFound(kind: "user", key: String(userID))
            }
            let session = StaffSessionRecord(
                id: nil, tokenHash: tokenHash, csrfToken: csrfToken, userId: userID, createdAt: now,
                expiresAt: expiresAt, revokedAt: nil, clientAddress: clientAddress,
                userAgent: userAgent.map { String($0.prefix(256)) })
            try await tx.insert(into: StaffSessionRecord.databaseTableName, session)
            try await Self.forgetFailures(tx, .staffSignIn, key: user.username, address: clientAddress ?? "")
            try await AuditEntry.record(
                tx, actor: AuditActor(userID: userID, name: user.username, clientAddress: clientAddress),
                action: "session.login", subjectType: "staff_user", subjectID: user.username, at: now)
        }
    }

    func activeSession(tokenHash: String, at now: Date) async throws -> AuthenticatedStaff? {
        try await backend.read { tx in
            guard
                let row = try await tx.row(
                    """
                    SELECT staff_user.id, staff_user.username, staff_user.display_name, staff_user.role,
                           staff_user.department_id, department.name AS department_name,
                           staff_session.csrf_token, staff_session.expires_at
                    FROM staff_session
                    JOIN staff_user ON staff_user.id = staff_session.user_id
                    JOIN department ON department.id = staff_user.department_id
                    WHERE staff_session.token_hash = \(tokenHash)
                      AND staff_session.revoked_at IS NULL
                      AND staff_session.expires_at > \(now)
                      AND staff_user.disabled_at IS NULL
                    """),
                let role = Role(rawValue: try row.value("role", as: String.self))
            else { return nil }
            return AuthenticatedStaff(
                userID: try row.value("id"), username: try row.value("username"), displayName: try row.value("display_name"),
                role: role, departmentID: try row.value("department_id"), department: try row.value("department_name"),
                csrfToken: try row.value("csrf_token"), sessionExpiresAt: try row.value("expires_at"))
        }
    }

    func endSession(tokenHash: String, clientAddress: String?, at now: Date) async throws {
        try await backend.write { tx in
            guard
                let session = try await tx.record(
                    StaffSessionRecord.self, "SELECT * FROM staff_session WHERE token_hash = \(tokenHash)"),
                session.revokedAt == nil
            else { return }
            try await tx.execute("UPDATE staff_session SET revoked_at = \(now) WHERE id = \(session.id!)")
            let username =
                try await tx.scalar("SELECT username FROM staff_user WHERE id = \(session.userId)", as: String.self) ?? "?"
            try await AuditEntry.record(
                tx, actor: AuditActor(userID: session.userId, name: username, clientAddress: clientAddress),
                action: "session.logout", subjectType: "staff_user", subjectID: username, at: now)
        }
    }

    func pruneExpiredAuthenticationState(before cutoff: Date) async throws {
        try await backend.write { tx in
            try await tx.execute("DELETE FROM login_failure WHERE failed_at < \(cutoff)")
            try await tx.execute("DELETE FROM letter_query_failure WHERE failed_at < \(cutoff)")
            try await tx.execute("DELETE FROM staff_session WHERE expires_at < \(cutoff)")
        }
    }

    // MARK: Password attempts

    func registerLoginAttempt(username: String, clientAddress: String, policy: LoginThrottlePolicy, at now: Date) async throws
        -> PasswordAttempt
    {
        let name = String(username.lowercased().prefix(64))
        return try await backend.write { tx in
            try await Self.registerAttempt(tx, .staffSignIn, key: name, address: clientAddress, policy: policy, at: now)
        }
    }

    func registerLetterQueryAttempt(number: String, clientAddress: String, policy: LoginThrottlePolicy, at now: Date) async throws
        -> PasswordAttempt
    {
        let number = String(number.prefix(32))
        return try await backend.write { tx in
            try await Self.registerAttempt(tx, .letterQuery, key: number, address: clientAddress, policy: policy, at: now)
        }
    }

    func forgetLetterQueryFailures(number: String, clientAddress: String) async throws {
        try await backend.write { tx in
            try await Self.forgetFailures(tx, .letterQuery, key: String(number.prefix(32)), address: clientAddress)
        }
    }

    /// Counted before the password is checked, in one SERIALIZABLE
    /// transaction: parallel guesses through two nodes conflict, and the
    /// loser runs again and sees the winner's failure.
    static func registerAttempt(
        _ tx: PostgresTransaction, _ table: PasswordAttemptTable, key: String, address: String, policy: LoginThrottlePolicy,
        at now: Date
    ) async throws -> PasswordAttempt {
        let since = now.addingTimeInterval(-policy.window)
        let (name, column) = (PostgresTransaction.quoted(table.rawValue), PostgresTransaction.quoted(table.keyColumn))
        func dates(_ sql: String, _ values: [String]) async throws -> [Date] {
            var bindings = PostgresBindings()
            for value in values { bindings.append(value) }
            bindings.append(since)
            return try await tx.rows(PostgresQuery(unsafeSQL: sql, binds: bindings)).map { try $0.value("failed_at", as: Date.self) }
        }
        let pair = try await dates(
            "SELECT failed_at FROM \(name) WHERE \(column) = $1 AND client_address = $2 AND failed_at > $3", [key, address])
        let fromAddress = try await dates("SELECT failed_at FROM \(name) WHERE client_address = $1 AND failed_at > $2", [address])
        let decision = policy.decide(accountAtAddress: pair, address: fromAddress, now: now)
        guard decision == .allowed else { return PasswordAttempt(decision: decision, failuresForAccount: nil) }
        var insert = PostgresBindings()
        insert.append(key)
        insert.append(address)
        insert.append(now)
        try await tx.execute(
            PostgresQuery(unsafeSQL: "INSERT INTO \(name) (\(column), client_address, failed_at) VALUES ($1, $2, $3)", binds: insert))
        var count = PostgresBindings()
        count.append(key)
        count.append(since)
        let total = try await tx.scalar(
            PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(name) WHERE \(column) = $1 AND failed_at > $2", binds: count),
            as: Int64.self) ?? 0
        return PasswordAttempt(decision: .allowed, failuresForAccount: Int(total))
    }

    static func forgetFailures(_ tx: PostgresTransaction, _ table: PasswordAttemptTable, key: String, address: String) async throws {
        var bindings = PostgresBindings()
        bindings.append(key)
        bindings.append(address)
        try await tx.execute(
            PostgresQuery(
                unsafeSQL: "DELETE FROM \(PostgresTransaction.quoted(table.rawValue)) WHERE \(PostgresTransaction.quoted(table.keyColumn)) = $1 AND client_address = $2",
                binds: bindings))
    }

    // MARK: Departments

    func departments() async throws -> [LetterDepartment] {
        try await backend.read { tx in
            try await tx.rows("SELECT id, name FROM department ORDER BY name, id").map {
                LetterDepartment(id: try $0.value("id"), name: try $0.value("name"))
            }
        }
    }

    func department(named name: String) async throws -> LetterDepartment? {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await backend.read { tx in
            try await tx.row("SELECT id, name FROM department WHERE name = \(name)").map {
                LetterDepartment(id: try $0.value("id"), name: try $0.value("name"))
            }
        }
    }

    func departmentNoticeAddresses() async throws -> [DepartmentNoticeAddress] {
        try await backend.read { tx in
            try await tx.rows("SELECT id, name, notice_email FROM department ORDER BY name, id").map {
                DepartmentNoticeAddress(id: try $0.value("id"), name: try $0.value("name"), email: try $0.value("notice_email"))
            }
        }
    }

    @discardableResult
    func setDepartmentNoticeAddress(department name: String, email: String?, actor: AuditActor, at now: Date) async throws
        -> DepartmentNoticeAddress
    {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let email = try DepartmentNoticeAddress.validated(email)
        return try await backend.write { tx in
            guard let row = try await tx.row("SELECT id, name, notice_email FROM department WHERE name = \(name)") else {
                throw StoreError.notFound(kind: "department", key: name)
            }
            let before = DepartmentNoticeAddress(id: try row.value("id"), name: try row.value("name"), email: try row.value("notice_email"))
            let after = DepartmentNoticeAddress(id: before.id, name: before.name, email: email)
            guard before != after else { return before }
            try await tx.execute("UPDATE department SET notice_email = \(email) WHERE id = \(before.id)")
            try await AuditEntry.record(
                tx, actor: actor, action: "department.notice_email", subjectType: "department", subjectID: String(before.id),
                before: before, after: after, at: now)
            return after
        }
    }

    // MARK: Helpers

    static func findOrCreateDepartment(_ tx: PostgresTransaction, named name: String, at now: Date) async throws -> Department {
        if let existing = try await tx.record(Department.self, "SELECT id, name, created_at FROM department WHERE name = \(name)") {
            return existing
        }
        var department = Department(id: nil, name: name, createdAt: now)
        department.id = try await tx.insert(into: Department.databaseTableName, department)
        return department
    }

    static func department(_ tx: PostgresTransaction, id: Int64) async throws -> Department {
        guard let department = try await tx.record(Department.self, "SELECT id, name, created_at FROM department WHERE id = \(id)") else {
            throw StoreError.notFound(kind: "department", key: String(id))
        }
        return department
    }

    static func existingUser(_ tx: PostgresTransaction, username: String) async throws -> StaffUser {
        let name = (try? StaffAccountRules.normalizedUsername(username)) ?? username
        guard let user = try await tx.record(StaffUser.self, "SELECT * FROM staff_user WHERE username = \(name)") else {
            throw StoreError.notFound(kind: "user", key: username)
        }
        return user
    }

    /// A staff member's display name, read in another feature's
    /// transaction (who withdrew, who decided).
    static func displayName(_ tx: PostgresTransaction, userID: Int64) async throws -> String? {
        try await tx.scalar("SELECT display_name FROM staff_user WHERE id = \(userID)", as: String.self)
    }

    static func revokeAllSessions(_ tx: PostgresTransaction, userID: Int64, at now: Date) async throws {
        try await tx.execute("UPDATE staff_session SET revoked_at = \(now) WHERE user_id = \(userID) AND revoked_at IS NULL")
    }
}
