import HTTPTypes
import Hummingbird
import NIOCore

/// Buffers request bodies up to the configured limit before any handler
/// runs, answering 413 as soon as the declared or received size exceeds
/// it. Handlers and the CSRF check can then read the body freely.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxBytes: Int
    /// Multipart forms carry attachments: they may be larger, and are not
    /// collected here but streamed to the handler (`MultipartUpload`),
    /// which cuts them off at this many bytes.
    var maxMultipartBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard [.post, .put, .patch, .delete].contains(request.method) else {
            return try await next(request, context)
        }
        let limit = MultipartUpload.isMultipart(request) ? maxMultipartBytes : maxBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw Problem(kind: .payloadTooLarge, detail: "the request body is \(declared) bytes; the limit is \(limit)")
        }
        var request = request
        if MultipartUpload.isMultipart(request) {
            request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit))
            return try await next(request, context)
        }
        do {
            _ = try await request.collectBody(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw Problem(kind: .payloadTooLarge, detail: "the request body exceeds the limit of \(maxBytes) bytes")
        }
        return try await next(request, context)
    }
}

/// A request body that fails with 413 once more than `limit` bytes arrived,
/// for bodies read as they stream in.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if seen > limit {
                throw Problem(kind: .payloadTooLarge, detail: "the request body exceeds the limit of \(limit) bytes")
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}
