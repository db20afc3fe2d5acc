import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import WenzhengStore

/// The superuser URL of a throwaway PostgreSQL cluster (`script/with-postgres`
/// sets it); nil when the tests run without one.
private let postgresURL = ProcessInfo.processInfo.environment["WENZHENG_TEST_POSTGRES_URL"]

@Suite("PostgreSQL test cluster")
struct PostgresTestClusterTests {
    /// Without this, CI without a cluster would skip the PostgreSQL tests
    /// and pass.
    @Test("CI runs the PostgreSQL tests: it sets WENZHENG_TEST_POSTGRES_URL")
    func clusterIsThereOnCI() {
        let onCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false
        if onCI {
            #expect(postgresURL != nil, "CI is set but WENZHENG_TEST_POSTGRES_URL is not: run the tests through script/with-postgres")
        }
    }
}

@Suite("PostgreSQL schema", .enabled(if: postgresURL != nil, "needs WENZHENG_TEST_POSTGRES_URL (script/with-postgres)"))
struct PostgresSchemaTests {
    @Test("the migration identifiers are unique and every migration has statements")
    func migrationList() {
        let identifiers = PostgresMigrations.all.map(\.identifier)
        #expect(Set(identifiers).count == identifiers.count)
        #expect(PostgresMigrations.all.allSatisfy { !$0.statements.isEmpty })
    }

    @Test("every SQLite table exists on PostgreSQL with the same columns in the same order, and no other table")
    func sameTablesAndColumns() async throws {
        let sqlite = try sqliteColumns()
        #expect(sqlite.count >= 40)
        try await withMigratedDatabase { client in
            let rows = try await client.query(
                """
                SELECT c.table_name::text, c.column_name::text
                FROM information_schema.columns c
                JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                ORDER BY c.table_name, c.ordinal_position
                """)
            var postgres: [String: [String]] = [:]
            for try await (table, column) in rows.decode((String, String).self) {
                postgres[table, default: []].append(column)
            }
            #expect(Set(postgres.keys) == Set(sqlite.keys))
            for (table, columns) in sqlite.sorted(by: { $0.key < $1.key }) {
                let expected = table == "letter_search_document" ? columns + ["document"] : columns
                #expect(postgres[table] == expected, "columns of \(table)")
            }
        }
    }

    @Test("every named SQLite index and trigger exists on PostgreSQL under the same name")
    func sameIndexesAndTriggers() async throws {
        let (sqliteIndexes, sqliteTriggers) = try sqliteIndexesAndTriggers()
        #expect(sqliteIndexes.count >= 40)
        try await withMigratedDatabase { client in
            var indexes: Set<String> = []
            for try await name in try await client.query("SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'")
                .decode(String.self)
            {
                indexes.insert(name)
            }
            var triggers: Set<String> = []
            for try await name in try await client.query(
                "SELECT tgname::text FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid WHERE NOT tgisinternal"
            ).decode(String.self) {
                triggers.insert(name)
            }
            #expect(sqliteIndexes.subtracting(indexes) == [])
            #expect(sqliteTriggers.subtracting(triggers) == [])
        }
    }

    @Test("NOT NULL, CHECK, UNIQUE and a restricting foreign key are enforced")
    func ordinaryConstraints() async throws {
        try await withMigratedDatabase { client in
            let department = try await insertDepartment(client, name: "办公厅")
            _ = try await insertUser(client, username: "li", departmentID: department)

            await expectRefused(client, "INSERT INTO department (name, created_at) VALUES (NULL, now())", sqlState: "23502")
            await expectRefused(
                client, "INSERT INTO department (name, created_at) VALUES ('', now())", sqlState: "23514")
            await expectRefused(
                client, "INSERT INTO department (name, created_at) VALUES ('办公厅', now())", sqlState: "23505")
            await expectRefused(
                client,
                """
                INSERT INTO staff_user (username, display_name, role, department_id, password_hash, password_changed_at, created_at)
                VALUES ('wang', 'Wang', 'king', \(department), 'x', now(), now())
                """,
                sqlState: "23514")
            await expectRefused(client, "DELETE FROM department WHERE id = \(department)", sqlState: "23503")
            // A reply without its reply columns is an impossible letter.
            let letter = try await insertLetter(client)
            await expectRefused(client, "UPDATE letter SET state = 'replied' WHERE id = \(letter)", sqlState: "23514")
        }
    }

