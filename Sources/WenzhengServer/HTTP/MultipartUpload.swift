import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import NIOCore
import WenzhengCore
import WenzhengStore

/// A `multipart/form-data` request read as it arrives: text fields into
/// memory (each bounded), files straight into the attachments' incoming
/// folder, hashed (SHA-256) and sniffed (`AttachmentRules.kind`) on the
/// way, so a 10 MB file never sits in memory. The parsing is
/// multipart-kit's `MultipartParser` (Vapor's, well tested against
/// browsers' encodings); the limits are ours.
struct MultipartUpload {
    struct Limits {
        var maxFileBytes = AttachmentRules.maxFileBytes
        var maxFiles = AttachmentRules.maxCitizenFiles + 1
        /// One text field.
        var maxFieldBytes = 64 * 1024
        /// All text fields together.
        var maxFieldsBytes = 256 * 1024
    }

    struct File {
        /// The form field it came in (`attachments`, `identityProof`…).
        var field: String
        /// The name the browser sent; shown only after `AttachmentRules.displayName`.
        var filename: String
        var url: URL
        var byteCount: Int
        var sha256: String
        /// Nil when the content is none of the accepted kinds.
        var kind: AttachmentKind?
    }

    private(set) var fields: [String: [String]] = [:]
    private(set) var files: [File] = []

    /// The first value of a text field.
    func field(_ name: String) -> String? { fields[name]?.first }

    /// Whether the request is a multipart form.
    static func isMultipart(_ request: Request) -> Bool {
        (request.headers[.contentType] ?? "").lowercased().hasPrefix("multipart/form-data")
    }

    /// Reads the whole request. Files that were written are deleted again
    /// when it throws.
    ///
    /// - Throws: `Problem` 415 without a boundary, 400 for a body that is
    ///   not multipart, 413 for a file or field over its limit, 422 for too
    ///   many files.
    static func read(_ request: Request, into store: AttachmentFiles, limits: Limits = Limits()) async throws -> MultipartUpload {
        guard let boundary = boundary(request.headers[.contentType] ?? "") else {
            throw Problem(kind: .unsupportedMediaType, detail: "send the form as multipart/form-data with a boundary")
        }
        let collector = Collector(store: store, limits: limits)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name, value) }
        parser.onBody = { buffer in collector.body(&buffer) }
        parser.onPartComplete = { collector.partComplete() }
        do {
            for try await chunk in request.body {
                do {
                    try parser.execute(chunk)
                } catch {
                    throw Problem(kind: .badRequest, detail: "the multipart body could not be read")
                }
                if let failure = collector.failure { throw failure }
            }
            if let failure = collector.failure { throw failure }
            guard !collector.inPart else { throw Problem(kind: .badRequest, detail: "the multipart body ends in the middle of a part") }
        } catch {
            collector.discardAll()
            throw error
        }
        return MultipartUpload(fields: collector.fields, files: collector.files)
    }

    /// Deletes the files still in the incoming folder (after a refusal, or
    /// the ones not kept).
    func discard() {
        for file in files { try? FileManager.default.removeItem(at: file.url) }
    }

    static func boundary(_ contentType: String) -> String? {
        let parameters = HeaderParameters(contentType)
        guard parameters.value.lowercased() == "multipart/form-data", let boundary = parameters["boundary"],
            !boundary.isEmpty, boundary.utf8.count <= 200
        else { return nil }
        return boundary
    }

    /// Collects parts from the parser's callbacks, which cannot throw: the
    /// first problem is kept in `failure` and checked after each chunk.
    private final class Collector {
        let store: AttachmentFiles
        let limits: Limits
        var fields: [String: [String]] = [:]
        var files: [File] = []
        var failure: Problem?
        var inPart = false

        private var headers: [(String, String)] = []
        private var fieldBytes: [UInt8] = []
        private var fieldsTotal = 0
        private var file: (handle: FileHandle, url: URL, field: String, filename: String)?
        private var hasher = SHA256()
        private var byteCount = 0
        private var head: [UInt8] = []
        private var tail: [UInt8] = []
        private var started = false

        init(store: AttachmentFiles, limits: Limits) {
            self.store = store
            self.limits = limits
        }

        func header(_ name: String, _ value: String) {
            inPart = true
            headers.append((name, value))
        }

        func body(_ buffer: inout ByteBuffer) {
            inPart = true
            guard failure == nil else { return }
            if !started { start() }
            guard failure == nil else { return }
            let bytes = buffer.readableBytesView
            if let file {
                byteCount += bytes.count
                guard byteCount <= limits.maxFileBytes else {
                    failure = Problem(
                        kind: .payloadTooLarge,
                        detail: "\(file.filename) is larger than \(limits.maxFileBytes / (1024 * 1024)) MB")
                    return
                }
                hasher.update(data: bytes)
                if head.count < AttachmentRules.headBytes { head += bytes.prefix(AttachmentRules.headBytes - head.count) }
                tail += bytes.suffix(AttachmentRules.tailBytes)
                if tail.count > AttachmentRules.tailBytes { tail.removeFirst(tail.count - AttachmentRules.tailBytes) }
                file.handle.write(Data(bytes))
            } else if name != nil {
                fieldBytes += bytes
                fieldsTotal += bytes.count
                if fieldBytes.count > limits.maxFieldBytes || fieldsTotal > limits.maxFieldsBytes {
                    failure = Problem(kind: .payloadTooLarge, detail: "the form field \(name ?? "") is too long")
                }
            }
        }

        func partComplete() {
            if !started { start() }
            defer { reset() }
            guard failure == nil else {
                if let file {
                    try? file.handle.close()
                    try? FileManager.default.removeItem(at: file.url)
                }
                return
            }
            if let file {
                try? file.handle.close()
                // A file input left empty arrives as a part with no name and no bytes.
                if byteCount == 0 && file.filename.isEmpty {
                    try? FileManager.default.removeItem(at: file.url)
                    return
                }
                files.append(
                    File(
                        field: file.field, filename: file.filename, url: file.url, byteCount: byteCount,
                        sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined(),
                        kind: AttachmentRules.kind(head: head, tail: tail)))
            } else if let name {
                fields[name, default: []].append(String(decoding: fieldBytes, as: UTF8.self))
            }
        }

        private var disposition: HeaderParameters? {
            headers.first { $0.0.lowercased() == "content-disposition" }.map { HeaderParameters($0.1) }
        }
        private var name: String? { disposition?["name"] }

        private func start() {
            started = true
            guard let disposition, disposition.value.lowercased() == "form-data", let name = disposition["name"] else {
                failure = Problem(kind: .badRequest, detail: "a multipart part has no form-data name")
                return
            }
            if let filename = disposition["filename"] {
                guard files.count < limits.maxFiles else {
                    failure = Problem.validation(.invalid(name, "attach at most \(limits.maxFiles - 1) files"))
                    return
                }
                do {
                    let url = try store.newIncomingFile()
                    file = (try FileHandle(forWritingTo: url), url, name, filename)
                } catch {
                    failure = Problem(kind: .serviceUnavailable, detail: "the upload could not be stored")
                }
            }
        }

        private func reset() {
            inPart = false
            headers = []
            fieldBytes = []
            file = nil
            hasher = SHA256()
            byteCount = 0
            head = []
            tail = []
            started = false
        }

        func discardAll() {
            if let file {
                try? file.handle.close()
                try? FileManager.default.removeItem(at: file.url)
            }
            for file in files { try? FileManager.default.removeItem(at: file.url) }
            files = []
        }
    }
}

