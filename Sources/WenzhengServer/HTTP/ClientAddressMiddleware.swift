import HTTPTypes
import Hummingbird
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

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let forwarded = Self("Forwarded")!
}
