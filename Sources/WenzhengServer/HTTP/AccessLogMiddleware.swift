import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WenzhengCore

/// Sets the request's client address: the TCP peer, or the client a
/// trusted reverse proxy names in `X-Forwarded-For` or `Forwarded`
/// (`ClientAddressResolver`). Outermost, so the access log and everything
/// after it see the same address.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let resolver: ClientAddressResolver

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !resolver.trustedProxies.isEmpty else { return try await next(request, context) }
        var context = context
        context.clientAddress = resolver.resolve(
            peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor],
            forwarded: request.headers[values: .forwarded])
        return try await next(request, context)
    }
}

/// One structured log line per request: request id, method, path, status
/// and duration, and the request id echoed back as `X-Request-Id` so a
/// citizen's error report can be matched with the log.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        response.headers[.requestID] = context.requestID
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.2f", milliseconds)),
                "client": .string(context.clientAddress),
            ])
        return response
    }
}

/// Headers that make the browser refuse the common injection and framing
/// tricks. Scripts and styles come only from our own origin.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xFrameOptions] = "DENY"
        // A response with a stricter policy of its own (a download) keeps it.
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] =
                "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        }
        return response
    }
}

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

/// Refuses unsafe requests sent from another site's pages. This is what
/// protects the login form and the citizens' anonymous forms, which have no
/// session to hang a token on.
struct SameOriginMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if ![.get, .head, .options].contains(request.method) {
            try OriginCheck.refuseCrossSite(request)
        }
        return try await next(request, context)
    }
}

/// The one rule for where a browser request may come from. A browser
/// always sends its page's http(s) origin: that must be this host. Other
/// clients (libwebsockets, scripts) send none, or a ws: origin, and carry
/// no victim's cookies. A sandboxed page's "null" origin is refused.
enum OriginCheck {
    static func refuseCrossSite(_ request: Request) throws {
        let host = request.head.authority ?? ""
        for origin in request.headers[values: .origin] {
            let url = URL(string: origin)
            switch url?.scheme?.lowercased() {
            case "http", "https":
                let originHost = url?.host.map { name in url?.port.map { "\(name):\($0)" } ?? name }
                if originHost != host {
                    throw Problem(kind: .csrfFailed, detail: "cross-site request refused (Origin \(origin) does not match \(host))")
                }
            case "ws", "wss":
                continue
            default:
                throw Problem(kind: .csrfFailed, detail: "request from origin \(origin) refused")
            }
        }
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let forwarded = Self("Forwarded")!
}
