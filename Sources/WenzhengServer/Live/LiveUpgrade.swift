import Hummingbird
import Logging
import NIOCore
import Synchronization
import WSCore

/// What a live route's handshake decided, handed from the route (which runs
/// with the router's middleware: origin check, session, the feature's own
/// checks) to `LiveServerChannel`, which performs the upgrade.
enum LiveUpgrade: Sendable {
    /// An anonymous viewer: served by `ViewerConnection` on the event loop.
    case viewer(ViewerSession)
    /// A staff socket: served by swift-websocket's handler (the one
    /// hummingbird-websocket uses), with a task per socket. The context is
    /// the route's own (with its path parameters and session).
    case staff(StaffSocketHandler, AppRequestContext)
}

/// A staff socket's code: reads and writes through swift-websocket's
/// async streams.
typealias StaffSocketHandler = @Sendable (WebSocketInboundStream, WebSocketOutboundWriter, StaffSocketContext) async throws -> Void

/// The request that opened a staff socket, and its context.
struct StaffSocketContext: WebSocketContext {
    let request: Request
    let requestContext: AppRequestContext
    var logger: Logger { requestContext.logger }
}

/// Where a live route leaves its decision for the channel: a box in the
/// request context, as hummingbird-websocket's `WebSocketHandlerReference`
/// does for its own upgrades.
final class LiveUpgradeSlot: Sendable {
    private let decision = Mutex<LiveUpgrade?>(nil)

    func set(_ upgrade: LiveUpgrade) { decision.withLock { $0 = upgrade } }

    /// The decision, emptying the slot: a staff decision holds the request
    /// context, which holds this slot, and the cycle must not outlive the
    /// handshake.
    func take() -> LiveUpgrade? {
        decision.withLock { decision in
            defer { decision = nil }
            return decision
        }
    }
}

extension RouterMethods<AppRequestContext> {
    /// A staff WebSocket route: `shouldUpgrade` runs as a route handler
    /// (after the group's middleware, for example the role check) and
    /// throws to refuse; the refusal reaches the client with its real
    /// status. `handler` then serves the socket.
    @discardableResult
    func staffSocket(
        _ path: RouterPath = "",
        shouldUpgrade: @escaping @Sendable (Request, AppRequestContext) async throws -> Void,
        onUpgrade handler: @escaping StaffSocketHandler
    ) -> Self {
        on(path, method: .get) { request, context -> Response in
            try await shouldUpgrade(request, context)
            try LiveUpgradeRoute.requireUpgrade(request)
            context.liveUpgrade.set(.staff(handler, context))
            return Response(status: .ok)
        }
    }
}

enum LiveUpgradeRoute {
    /// A plain GET of a socket's address (no `Upgrade: websocket`) is
    /// answered 426 once the route's checks pass (so it shows what a
    /// handshake would get), before anything is reserved.
    static func requireUpgrade(_ request: Request) throws {
        guard request.headers[.upgrade]?.lowercased() == "websocket" else {
            throw Problem(
                kind: .upgradeRequired, detail: "this address is a WebSocket endpoint (docs/live-protocol.md)",
                headers: [.upgrade: "websocket", .connection: "Upgrade"])
        }
    }
}
