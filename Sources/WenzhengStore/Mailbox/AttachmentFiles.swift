import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The attachments' bytes: one file per distinct content, named by its
/// SHA-256 (`ab/cd/abcd…`), in a folder outside the web root that only the
/// server's user may read. The database holds which letter refers to which
/// hash; a file is written (and flushed to disk) before any row names it,
/// so a row never points at a missing file.
public struct AttachmentFiles: Sendable {
    public let root: URL

    public enum Failure: Error, CustomStringConvertible {
        case cannotCreate(String, String)
        case missing(String)

        public var description: String {
            switch self {
            case .cannotCreate(let path, let reason): "cannot create the attachments folder \(path): \(reason)"
            case .missing(let hash): "the attachment \(hash) is not in the attachments folder"
            }
        }
    }

    /// Creates `root` and its `incoming/` folder (mode 0750) when needed.
    public init(root: URL) throws {
        self.root = root.standardizedFileURL
        for folder in [self.root, incoming] {
            do {
                try FileManager.default.createDirectory(
                    at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw Failure.cannotCreate(folder.path, "\(error)")
            }
        }
    }

    /// Where uploads are written while they arrive: the same file system as
    /// the store, so moving one into place is an atomic rename.
    public var incoming: URL { root.appendingPathComponent("incoming", isDirectory: true) }

    /// A fresh, empty file for an upload in progress (mode 0640).
    public func newIncomingFile() throws -> URL {
        let url = incoming.appendingPathComponent("upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o640]) else {
            throw Failure.cannotCreate(url.path, "the file could not be created")
        }
        return url
    }

    /// Whether `hash` is a SHA-256 in lowercase hex: the only names this
    /// store ever builds a path from.
    public static func isHash(_ hash: String) -> Bool {
        hash.utf8.count == 64 && hash.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    public func url(for hash: String) -> URL? {
        guard Self.isHash(hash) else { return nil }
        let utf8 = Array(hash.utf8)
        return root.appendingPathComponent(String(decoding: utf8[0..<2], as: UTF8.self), isDirectory: true)
            .appendingPathComponent(String(decoding: utf8[2..<4], as: UTF8.self), isDirectory: true)
            .appendingPathComponent(hash)
    }

    /// Moves a verified upload to its content address, flushing it and its
    /// folder to disk first. If the same content is already stored, the
    /// upload is deleted instead.
    public func keep(_ upload: URL, hash: String) throws {
        guard let destination = url(for: hash) else { throw Failure.missing(hash) }
        if FileManager.default.fileExists(atPath: destination.path) {
            try? FileManager.default.removeItem(at: upload)
            return
        }
        let folder = destination.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        try Self.flush(path: upload.path)
        if rename(upload.path, destination.path) != 0 {
            throw Failure.cannotCreate(destination.path, String(cString: strerror(errno)))
        }
        try Self.flush(path: folder.path)
    }

    /// The bytes of a stored attachment.
    public func contents(of hash: String) throws -> Data {
        guard let url = url(for: hash), let data = FileManager.default.contents(atPath: url.path) else {
            throw Failure.missing(hash)
        }
        return data
    }

    /// Deletes a stored attachment's file, once no row names it (personal
    /// data erased by retention or on request). A file already gone is not
    /// an error: the erasure may have been interrupted after the commit.
    public func remove(_ hash: String) throws {
        guard let url = url(for: hash) else { throw Failure.missing(hash) }
        if unlink(url.path) != 0 && errno != ENOENT {
            throw Failure.cannotCreate(url.path, String(cString: strerror(errno)))
        }
    }

    /// Deletes uploads left in `incoming/` by requests that failed half-way
    /// (a crash, a refused file), older than `age` seconds.
    @discardableResult
    public func removeAbandonedUploads(olderThan age: TimeInterval, now: Date) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(at: incoming, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        var removed = 0
        for file in files {
            let modified = (try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? now
            if now.timeIntervalSince(modified) > age, (try? FileManager.default.removeItem(at: file)) != nil { removed += 1 }
        }
        return removed
    }

    /// fsync of a file or folder, so a rename that follows survives a power cut.
    static func flush(path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Failure.cannotCreate(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw Failure.cannotCreate(path, String(cString: strerror(errno))) }
    }
}
