import Foundation
import GRDB
import Testing
import WenzhengCore
@testable import WenzhengStore

@Suite("Staff accounts and sessions in the store")
struct AccountsStoreTests {
    @Test(arguments: StoreBackend.underTest) func createsUsersAndTheirDepartments(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        // Given two accounts in two departments
        try await db.addUser("Zhang", role: .handler, department: "法律援助处")
        try await db.addUser("li", role: .admin)
        // Then they are listed by department, usernames normalised
        let users = try await db.accounts.staffUsers()
        #expect(users.map(\.username) == ["zhang", "li"] || users.map(\.username) == ["li", "zhang"])
        #expect(Set(users.map(\.department)) == ["法律援助处", "办公室"])
        #expect(users.first { $0.username == "zhang" }?.role == .handler)
    }

    @Test(arguments: StoreBackend.underTest) func duplicateUsernameIsAConflictAndSavesNothing(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        try await db.addUser("li")
        await #expect(throws: StoreError.conflict("username 'li' is already taken")) {
            try await db.addUser("LI", department: "新部门")
        }
        // The would-be department was not created either.
        let departments = try await db.rawStrings("SELECT name FROM department")
        #expect(departments == ["办公室"])
    }

    @Test(arguments: StoreBackend.underTest) func invalidFieldsAreAllReported(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        do {
            try await db.accounts.createStaffUser(
                NewStaffUser(username: "x", displayName: " ", role: .guest, department: "", passwordHash: "h"),
                actor: cliActor, at: testStart)
            Issue.record("expected a validation failure")
        } catch StoreError.invalid(let failure) {
            #expect(failure.errors.map(\.field) == ["username", "display_name", "department"])
        }
        #expect(try await db.accounts.staffUsers().isEmpty)
    }

    @Test(arguments: StoreBackend.underTest) func sessionLivesUntilExpiryRevocationOrDisable(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let user = try await db.addUser("zhao", role: .host)
        // Given a session valid for an hour
        try await db.accounts.startSession(
            userID: user.id, tokenHash: "t1", csrfToken: "c1", expiresAt: testStart.addingTimeInterval(3600),
            clientAddress: "10.0.0.1", userAgent: "test", at: testStart)
        // Then it resolves to the user until it expires
        let staff = try await db.accounts.activeSession(tokenHash: "t1", at: testStart.addingTimeInterval(60))
        #expect(staff?.username == "zhao")
        #expect(staff?.role == .host)
        #expect(staff?.csrfToken == "c1")
        #expect(try await db.accounts.activeSession(tokenHash: "t1", at: testStart.addingTimeInterval(3600)) == nil)
        #expect(try await db.accounts.activeSession(tokenHash: "unknown", at: testStart) == nil)

        // When the account is disabled, its sessions end at once
        try await db.accounts.startSession(
            userID: user.id, tokenHash: "t2", csrfToken: "c2", expiresAt: testStart.addingTimeInterval(3600),
            clientAddress: nil, userAgent: nil, at: testStart)
        try await db.accounts.disableStaffUser(username: "zhao", actor: cliActor, at: testStart.addingTimeInterval(120))
        #expect(try await db.accounts.activeSession(tokenHash: "t2", at: testStart.addingTimeInterval(130)) == nil)
        // …and re-enabling does not bring them back
        try await db.accounts.enableStaffUser(username: "zhao", actor: cliActor, at: testStart.addingTimeInterval(140))
        #expect(try await db.accounts.activeSession(tokenHash: "t2", at: testStart.addingTimeInterval(150)) == nil)
    }

    @Test(arguments: StoreBackend.underTest) func logoutAndPasswordResetEndSessions(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let user = try await db.addUser("qian")
        for token in ["a", "b"] {
            try await db.accounts.startSession(
                userID: user.id, tokenHash: token, csrfToken: "c", expiresAt: testStart.addingTimeInterval(3600),
                clientAddress: nil, userAgent: nil, at: testStart)
        }
        try await db.accounts.endSession(tokenHash: "a", clientAddress: nil, at: testStart)
        try await db.accounts.endSession(tokenHash: "a", clientAddress: nil, at: testStart)  // idempotent
        #expect(try await db.accounts.activeSession(tokenHash: "a", at: testStart) == nil)
        #expect(try await db.accounts.activeSession(tokenHash: "b", at: testStart) != nil)
        try await db.accounts.resetStaffPassword(username: "qian", passwordHash: "new", actor: cliActor, at: testStart)
        #expect(try await db.accounts.activeSession(tokenHash: "b", at: testStart) == nil)
        #expect(try await db.accounts.staffUserForLogin(username: "QIAN")?.passwordHash == "new")
    }

    static let tight = LoginThrottlePolicy(
        window: 3600, perAccountAndAddress: FailureBackoff(freeFailures: 2, firstDelay: 60, maxDelay: 600),
        perAddress: FailureBackoff(freeFailures: 3, firstDelay: 60, maxDelay: 600))

    @Test(arguments: StoreBackend.underTest) func loginFailuresAreCountedPerAccountAndAddressAndClearedOnSuccess(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let user = try await db.addUser("sun")
        func attempt(_ name: String, from address: String, at seconds: TimeInterval = 0) async throws -> PasswordAttempt {
            try await db.accounts.registerLoginAttempt(username: name, clientAddress: address, policy: Self.tight, at: testStart.addingTimeInterval(seconds))
        }
        #expect(try await attempt("Sun", from: "10.0.0.1") == PasswordAttempt(decision: .allowed, failuresForAccount: 1))
        #expect(try await attempt("sun", from: "10.0.0.1").decision == .allowed)
        // Two failures from 10.0.0.1: that pair waits; a throttled try is not counted.
        #expect(try await attempt("sun", from: "10.0.0.1", at: 1).decision == .throttled(retryAfter: 59))
        #expect(try await attempt("sun", from: "10.0.0.1", at: 2).decision == .throttled(retryAfter: 58))
        // The same account from another address is not locked out.
        #expect(try await attempt("sun", from: "10.0.0.2", at: 2) == PasswordAttempt(decision: .allowed, failuresForAccount: 3))
        // 10.0.0.1 has one free failure left at other accounts, then waits.
        #expect(try await attempt("nobody", from: "10.0.0.1", at: 3).decision == .allowed)
        #expect(try await attempt("zhao", from: "10.0.0.1", at: 4).decision == .throttled(retryAfter: 59))
        // A successful login clears that pair's failures only.
        try await db.accounts.startSession(
            userID: user.id, tokenHash: "t", csrfToken: "c", expiresAt: testStart.addingTimeInterval(60),
            clientAddress: "10.0.0.1", userAgent: nil, at: testStart.addingTimeInterval(5))
        #expect(try await attempt("zhao", from: "10.0.0.1", at: 6).decision == .allowed)
        #expect(try await attempt("sun", from: "10.0.0.2", at: 7).decision == .allowed)
        #expect(try await attempt("sun", from: "10.0.0.2", at: 8).decision == .throttled(retryAfter: 59))
    }

    @Test(arguments: StoreBackend.underTest) func letterQueriesAreCountedApartFromStaffSignIn(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        for index in 0..<3 {
            let attempt = try await db.accounts.registerLetterQueryAttempt(
                number: "2026-00000\(index)", clientAddress: "10.0.0.1", policy: Self.tight, at: testStart)
            #expect(attempt.decision == .allowed)
        }
        #expect(
            try await db.accounts.registerLetterQueryAttempt(number: "2026-000009", clientAddress: "10.0.0.1", policy: Self.tight, at: testStart)
                .decision == .throttled(retryAfter: 60))
        // Staff sign-in from the same address is untouched.
        #expect(
            try await db.accounts.registerLoginAttempt(username: "sun", clientAddress: "10.0.0.1", policy: Self.tight, at: testStart).decision
                == .allowed)
        // A right password forgets that address's tries at that letter.
        try await db.accounts.forgetLetterQueryFailures(number: "2026-000000", clientAddress: "10.0.0.1")
        #expect(
            try await db.accounts.registerLetterQueryAttempt(number: "2026-000009", clientAddress: "10.0.0.1", policy: Self.tight, at: testStart)
                .decision == .allowed)
        // Old rows are pruned from both tables.
        try await db.accounts.pruneExpiredAuthenticationState(before: testStart.addingTimeInterval(1))
        #expect(try await db.rawInt("SELECT COUNT(*) FROM letter_query_failure") == 0)
        #expect(try await db.rawInt("SELECT COUNT(*) FROM login_failure") == 0)
    }

    /// SQLite's own history (PostgreSQL starts after it).
    @Test func migrationMovesLetterQueryFailuresOutOfTheStaffTable() throws {
        let queue = try DatabaseQueue()
        var migrator = AppDatabase.migrator
        try migrator.migrate(queue, upTo: "v6-letter-search")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO login_failure (username, client_address, failed_at) VALUES
                        ('letter:2026-000001', '10.0.0.1', '2026-11-18 00:00:00.000'),
                        ('chen', '10.0.0.1', '2026-11-18 00:00:00.000')
                    """)
        }
        migrator = AppDatabase.migrator
        try migrator.migrate(queue)
        #expect(try queue.read { try String.fetchAll($0, sql: "SELECT username FROM login_failure") } == ["chen"])
    }

    @Test(arguments: StoreBackend.underTest) func serverSecretsAreMadeOnceAndKept(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let first = try await db.secrets.serverSecret(purpose: "browser-key", at: testStart)
        #expect(first.count == 32)
        #expect(try await db.secrets.serverSecret(purpose: "browser-key", at: testStart.addingTimeInterval(60)) == first)
        #expect(try await db.secrets.serverSecret(purpose: "other", at: testStart) != first)
        #expect(try await AppDatabase.inMemory().secrets.serverSecret(purpose: "browser-key", at: testStart) != first)
        // The schema refuses a short secret.
        let weak = backend == .sqlite ? "x'00'" : "'\\x00'::bytea"
        await #expect(throws: (any Error).self) {
            try await db.rawExecute("INSERT INTO server_secret (purpose, secret, created_at) VALUES ('weak', \(weak), '2026-01-01')")
        }
    }

    @Test(arguments: StoreBackend.underTest) func everyStaffActionIsAuditedAndTheLogIsAppendOnly(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        try await db.addUser("zhou", role: .reviewer)
        try await db.accounts.disableStaffUser(username: "zhou", actor: cliActor, at: testStart.addingTimeInterval(1))
        try await db.accounts.resetStaffPassword(username: "zhou", passwordHash: "x", actor: cliActor, at: testStart.addingTimeInterval(2))
        let entries = try await db.audit.auditEntries()
        #expect(entries.map(\.action) == ["staff_user.reset_password", "staff_user.disable", "staff_user.create"])
        #expect(entries.allSatisfy { $0.actorName == "cli:tester" })
        let disable = entries[1]
        #expect(disable.beforeJson?.contains("\"disabled\":false") == true)
        #expect(disable.afterJson?.contains("\"disabled\":true") == true)
        // No password hash ever reaches the log.
        #expect(entries.allSatisfy { !($0.afterJson ?? "").contains("hash") })

        // The table itself refuses edits and deletions.
        await #expect(throws: (any Error).self) { try await db.rawExecute("UPDATE audit_entry SET action = 'forged'") }
        await #expect(throws: (any Error).self) { try await db.rawExecute("DELETE FROM audit_entry") }
        #expect(try await db.rawInt("SELECT COUNT(*) FROM audit_entry WHERE action = 'forged'") == 0)
        // Accounts that acted cannot be deleted out from under the log.
        let user = try await db.addUser("wu")
        try await db.accounts.startSession(
            userID: user.id, tokenHash: "t", csrfToken: "c", expiresAt: testStart.addingTimeInterval(60),
            clientAddress: nil, userAgent: nil, at: testStart)
        #expect(try await db.audit.auditEntries(actorName: "wu").map(\.action) == ["session.login"])
        await #expect(throws: (any Error).self) { try await db.rawExecute("DELETE FROM staff_user WHERE id = \(user.id)") }
        #expect(try await db.audit.auditEntries(actorName: "nobody").isEmpty)
    }

    /// SQLite's schema; PostgresSchemaTests checks PostgreSQL's.
    @Test func schemaRefusesWhatTheRulesRefuse() throws {
        let db = try AppDatabase.inMemory()
        #expect(throws: DatabaseError.self) {
            try db.writer.write { db in
                try db.execute(sql: "INSERT INTO department (name, created_at) VALUES ('d', '2026-01-01')")
                try db.execute(
                    sql: """
                        INSERT INTO staff_user (username, display_name, role, department_id, password_hash, password_changed_at, created_at)
                        VALUES ('x1', 'X', 'superuser', 1, 'h', '2026-01-01', '2026-01-01')
                        """)
            }
        }
    }
}
