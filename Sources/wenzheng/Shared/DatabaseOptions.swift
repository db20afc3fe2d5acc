import ArgumentParser
import Foundation
import Logging
import WenzhengStore

/// `--db`, shared by every subcommand.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp("SQLite database file; created with its directory if missing. [env: WENZHENG_DB]", valueName: "path"))
    var path: String?

    static let defaultPath = "./var/wenzheng.sqlite"

    var resolvedPath: String {
        path ?? ProcessInfo.processInfo.environment["WENZHENG_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultPath
    }

    func open(logger: Logger? = nil) throws -> AppDatabase {
        do {
            return try AppDatabase.openFile(atPath: resolvedPath, logger: logger)
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        }
    }
}
