import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import WenzhengStore

/// The per-request state every Wenzheng handler sees.
public struct AppRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<AppRequestContext>
    /// The peer's IP address (without port), or "unknown" in router tests.
    public let clientAddress: String
    /// Set by `SessionMiddleware` when the request carries a live session.
    public var staff: AuthenticatedStaff?
    /// The connection, so a live socket that falls too far behind can be
    /// closed even while a write to it is blocked.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.staff = nil
        self.channel = source.channel
    }

    /// The request id Hummingbird assigned, echoed in logs and problems.
    public var requestID: String {
        logger[metadataKey: "hb.request.id"]?.description ?? "-"
    }
}