    @Test("civil dates are DATEs: a calendar day must lie within a year of its notice")
    func calendarYearCheck() async throws {
        try await withMigratedDatabase { client in
            // 2030: a year no migration seeds (pg13 loads 2025 and 2026).
            try await client.query(
                "INSERT INTO holiday_notice (year, papers_json, source, imported_at, imported_by) VALUES (2030, '[]', 'gov.cn', now(), 'li')")
            try await client.query(
                "INSERT INTO calendar_day (date, is_off_day, name, notice_year) VALUES ('2031-01-01', true, '元旦', 2030)")
            await expectRefused(
                client, "INSERT INTO calendar_day (date, is_off_day, name, notice_year) VALUES ('2032-01-01', true, '元旦', 2030)",
                sqlState: "23514")
            await expectRefused(
                client, "INSERT INTO calendar_day (date, is_off_day, name, notice_year) VALUES ('2030-02-30', true, 'x', 2030)",
                sqlState: "22008")
        }
    }

    @Test("audit_entry is append-only: UPDATE, DELETE and TRUNCATE are refused with SQLite's message")
    func auditEntryIsAppendOnly() async throws {
        try await withMigratedDatabase { client in
            try await client.query(
                """
                INSERT INTO audit_entry (recorded_at, actor_name, action, subject_type)
                VALUES (now(), 'system', 'test', 'nothing')
                """)
            let message = "audit_entry is append-only"
            await expectRefused(client, "UPDATE audit_entry SET action = 'other'", message: message)
            await expectRefused(client, "DELETE FROM audit_entry", message: message)
            await expectRefused(client, "TRUNCATE audit_entry", message: message)
            #expect(try await count(client, "SELECT count(*) FROM audit_entry WHERE action = 'test'") == 1)
        }
    }

    @Test("letter_event is append-only: UPDATE, DELETE and TRUNCATE are refused with SQLite's message")
    func letterEventIsAppendOnly() async throws {
        try await withMigratedDatabase { client in
            let letter = try await insertLetter(client)
            try await client.query(
                """
                INSERT INTO letter_event (letter_id, kind, actor_name, recorded_at)
                VALUES (\(unescaped: String(letter)), 'submitted', '来信人', now())
                """)
            let message = "letter_event is append-only"
            await expectRefused(client, "UPDATE letter_event SET note = 'x'", message: message)
            await expectRefused(client, "DELETE FROM letter_event", message: message)
            await expectRefused(client, "TRUNCATE letter_event CASCADE", message: message)
            // An extension is at most 20 working days.
            await expectRefused(
                client,
                """
                INSERT INTO letter_event (letter_id, kind, actor_name, recorded_at, clock_kind, clock_on, clock_days)
                VALUES (\(letter), 'extended', 'li', now(), 'extended', '2026-12-01', 21)
                """,
                sqlState: "23514")
            #expect(try await count(client, "SELECT count(*) FROM letter_event") == 1)
        }
    }

    @Test("an information-disclosure period is capped at 20 working days on insert and update; defaults are unique")
    func disclosureCap() async throws {
        try await withMigratedDatabase { client in
            let message = "an information-disclosure period is at most 20 working days"
            await expectRefused(
                client, "INSERT INTO deadline_policy (letter_type, working_days) VALUES ('information_disclosure', 21)",
                message: message)
            // pg14 seeds the defaults SQLite's v5 seeds, 20 days for a disclosure among them.
            let seeded = try await client.query("SELECT working_days FROM deadline_policy WHERE letter_type = 'information_disclosure' AND department_id IS NULL")
            var days: [Int64] = []
            for try await value in seeded.decode(Int64.self) { days.append(value) }
            #expect(days == [20])
            await expectRefused(
                client, "UPDATE deadline_policy SET working_days = 25 WHERE letter_type = 'information_disclosure'",
                message: message)
            // COALESCE(department_id, 0): a second default for a type is a duplicate.
            await expectRefused(
                client, "INSERT INTO deadline_policy (letter_type, working_days) VALUES ('complaint', 30)", sqlState: "23505")
        }
    }

