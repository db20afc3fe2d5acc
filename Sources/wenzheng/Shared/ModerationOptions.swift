import ArgumentParser
import Foundation
import WenzhengServer

/// `--moderation`, for the commands that use the word lists.
struct ModerationOptions: ParsableArguments {
    @Option(
        name: .customLong("moderation"),
        help: ArgumentHelp(
            "The Moderation/ folder (word lists, rules); found automatically when run from the repository. [env: WENZHENG_MODERATION]",
            valueName: "path"))
    var path: String?

    func load() throws -> ModerationLibrary {
        let directory = try FolderLocator.locate(
            "Moderation", marker: "rules.json", explicit: path ?? ProcessInfo.processInfo.environment["WENZHENG_MODERATION"],
            option: "--moderation", variable: "WENZHENG_MODERATION")
        do {
            return try ModerationLibrary(directory: directory)
        } catch {
            throw CommandFailure("moderation data in \(directory) is broken: \(error)")
        }
    }
}
