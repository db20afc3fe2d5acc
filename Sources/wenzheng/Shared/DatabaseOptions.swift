import ArgumentParser
import Foundation
import Logging
import WenzhengCore
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

    /// - Parameter noticeLinks: where letter notices written by this
    ///   process link to (`--base-url`).
    func open(logger: Logger? = nil, noticeLinks: LetterNoticeLinks = .localDefault) throws -> AppDatabase {
        do {
            return try AppDatabase.openFile(atPath: resolvedPath, logger: logger, noticeLinks: noticeLinks)
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        }
    }
}