    @Test("a letter has at most one lead department (letter_assignment_one_lead)")
    func oneLeadDepartment() async throws {
        try await withMigratedDatabase { client in
            let letter = try await insertLetter(client)
            let first = try await insertDepartment(client, name: "市发改委")
            let second = try await insertDepartment(client, name: "市教育局")
            let third = try await insertDepartment(client, name: "市民政局")
            try await client.query(
                "INSERT INTO letter_assignment (letter_id, department_id, is_lead, assigned_at) VALUES (\(letter), \(first), true, now())")
            await expectRefused(
                client,
                "INSERT INTO letter_assignment (letter_id, department_id, is_lead, assigned_at) VALUES (\(letter), \(second), true, now())",
                sqlState: "23505")
            try await client.query(
                "INSERT INTO letter_assignment (letter_id, department_id, is_lead, assigned_at) VALUES (\(letter), \(second), false, now())")
            try await client.query(
                "INSERT INTO letter_assignment (letter_id, department_id, is_lead, assigned_at) VALUES (\(letter), \(third), false, now())")
            #expect(try await count(client, "SELECT count(*) FROM letter_assignment") == 3)
        }
    }

    @Test("JSON columns accept only JSON (wenzheng_is_json stands in for json_valid)")
    func jsonCheck() async throws {
        try await withMigratedDatabase { client in
            let rows = try await client.query(
                "SELECT wenzheng_is_json('{\"a\": [1, \"\\u0000\"]}'), wenzheng_is_json('{'), wenzheng_is_json('') IS NOT TRUE, wenzheng_is_json(NULL) IS NULL")
            for try await (valid, invalid, empty, null) in rows.decode((Bool, Bool, Bool, Bool).self) {
                #expect(valid)
                #expect(!invalid)
                #expect(empty)
                #expect(null)
            }
            let department = try await insertDepartment(client, name: "统计局")
            let user = try await insertUser(client, username: "zhao", departmentID: department)
            await expectRefused(
                client,
                """
                INSERT INTO survey (title, definition_json, state, mode, is_anonymous, opens_at, closes_at, created_by, created_at, updated_at)
                VALUES ('问卷', '{not json', 'draft', 'open', true, now(), now() + interval '1 day', \(user), now(), now())
                """,
                sqlState: "23514")
        }
    }
}

// MARK: - The databases

/// Every table's column names, in order, from a freshly migrated SQLite
/// database: the schema the PostgreSQL one must match. FTS5's virtual table
/// and its shadow tables are SQLite's own search machinery, not data.
private func sqliteColumns() throws -> [String: [String]] {
    let database = try AppDatabase.inMemory()
    return try database.reader.read { db in
        let virtualTables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        let shadowSuffixes = ["_data", "_idx", "_content", "_docsize", "_config"]
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'").filter { table in
            table != "grdb_migrations" && !table.hasPrefix("sqlite_") && !virtualTables.contains(table)
                && !virtualTables.contains { virtual in shadowSuffixes.contains { table == virtual + $0 } }
        }
        var columns: [String: [String]] = [:]
        for table in tables {
            columns[table] = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table])
                .map { $0["name"] }
        }
        return columns
    }
}

