import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengServer

/// Finds one of the repository's data folders (Web/, Moderation/) when
/// none is configured: in the current directory, or above the executable
/// (which `swift build` puts in `.build/<triple>/debug/` inside the
/// repository).
enum FolderLocator {
    static func locate(_ name: String, marker: String, explicit: String?, option: String, variable: String) throws -> String {
        let fileManager = FileManager.default
        func isFolder(_ url: URL) -> Bool {
            fileManager.fileExists(atPath: url.appendingPathComponent(marker).path)
        }
        if let explicit {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            guard isFolder(url) else {
                throw ValidationError("\(option) \(explicit) is not a Wenzheng \(name)/ folder (no \(marker))")
            }
            return url.path
        }
        var candidates = [URL(fileURLWithPath: fileManager.currentDirectoryPath).appendingPathComponent(name)]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        if let found = candidates.first(where: isFolder) {
            return found.standardizedFileURL.path
        }
        throw ValidationError("cannot find the \(name)/ folder; pass \(option) PATH or set \(variable)")
    }
}
