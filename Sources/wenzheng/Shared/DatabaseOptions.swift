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

/// A failure the user can act on, printed as one line without a stack.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning store and validation errors into one-line failures.
func reportingFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as StoreError {
        throw CommandFailure(error.description)
    }
}

/// The operating-system user, for the audit log's `cli:<user>` actor.
var operatingSystemUser: String {
    ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"]
        ?? ProcessInfo.processInfo.userName
}