/// The names of the indexes the SQLite schema creates (not the automatic
/// ones behind UNIQUE), and of its triggers except those that keep the FTS5
/// index in step with `letter_search_document` (PostgreSQL's GIN index
/// needs none).
private func sqliteIndexesAndTriggers() throws -> (indexes: Set<String>, triggers: Set<String>) {
    let database = try AppDatabase.inMemory()
    return try database.reader.read { db in
        let indexes = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        let triggers = try String.fetchSet(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name <> 'letter_search_document'")
        return (indexes, triggers)
    }
}

private func configuration(database: String) throws -> PostgresClient.Configuration {
    guard let postgresURL, let url = URLComponents(string: postgresURL), let host = url.host, let user = url.user else {
        throw PostgresTestSetupError(description: "WENZHENG_TEST_POSTGRES_URL is not a postgres://user@host:port/db URL")
    }
    return PostgresClient.Configuration(
        host: host, port: url.port ?? 5432, username: user, password: url.password, database: database, tls: .disable)
}

private struct PostgresTestSetupError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body` against a client of a running pool.
@discardableResult
private func withClient<T: Sendable>(database: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
    let client = PostgresClient(configuration: try configuration(database: database))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        do {
            let result = try await body(client)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// A fresh database with every PostgreSQL migration applied, statement by
/// statement, dropped afterwards.
private func withMigratedDatabase(_ body: (PostgresClient) async throws -> Void) async throws {
    let name = "wz_schema_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await withClient(database: "postgres") { admin in
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""))
    }
    do {
        try await withClient(database: name) { client in
            for migration in PostgresMigrations.all {
                for statement in migration.statements {
                    do {
                        try await client.query(PostgresQuery(unsafeSQL: statement))
                    } catch let error as PSQLError {
                        Issue.record("\(migration.identifier) failed: \(error.serverInfo?[.message] ?? "\(error)")\n\(statement)")
                        throw error
                    }
                }
            }
            try await body(client)
        }
    } catch {
        try? await dropDatabase(name)
        throw error
    }
    try await dropDatabase(name)
}

private func dropDatabase(_ name: String) async throws {
    try await withClient(database: "postgres") { admin in
        try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"))
    }
}

// MARK: - Rows and refusals

private func count(_ client: PostgresClient, _ sql: String) async throws -> Int64 {
    for try await (value) in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int64.self) {
        return value
    }
    throw PostgresTestSetupError(description: "no row from \(sql)")
}

private func insertDepartment(_ client: PostgresClient, name: String) async throws -> Int64 {
    let rows = try await client.query("INSERT INTO department (name, created_at) VALUES (\(name), now()) RETURNING id")
    for try await id in rows.decode(Int64.self) { return id }
    throw PostgresTestSetupError(description: "no department id")
}

private func insertUser(_ client: PostgresClient, username: String, departmentID: Int64) async throws -> Int64 {
    let rows = try await client.query(
        """
        INSERT INTO staff_user (username, display_name, role, department_id, password_hash, password_changed_at, created_at)
        VALUES (\(username), \(username), 'handler', \(departmentID), 'hash', now(), now()) RETURNING id
        """)
    for try await id in rows.decode(Int64.self) { return id }
    throw PostgresTestSetupError(description: "no user id")
}

/// A letter just received, with a running clock.
private func insertLetter(_ client: PostgresClient) async throws -> Int64 {
    let rows = try await client.query(
        """
        INSERT INTO letter (number, type, subject, body, author_name, phone, may_publish, password_hash, state,
            received_at, received_on, policy_days, due_on, created_at, updated_at)
        VALUES ('2026-0000001', 'complaint', '噪音', '夜间施工', '张三', '13800000000', false, 'hash', 'received',
            now(), '2026-12-01', 15, '2026-12-22', now(), now())
        RETURNING id
        """)
    for try await id in rows.decode(Int64.self) { return id }
    throw PostgresTestSetupError(description: "no letter id")
}

/// Expects PostgreSQL to refuse `sql`, with the given SQLSTATE and/or message.
private func expectRefused(
    _ client: PostgresClient, _ sql: String, sqlState: String? = nil, message: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql))
        for try await _ in rows {}
        Issue.record("accepted: \(sql)", sourceLocation: sourceLocation)
    } catch let error as PSQLError {
        if let sqlState {
            #expect(error.serverInfo?[.sqlState] == sqlState, "\(error.serverInfo?[.message] ?? "") — \(sql)", sourceLocation: sourceLocation)
        }
        if let message {
            #expect(error.serverInfo?[.message] == message, "\(sql)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error) for \(sql)", sourceLocation: sourceLocation)
    }
}
