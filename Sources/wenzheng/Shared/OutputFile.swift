import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a command writes a document: standard output, or the file named by
/// `-o` (written whole to a temporary file beside it and renamed, so a
/// failure never leaves half a file).
struct OutputFile {
    /// nil or `-` for standard output.
    var path: String?
    /// Refuse to replace an existing file (invitation tokens exist only in
    /// the file they were first written to).
    var keepExisting = false
    /// Permissions of a new file: 0600 for secrets.
    var permissions: Int = 0o644

    var isStandardOutput: Bool { path == nil || path == "-" }

    /// Fails when the file could not be written: before doing work that
    /// must not be lost (storing tokens that could then not be shown).
    func check() throws {
        guard let path, !isStandardOutput else { return }
        let manager = FileManager.default
        if keepExisting && manager.fileExists(atPath: path) {
            throw CommandFailure("\(path) exists already; choose another file (it may hold tokens that are not stored anywhere else)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("cannot write \(path): the folder \(directory.path) does not exist")
        }
    }

    func write(_ data: Data) throws {
        guard let path, !isStandardOutput else {
            FileHandle.standardOutput.write(data)
            return
        }
        try check()
        let manager = FileManager.default
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        guard manager.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: permissions]) else {
            throw CommandFailure("cannot write \(path): permission denied or the disk is full")
        }
        do {
            if keepExisting {
                // link(2) fails when the name exists: no race with another writer.
                try manager.linkItem(at: temporary, to: target)
                try? manager.removeItem(at: temporary)
            } else if rename(temporary.path, target.path) != 0 {
                // rename(2) replaces an existing file atomically.
                throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } catch let failure as CommandFailure {
            try? manager.removeItem(at: temporary)
            throw failure
        } catch {
            try? manager.removeItem(at: temporary)
            throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
