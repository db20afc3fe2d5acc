import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import WenzhengStore

/// The per-request state every Wenzheng handler sees.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// What a live route decided at a WebSocket handshake, for
    /// `LiveServerChannel` to carry out.
    let liveUpgrade: LiveUpgradeSlot
    /// The TCP peer's IP address (without port), or "unknown" in router tests.
    public let peerAddress: String
    /// Who sent the request: the peer, or the client a trusted proxy names
    /// (`ClientAddressMiddleware`). Every throttle, rate limit, log line and
    /// audit entry uses this one address.
    public internal(set) var clientAddress: String
    /// Set by `SessionMiddleware` when the request carries a live session.
    public var staff: AuthenticatedStaff?
    /// The connection, held weakly, so a live socket that falls too far
    /// behind can be closed even while a write to it is blocked.
    ///
    /// Weakly, because a staff socket's upgrade keeps its request's context
    /// in a box that the context itself refers to (`liveUpgrade`): a strong
    /// reference here kept every closed socket's whole channel alive
    /// (measured with hummingbird-websocket's equivalent box: 5.7 KiB per
    /// closed viewer, Benchmarks/live-load).
    let connection: WeakChannel
    public var channel: (any Channel)? { connection.channel }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.liveUpgrade = LiveUpgradeSlot()
        self.peerAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.clientAddress = peerAddress
        self.staff = nil
        self.connection = WeakChannel(source.channel)
    }

    /// The signed-in staff member, for handlers behind `RequireRoleMiddleware`
    /// (which has already answered 401 to a request without one).
    func requireStaff() throws -> AuthenticatedStaff {
        guard let staff else { throw Problem(kind: .unauthenticated, detail: "sign in to continue") }
        return staff
    }

    /// The request id Hummingbird assigned, echoed in logs and problems.
    public var requestID: String {
        logger[metadataKey: "hb.request.id"]?.description ?? "-"
    }
}

/// A weak reference to a channel that can be shared across tasks.
final class WeakChannel: Sendable {
    private struct Reference {
        weak var channel: (any Channel)?
    }
    private let reference: NIOLockedValueBox<Reference>

    init(_ channel: any Channel) {
        reference = NIOLockedValueBox(Reference(channel: channel))
    }

    var channel: (any Channel)? { reference.withLockedValue { $0.channel } }
}