extension MultipartUpload {
    /// Most bytes read to find the first part.
    static let leadingPartLimit = 16 * 1024

    /// The value of a multipart form's first part when that part is the
    /// text field `name`, and the request with its body intact: the bytes
    /// read to find it are put back in front of the rest, which still
    /// streams. For the CSRF token of a signed-in staff member's upload,
    /// which must be the form's first field so it is checked before any
    /// file is read.
    static func leadingField(_ name: String, of request: Request) async throws -> (value: String?, request: Request) {
        guard let boundary = boundary(request.headers[.contentType] ?? "") else { return (nil, request) }
        final class FirstPart {
            var headers: [(String, String)] = []
            var body: [UInt8] = []
            var complete = false
        }
        let first = FirstPart()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in if !first.complete { first.headers.append((name, value)) } }
        parser.onBody = { buffer in
            if !first.complete, first.body.count < 4096 { first.body += buffer.readableBytesView.prefix(4096 - first.body.count) }
        }
        parser.onPartComplete = { first.complete = true }
        var iterator = request.body.makeAsyncIterator()
        var consumed: [ByteBuffer] = []
        var total = 0
        while !first.complete, total < leadingPartLimit, let chunk = try await iterator.next() {
            consumed.append(chunk)
            total += chunk.readableBytes
            do { try parser.execute(chunk) } catch { break }
        }
        var replayed = request
        replayed.body = RequestBody(asyncSequence: ReplayedBody(prefix: consumed, rest: iterator))
        guard first.complete,
            let disposition = first.headers.first(where: { $0.0.lowercased() == "content-disposition" }).map({ HeaderParameters($0.1) }),
            disposition["name"] == name, disposition["filename"] == nil
        else { return (nil, replayed) }
        return (String(decoding: first.body, as: UTF8.self), replayed)
    }
}

/// A request body of which some chunks were already read: those first,
/// then the rest as it arrives. Read once, by the one handler of the
/// request, like every request body.
struct ReplayedBody: AsyncSequence, @unchecked Sendable {
    typealias Element = ByteBuffer
    let prefix: [ByteBuffer]
    let rest: RequestBody.AsyncIterator

    struct AsyncIterator: AsyncIteratorProtocol {
        var prefix: IndexingIterator<[ByteBuffer]>
        var rest: RequestBody.AsyncIterator

        mutating func next() async throws -> ByteBuffer? {
            if let chunk = prefix.next() { return chunk }
            return try await rest.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(prefix: prefix.makeIterator(), rest: rest) }
}
