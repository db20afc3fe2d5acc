import Foundation
import Testing
import WenzhengCore
import WenzhengStore

/// The commands that reach PostgreSQL, run as separate processes against
/// the test cluster (`script/with-postgres` sets WENZHENG_TEST_POSTGRES_URL;
/// the store tests fail under CI without it).
@Suite("PostgreSQL commands", .enabled(if: PostgresCluster.url != nil, "needs WENZHENG_TEST_POSTGRES_URL (script/with-postgres)"))
struct PostgresCommandsTests {
    @Test("migrate-to-postgres copies the demo database with the same row counts and the same exported transcripts, and refuses to run twice")
    func migratesTheDemoDatabase() throws {
        let temp = try TemporaryDirectory()
        let file = temp.path("demo.sqlite")
        #expect(try CLI.run(["demo", "--db", file, "--seed", "5"]).status == 0)
        let target = try PostgresCluster.newDatabase()

        let copy = try CLI.run(["migrate-to-postgres", "--from", file, "--to", target])
        #expect(copy.status == 0, "\(copy.error)")
        #expect(copy.output.contains("every table's row count matches"), "\(copy.output)")
        #expect(!copy.output.contains("MISMATCH"))
        // Every table of the schema, each with the same count on both sides.
        let rows = copy.output.split(separator: "\n").dropFirst().dropLast()
        #expect(rows.count >= 40)
        for row in rows {
            let fields = row.split(separator: " ", omittingEmptySubsequences: true)
            #expect(fields.count == 3 && fields[1] == fields[2], "\(row)")
        }

        // The same public transcript from either database, byte for byte.
        for format in ["md", "json"] {
            let fromSQLite = try CLI.run(["export", "transcript", "1", "--format", format, "--db", file])
            let fromPostgres = try CLI.run(["export", "transcript", "1", "--format", format, "--database", target])
            #expect(fromSQLite.status == 0, "\(fromSQLite.error)")
            #expect(fromPostgres.status == 0, "\(fromPostgres.error)")
            #expect(!fromSQLite.output.isEmpty)
            #expect(fromPostgres.output == fromSQLite.output)
        }
        // The staff accounts came along, and new rows continue after the copied ids.
        #expect(try CLI.run(["users", "list", "--database", target]).output == CLI.run(["users", "list", "--db", file]).output)
        let added = try CLI.run(["users", "add", "newcomer", "--role", "moderator", "--password-stdin", "--database", target], input: "a-long-password-1\n")
        #expect(added.status == 0, "\(added.error)")

        let again = try CLI.run(["migrate-to-postgres", "--from", file, "--to", target])
        #expect(again.status != 0)
        #expect(again.error.contains("already holds data"), "\(again.error)")
        #expect(again.error.split(separator: "\n").count == 1)
    }

    @Test("backup on PostgreSQL is a pg_dump archive that reads back; an existing file is kept without --force")
    func backsUpWithPgDump() throws {
        let temp = try TemporaryDirectory()
        let target = try PostgresCluster.newDatabase()
        #expect(try CLI.run(["users", "list", "--database", target]).status == 0)  // migrates the new database
        let dump = temp.path("wz.dump")
        let result = try CLI.run(["backup", "--database", target, dump])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("with pg_dump"), "\(result.output)")
        let header = try Data(contentsOf: URL(fileURLWithPath: dump)).prefix(5)
        #expect(header == Data("PGDMP".utf8))
        let second = try CLI.run(["backup", "--database", target, dump])
        #expect(second.status != 0)
        #expect(second.error.contains("--force"))
    }

    @Test("a bad or unreachable database is one readable line")
    func badDatabasesAreOneLine() throws {
        let bad = try CLI.run(["users", "list", "--database", "mysql://u@h/db"])
        #expect(bad.status != 0)
        #expect(bad.error.contains("invalid PostgreSQL URL"), "\(bad.error)")
        let both = try CLI.run(["users", "list", "--db", "x.sqlite", "--database", "postgres://u@h/db"])
        #expect(both.status != 0)
        #expect(both.error.contains("not both"), "\(both.error)")
        let missing = try CLI.run(["users", "list", "--database", PostgresCluster.url!.replacingOccurrences(of: "/postgres", with: "/no_such_db")])
        #expect(missing.status != 0)
        #expect(missing.error.contains("does not exist"), "\(missing.error)")
        #expect(missing.error.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(missing.error)")
        let environment = try CLI.run(["users", "list"], environment: ["WENZHENG_DATABASE_URL": "postgres://u@h/"])
        #expect(environment.status != 0)
        #expect(environment.error.contains("no database name"), "\(environment.error)")
    }
}

/// The test cluster, and new databases in it made with psql.
enum PostgresCluster {
    static var url: String? {
        ProcessInfo.processInfo.environment["WENZHENG_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A new empty database's URL.
    static func newDatabase() throws -> String {
        let name = "wz_cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let psql = ["/usr/bin/psql", "/usr/lib/postgresql/15/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) }!
        let process = try ChildProcess(
            executable: psql, arguments: [url!, "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"],
            environment: ProcessInfo.processInfo.environment)
        let errors = PipeReader(process.standardError!)
        _ = process.standardOutput.readDataToEndOfFile()
        let message = errors.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError(message: "psql: \(String(decoding: message, as: UTF8.self))")
        }
        return url!.replacingOccurrences(of: "/postgres", with: "/\(name)")
    }
}
