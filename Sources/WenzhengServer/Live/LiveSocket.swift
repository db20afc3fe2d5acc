import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import WenzhengCore
import WenzhengStore

/// What every live WebSocket endpoint shares: the cross-site check at
/// upgrade, draining a subscription onto the socket, and the close codes
/// documented in docs/live-protocol.md.
enum LiveSocket {
    /// The subscriber fell too far behind; reconnect with `since=`.
    static let overflowCloseCode = WebSocketErrorCode(codeNumber: 4000)
    /// The server is shutting down; reconnect later with `since=`.
    static let goingAwayCloseCode = WebSocketErrorCode.goingAway
    /// Largest frame a client may send.
    static let maxInboundFrame = 4096

    /// Browsers attach cookies to cross-site WebSocket handshakes, so a
    /// socket refuses pages from other sites (CSWSH), by the same rule as
    /// unsafe HTTP requests.
    static func checkOrigin(_ request: Request) throws {
        try OriginCheck.refuseCrossSite(request)
    }

    /// Sends `prefix` (a replay), then every frame of `subscription` whose
    /// sequence number is above the last one sent, until the client leaves,
    /// the subscription overflows, or the server shuts down. Inbound
    /// messages are read and discarded so pings and closes are processed;
    /// a client sending more than 10 frames a second is closed with 1008.
    ///   - since: the client's last sequence number: live frames at or
    ///     below it are never sent, even when the replay is empty.
    ///   - stillAuthorized: for staff sockets, checked every few seconds;
    ///     when the session has ended (logout, account disabled, expiry)
    ///     the socket is closed.
    static func stream(
        _ subscription: Broadcaster.Subscription, from broadcaster: Broadcaster, to outbound: WebSocketOutboundWriter,
        inbound: WebSocketInboundStream, prefix: [Broadcaster.Frame] = [], since: Int64 = 0,
        stillAuthorized: (@Sendable () async -> Bool)? = nil
    ) async throws {
        defer { broadcaster.unsubscribe(subscription) }
        // On server shutdown the subscription ends, which closes the socket
        // with "going away" so clients reconnect to the next server.
        try await withGracefulShutdownHandler {
            try await pump(subscription, to: outbound, inbound: inbound, prefix: prefix, since: since, stillAuthorized: stillAuthorized)
        } onGracefulShutdown: {
            broadcaster.unsubscribe(subscription)
        }
    }

    /// Closes a connection that could not take the overflow close frame
    /// within two seconds.
    static func closeAfterGrace(_ channel: (any Channel)?) -> @Sendable () -> Void {
        { [weak channel] in
            guard let channel else { return }
            channel.eventLoop.scheduleTask(in: .seconds(2)) { [weak channel] in channel?.close(promise: nil) }
        }
    }

    /// Whether the session that opened a staff socket is still live.
    static func sessionCheck(_ request: Request, database: AppDatabase, clock: any WallClock) -> @Sendable () async -> Bool {
        let staff = sessionStaff(request, database: database, clock: clock)
        return { await staff() != nil }
    }

    /// Who the session that opened a staff socket belongs to now (their
    /// current role), or nil once it has ended.
    static func sessionStaff(_ request: Request, database: AppDatabase, clock: any WallClock) -> @Sendable () async -> AuthenticatedStaff? {
        let hash = SessionToken.hash(request.cookies[sessionCookieName]?.value ?? "")
        return { (try? await database.accounts.activeSession(tokenHash: hash, at: clock.now())) ?? nil }
    }

    static let sessionCheckInterval: Duration = .seconds(5)

    private static func pump(
        _ subscription: Broadcaster.Subscription, to outbound: WebSocketOutboundWriter,
        inbound: WebSocketInboundStream, prefix: [Broadcaster.Frame], since: Int64,
        stillAuthorized: (@Sendable () async -> Bool)?
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let stillAuthorized {
                group.addTask {
                    while true {
                        try await Task.sleep(for: sessionCheckInterval)
                        if await !stillAuthorized() {
                            try await outbound.close(.policyViolation, reason: "session ended")
                            return
                        }
                    }
                }
            }
            group.addTask {
                var lastSeq: Int64 = since
                for frame in prefix {
                    try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame.bytes)))
                    lastSeq = max(lastSeq, frame.seq)
                }
                do {
                    for try await frame in subscription.frames {
                        // Already sent in the replay.
                        if frame.seq != 0 && frame.seq <= lastSeq { continue }
                        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame.bytes)))
                        if frame.seq != 0 { lastSeq = frame.seq }
                    }
                    try await outbound.close(goingAwayCloseCode, reason: "server shutting down")
                } catch is Broadcaster.Overflow {
                    try await outbound.close(overflowCloseCode, reason: "too slow; reconnect with since")
                }
            }
            group.addTask {
                var windowStart = ContinuousClock.now
                var count = 0
                var message = ByteBuffer()
                var isText = false
                for try await frame in inbound {
                    let now = ContinuousClock.now
                    if now - windowStart > .seconds(1) {
                        windowStart = now
                        count = 0
                    }
                    count += 1
                    if count > 10 {
                        try await outbound.close(.policyViolation, reason: "too many messages")
                        return
                    }
                    if frame.opcode != .continuation {
                        message.clear()
                        isText = frame.opcode == .text
                    }
                    var data = frame.data
                    message.writeBuffer(&data)
                    if message.readableBytes > maxInboundFrame {
                        try await outbound.close(.messageTooLarge, reason: "message too large")
                        return
                    }
                    // Text must be UTF-8 (RFC 6455 §8.1): checked per whole
                    // message, as a character may span fragments.
                    if frame.fin, isText, String(validating: message.readableBytesView, as: UTF8.self) == nil {
                        try await outbound.close(.dataInconsistentWithMessage, reason: "invalid UTF-8")
                        return
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
