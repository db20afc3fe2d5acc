import NIOCore
import NIOWebSocket

/// What a viewer route hands the channel at the handshake: where the
/// viewer joins, from which sequence number, and how its replay is read.
struct ViewerSession: Sendable {
    let fanOut: ViewerFanOut
    /// The client's last sequence number.
    let since: Int64
    /// The frames a viewer gets before live ones: `hello`, then every event
    /// after `since`. Called after the viewer joined the fan-out.
    let replay: @Sendable (_ since: Int64) async throws -> [ViewerFrame]
    /// The socket opened (after the handshake) and closed.
    let opened: @Sendable () -> Void
    let closed: @Sendable () -> Void
}

/// One anonymous viewer's socket, served on its event loop with no task
/// and no stream of its own (docs/live-protocol.md, "Viewer engine").
///
/// Order on connect: join the room's fan-out, read the replay, write it
/// (pausing while the socket is full), then the live frames buffered
/// meanwhile that come after the replay, then live frames as they come.
/// Frames with a sequence number at or below the last one written are
/// never written again.
///
/// Unsent bytes are bounded by the fan-out's byte budget through the
/// channel's write-buffer water marks, so no write needs a promise: when
/// the socket stops being writable while live, the viewer is too slow and
/// gets close code 4000; one that has not taken the close frame 2 s later
/// is disconnected.
final class ViewerConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = ByteBuffer

    /// Why the server closes a viewer socket, with the close code the
    /// protocol documents.
    enum CloseReason {
        case tooSlow, goingAway, tooManyMessages, tooLarge, invalidUTF8, protocolError

        var code: WebSocketErrorCode {
            switch self {
            case .tooSlow: LiveSocket.overflowCloseCode
            case .goingAway: .goingAway
            case .tooManyMessages: .policyViolation
            case .tooLarge: .messageTooLarge
            case .invalidUTF8: .dataInconsistentWithMessage
            case .protocolError: .protocolError
            }
        }

        var text: String {
            switch self {
            case .tooSlow: "too slow; reconnect with since"
            case .goingAway: "server shutting down"
            case .tooManyMessages: "too many messages"
            case .tooLarge: "message too large"
            case .invalidUTF8: "invalid UTF-8"
            case .protocolError: "protocol error"
            }
        }
    }

    /// How long a client has to answer our close frame before the
    /// connection is dropped.
    static let closeGrace: TimeAmount = .seconds(2)
    /// Client frames per second before 1008 (pings and pongs count).
    static let maxInboundPerSecond = 10

    private enum Phase {
        /// Joined; the replay is being read or written.
        case replaying
        case live
        /// A close frame was sent (or received); waiting for the peer.
        case closing
        case closed
    }

    private let session: ViewerSession
    private var phase = Phase.replaying
    private var context: ChannelHandlerContext?
    private var shard: LoopViewers?
    /// Place in `shard`'s array, kept by the shard.
    var index = -1
    /// The last sequence number written to the socket.
    private var lastSeq: Int64
    /// Replay frames not yet written (the socket was full).
    private var replayQueue: ArraySlice<ViewerFrame> = []
    /// Live frames that arrived during the replay, and their size.
    private var heldBack: [ViewerFrame] = []
    private var heldBackBytes = 0
    /// The message being received (fragments), its kind, and the rate window.
    private var message = ByteBuffer()
    private var messageIsText = false
    private var messageOpen = false
    private var windowStart = NIODeadline.now()
    private var framesInWindow = 0
    private var hasClosed = false

    init(session: ViewerSession) {
        self.session = session
        self.lastSeq = session.since
    }

    /// Adds the handler to an upgraded channel: the frame decoder is
    /// already in the pipeline, no encoder.
    static func install(on channel: any Channel, session: ViewerSession) throws {
        let budget = session.fanOut.byteBudget
        try channel.syncOptions?.setOption(
            ChannelOptions.writeBufferWaterMark, value: .init(low: budget / 2, high: budget))
        try channel.pipeline.syncOperations.addHandler(ViewerConnection(session: session))
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        session.opened()
        // Subscribe first, then read the replay: an event published in
        // between is both live and replayed, and `lastSeq` drops the copy.
        let shard = session.fanOut.viewers(on: context.eventLoop)
        shard.add(self)
        self.shard = shard
        let replay = session.replay
        let since = session.since
        context.eventLoop.makeFutureWithTask { try await replay(since) }
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let frames): self.replayRead(frames)
                case .failure: self.close(.goingAway)
                }
            }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        leave()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    /// Leaves the room and gives back the address's socket place, once.
    private func leave() {
        shard?.remove(self)
        shard = nil
        phase = .closed
        replayQueue = []
        heldBack = []
        if !hasClosed {
            hasClosed = true
            session.closed()
        }
    }

    // MARK: Outbound

    /// Frames from the room (on this loop).
    /// Writes `frames` (or holds them during the replay); returns how
    /// many went to the socket, for the fan-out's count.
    @discardableResult
    func deliver(_ frames: [ViewerFrame]) -> Int {
        switch phase {
        case .replaying:
            for frame in frames {
                heldBack.append(frame)
                heldBackBytes += frame.wire.readableBytes
            }
            // A replay that cannot be written fast enough must not make
            // the server hold the room's frames without bound.
            if heldBackBytes > session.fanOut.byteBudget { close(.tooSlow) }
            return 0
        case .live:
            guard let context else { return 0 }
            var written = 0
            for frame in frames where frame.seq == 0 || frame.seq > lastSeq {
                // A write past the budget makes the channel unwritable, and
                // `channelWritabilityChanged` closes it at once: nothing may
                // follow the close frame.
                guard phase == .live else { break }
                context.write(wrapOutboundOut(frame.wire), promise: nil)
                if frame.seq != 0 { lastSeq = frame.seq }
                written += 1
            }
            if written > 0 { context.flush() }
            if phase == .live, !context.channel.isWritable { close(.tooSlow) }
            return written
        case .closing, .closed:
            return 0
        }
    }

    private func replayRead(_ frames: [ViewerFrame]) {
        guard phase == .replaying else { return }
        replayQueue = frames[...]
        writeReplay()
    }

    /// Writes replay frames while the socket takes them; the rest waits
    /// for `channelWritabilityChanged`. Then goes live.
    private func writeReplay() {
        guard let context, phase == .replaying else { return }
        var written = 0
        while let frame = replayQueue.first, context.channel.isWritable {
            replayQueue.removeFirst()
            guard frame.seq == 0 || frame.seq > lastSeq else { continue }
            context.write(wrapOutboundOut(frame.wire), promise: nil)
            if frame.seq != 0 { lastSeq = frame.seq }
            written += 1
        }
        context.flush()
        shard?.countDelivered(written)
        guard replayQueue.isEmpty else { return }
        replayQueue = []
        phase = .live
        let held = heldBack
        heldBack = []
        heldBackBytes = 0
        if !held.isEmpty { shard?.countDelivered(deliver(held)) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if phase == .replaying, !replayQueue.isEmpty { writeReplay() }
        } else if phase == .live {
            close(.tooSlow)
        }
        context.fireChannelWritabilityChanged()
    }

    /// Sends a close frame and drops the connection if the client has not
    /// answered within `closeGrace`.
    func close(_ reason: CloseReason) {
        guard let context, phase == .replaying || phase == .live else { return }
        phase = .closing
        if reason == .tooSlow { shard?.countTooSlow() }
        shard?.remove(self)
        shard = nil
        replayQueue = []
        heldBack = []
        context.writeAndFlush(wrapOutboundOut(WebSocketWire.close(reason.code, reason: reason.text)), promise: nil)
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.closeGrace) { [weak self] in
            self?.context?.close(promise: nil)
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard phase != .closed else { return }
        if phase == .closing {
            // Our close frame was sent; the client's answer ends it.
            if frame.opcode == .connectionClose { context.close(promise: nil) }
            return
        }
        // RFC 6455 §5.1: a server must close on an unmasked client frame.
        guard frame.maskKey != nil, !frame.rsv1, !frame.rsv2, !frame.rsv3 else { return close(.protocolError) }
        let now = NIODeadline.now()
        if now - windowStart > .seconds(1) {
            windowStart = now
            framesInWindow = 0
        }
        framesInWindow += 1
        guard framesInWindow <= Self.maxInboundPerSecond else { return close(.tooManyMessages) }

        switch frame.opcode {
        case .connectionClose:
            // Answer with the client's code (or 1000) and close.
            let code = Self.answer(toClose: frame.unmaskedData)
            phase = .closing
            shard?.remove(self)
            shard = nil
            context.writeAndFlush(wrapOutboundOut(WebSocketWire.close(code)), promise: nil)
            context.close(promise: nil)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketWire.pong(frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .text, .binary:
            guard !messageOpen else { return close(.protocolError) }
            message.clear()
            messageIsText = frame.opcode == .text
            messageOpen = true
            append(frame)
        case .continuation:
            guard messageOpen else { return close(.protocolError) }
            append(frame)
        default:
            close(.protocolError)
        }
    }

    /// The code a client's close frame is answered with: the client's own
    /// code, or 1000 when its frame has no body. A body of one byte or a
    /// code no endpoint may send (RFC 6455 §7.4: below 1000, 1004 to 1006,
    /// 1015 to 2999, 5000 and up) is answered with 1002, a reason that is
    /// not UTF-8 with 1007 (§5.5.1), so the server never puts a reserved
    /// code on the wire.
    static func answer(toClose payload: ByteBuffer) -> WebSocketErrorCode {
        var payload = payload
        guard payload.readableBytes > 0 else { return .normalClosure }
        guard let number = payload.readInteger(as: UInt16.self) else { return .protocolError }
        switch number {
        case 1000...1003, 1007...1014, 3000...4999: break
        default: return .protocolError
        }
        guard String(validating: payload.readableBytesView, as: UTF8.self) != nil else { return .dataInconsistentWithMessage }
        return WebSocketErrorCode(codeNumber: Int(number))
    }

    /// Adds a data frame to the message; checks its size and, once whole,
    /// its UTF-8 (a character may span fragments). Messages are discarded.
    private func append(_ frame: WebSocketFrame) {
        var data = frame.unmaskedData
        guard message.readableBytes + data.readableBytes <= LiveSocket.maxInboundFrame else { return close(.tooLarge) }
        message.writeBuffer(&data)
        guard frame.fin else { return }
        messageOpen = false
        if messageIsText, String(validating: message.readableBytesView, as: UTF8.self) == nil { return close(.invalidUTF8) }
        message.clear()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error as? NIOWebSocketError {
        case .invalidFrameLength: close(.tooLarge)
        case .fragmentedControlFrame, .multiByteControlFrameLength: close(.protocolError)
        case nil: context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // Server shutdown: tell the client to come back with `since`.
            close(.goingAway)
        case ChannelEvent.inputClosed:
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }
}
