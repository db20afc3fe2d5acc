import ArgumentParser
import Foundation
import Logging
import WenzhengStore

/// `wenzheng migrate-to-postgres --from FILE --to URL`: moves an SQLite
/// database into a new PostgreSQL one, for a deployment that outgrows one
/// machine (docs/deployment.md, "Two nodes").
struct MigrateToPostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-to-postgres",
        abstract: "Copy every table of an SQLite database into a new, empty PostgreSQL database.",
        discussion: """
            Stop the server first (or take a `wenzheng backup` and migrate the copy): rows \
            written during the copy would be left behind. The SQLite file is brought up to this \
            version's schema, the PostgreSQL database gets Wenzheng's schema, and every row is \
            copied with its id, in one transaction: on any failure the target is left empty. \
            A target that already holds data is refused. Afterwards the row count of every table \
            is compared on both sides and printed; the exit status is non-zero if any differs.

            Attachments stay files: point every node's --attachments at the same folder (a \
            shared mount) or copy the folder.

            Create the target first (createdb -O wenzheng wenzheng).

            Examples:
              wenzheng migrate-to-postgres --from wz.sqlite --to postgres://wz@db/wz
            """)

    @Option(help: ArgumentHelp("The SQLite database file to copy.", valueName: "file"))
    var from: String

    @Option(
        help: ArgumentHelp(
            "The PostgreSQL database to fill: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (password better in PGPASSWORD).",
            valueName: "url"))
    var to: String

    func validate() throws {
        guard !from.isEmpty else { throw ValidationError("name the SQLite file with --from") }
        do {
            _ = try PostgresLocation(url: to, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("--to: \(error)")
        }
    }

    func run() async throws {
        let source = URL(fileURLWithPath: from).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: source) else {
            throw CommandFailure("no SQLite database at \(source)")
        }
        let location = try PostgresLocation(url: to, environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "wenzheng.migrate")
        logger.logLevel = .error
        let report: SQLiteToPostgresCopy.Report
        do {
            report = try await SQLiteToPostgresCopy.copy(sqliteFile: source, to: location, logger: logger)
        } catch let error as SQLiteToPostgresCopy.Failure {
            throw CommandFailure("\(error); nothing was copied")
        } catch let error as StoreError {
            throw CommandFailure("\(error.description); nothing was copied")
        } catch {
            throw CommandFailure("copy failed: \(PostgresBackend.describe(error)); nothing was copied")
        }
        let width = report.tables.map(\.table.count).max() ?? 10
        print("table".padding(toLength: width, withPad: " ", startingAt: 0) + "  sqlite  postgres")
        for table in report.tables {
            let mark = table.sqliteRows == table.postgresRows ? "" : "  MISMATCH"
            print(
                table.table.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "  %6d  %8d", table.sqliteRows, table.postgresRows) + mark)
        }
        guard report.matches else {
            throw CommandFailure("row counts differ (marked MISMATCH above); do not switch to \(location) until this is explained")
        }
        print(
            "copied \(report.rows) rows in \(report.tables.count) tables from \(source) to \(location) in \(String(format: "%.2f", report.seconds)) s; every table's row count matches"
        )
    }
}
