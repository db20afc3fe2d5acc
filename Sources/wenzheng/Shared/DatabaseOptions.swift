import ArgumentParser
import Foundation
import Logging
import WenzhengCore
import WenzhengStore

/// `--db` (the SQLite file) or `--database` (a PostgreSQL URL), shared by
/// every subcommand.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp("SQLite database file; created with its directory if missing. [env: WENZHENG_DB]", valueName: "path"))
    var path: String?

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "PostgreSQL instead of the SQLite file: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require] (password better in PGPASSWORD). [env: WENZHENG_DATABASE_URL]",
            valueName: "url"))
    var url: String?

    static let defaultPath = "./var/wenzheng.sqlite"

    var resolvedPath: String {
        path ?? ProcessInfo.processInfo.environment["WENZHENG_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultPath
    }

    func validate() throws {
        if path != nil, url != nil {
            throw ValidationError("give either --db (an SQLite file) or --database (a PostgreSQL URL), not both")
        }
        _ = try location()
    }

    /// The SQLite file, unless a PostgreSQL URL was given (option first,
    /// then `WENZHENG_DATABASE_URL`; an explicit `--db` wins over the
    /// environment's URL).
    func location(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseLocation {
        let text = url ?? (path == nil ? environment["WENZHENG_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } : nil)
        guard let text else { return .sqliteFile(path: resolvedPath) }
        do {
            return .postgres(try PostgresLocation(url: text, environment: environment))
        } catch {
            throw ValidationError("--database: \(error)")
        }
    }

    /// - Parameter noticeLinks: where letter notices written by this
    ///   process link to (`--base-url`).
    func open(logger: Logger? = nil, noticeLinks: LetterNoticeLinks = .localDefault) async throws -> AppDatabase {
        do {
            switch try location() {
            case .sqliteFile(let path):
                return try AppDatabase.openFile(atPath: path, logger: logger, noticeLinks: noticeLinks)
            case .postgres(let location):
                return try await AppDatabase.openPostgres(
                    location, logger: logger ?? Logger(label: "wenzheng.postgres"), noticeLinks: noticeLinks)
            }
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        }
    }
}
