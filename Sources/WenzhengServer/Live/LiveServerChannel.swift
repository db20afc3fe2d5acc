// Adapted from hummingbird-websocket 2.8.1's HTTP1WebSocketUpgradeChannel
// (Copyright (c) the Hummingbird authors, Apache-2.0): the same pipeline,
// with two changes explained below.

import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
@_spi(WSInternal) import WSCore

/// The server's connections: HTTP/1.1, and WebSocket upgrades decided by
/// the router (docs/live-protocol.md).
///
/// Two differences from hummingbird-websocket's channel:
/// - **Anonymous viewers are served on the event loop.** A viewer route
///   leaves `LiveUpgrade.viewer` in the request context; the upgraded
///   channel gets a `ViewerConnection` handler and no task, no async
///   streams: the per-viewer task and streams were most of the 39 KiB an
///   idle viewer cost, and a task hop per delivered frame most of the CPU
///   (docs/benchmarks.md). Staff sockets (`LiveUpgrade.staff`) keep
///   swift-websocket's handler, the one hummingbird-websocket runs.
/// - **A refused upgrade gets the router's answer**, with its status
///   (403, 404, 426, 429) and problem body, where hummingbird-websocket
///   answers every refusal with an empty 400.
struct LiveServerChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Responder = HTTPChannelHandler.Responder

    struct Configuration: Sendable {
        var http1 = HTTP1Channel.Configuration()
        /// Largest frame a client may send (both kinds of socket).
        var maxFrameSize: Int
        /// Staff sockets: how long to wait for the client's close frame.
        var closeTimeout: Duration = .seconds(5)
    }

    enum UpgradeResult: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, RefusedUpgrade?, Logger)
        case staff(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, @Sendable () async -> Void)
        /// Served by `ViewerConnection` on the event loop: nothing to await.
        case viewer
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    /// The router's answer to a handshake it refused, read in full (problem
    /// bodies are small) so it can be written on the HTTP channel.
    struct RefusedUpgrade: Sendable {
        var head: HTTPResponse
        var body: ByteBuffer
    }

    /// What `shouldUpgrade` decided for one connection.
    private enum Decision: Sendable {
        case viewer(ViewerSession)
        case staff(StaffSocketHandler, Request, AppRequestContext)
    }

    let responder: Responder
    let liveResponder: any HTTPResponder<AppRequestContext>
    let configuration: Configuration

    init(responder: @escaping Responder, liveResponder: any HTTPResponder<AppRequestContext>, configuration: Configuration) {
        self.configuration = configuration
        self.liveResponder = liveResponder
        self.responder = Self.redirectingLateUpgrades(responder)
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let logger = logger.with(metadataKey: "hb.request.id", value: .stringConvertible(RequestID()))
            let attempt = NIOLoopBoundBox<(attempted: Bool, refusal: RefusedUpgrade?)>((false, nil), eventLoop: channel.eventLoop)
            let decision = NIOLoopBoundBox<Decision?>(nil, eventLoop: channel.eventLoop)
            let upgrader = LiveWebSocketUpgrader(
                shouldUpgrade: { channel, head in
                    attempt.value.attempted = true
                    let request: HTTPRequest
                    do {
                        request = try HTTPRequest(head, secure: false, splitCookie: false)
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                    let outcome = channel.eventLoop.makePromise(of: Outcome.self)
                    outcome.completeWithTask { await self.decide(request, channel: channel, logger: logger) }
                    // Runs on the channel's loop, which owns both boxes.
                    return outcome.futureResult.map { outcome -> HTTPHeaders? in
                        switch outcome {
                        case .upgrade(let headers, let chosen):
                            decision.value = chosen
                            return HTTPHeaders(headers)
                        case .refuse(let refusal):
                            attempt.value.refusal = refusal
                            return nil
                        }
                    }
                },
                upgrade: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        switch decision.value {
                        case .viewer(let session):
                            // No frame encoder: a viewer's frames are written
                            // as bytes already framed, once for all viewers.
                            try pipeline.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: configuration.maxFrameSize)))
                            try ViewerConnection.install(on: channel, session: session)
                            return .viewer
                        case .staff(let handler, let request, let context):
                            try pipeline.addHandler(WebSocketFrameEncoder())
                            try pipeline.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: configuration.maxFrameSize)))
                            try pipeline.addHandler(WebSocketProtocolErrorHandler())
                            let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                            let configuration = self.configuration
                            return .staff(asyncChannel) {
                                do {
                                    _ = try await WebSocketHandler.handle(
                                        type: .server,
                                        configuration: .init(
                                            extensions: [], autoPing: .disabled, closeTimeout: configuration.closeTimeout,
                                            validateUTF8: true, maxFrameSize: configuration.maxFrameSize),
                                        asyncChannel: asyncChannel,
                                        context: StaffSocketContext(request: request, requestContext: context),
                                        handler: handler)
                                } catch {
                                    logger.debug("staff socket ended", metadata: ["error.type": "\(error)"])
                                }
                            }
                        case nil:
                            preconditionFailure("upgrading without a decision")
                        }
                    }
                }
            )
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(configuration.http1.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: configuration.http1.idleTimeout.map { .init($0) }, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        if attempt.value.attempted {
                            return UpgradeResult.refused(asyncChannel, attempt.value.refusal, logger)
                        }
                        return UpgradeResult.http(asyncChannel)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: upgradeConfiguration)
            pipeline.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            pipeline.enableErrorHandling = false  // Hummingbird handles these
            pipeline.enableResponseHeaderValidation = false  // HTTP types validate already
            pipeline.decoderConfiguration.maxHeaderFieldSize = configuration.http1.httpDecoder.maxHeaderFieldSize
            pipeline.decoderConfiguration.maxHeaderListSize = configuration.http1.httpDecoder.maxHeaderListSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = configuration.http1.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .http(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .refused(let http1, let refusal, let logger):
                await writeRefusal(refusal, on: http1, logger: logger)
            case .staff(_, let serve):
                await serve()
            case .viewer:
                // The channel's own handler serves it; this task ends here.
                break
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("upgrade failed as input was closed")
        } catch {
            logger.debug("error handling upgrade result", metadata: ["error.type": .string("\(error)")])
        }
    }

    private enum Outcome: Sendable {
        case upgrade(HTTPFields, Decision)
        case refuse(RefusedUpgrade?)
    }

    /// Runs the handshake through the router, with its middleware, and
    /// reads the live route's decision from the request context.
    private func decide(_ head: HTTPRequest, channel: any Channel, logger: Logger) async -> Outcome {
        let request = Request(head: head, body: .init(buffer: ByteBuffer()))
        let context = AppRequestContext(source: .init(channel: channel, logger: logger))
        do {
            let response = try await liveResponder.respond(to: request, context: context)
            if let upgrade = context.liveUpgrade.take(), response.status == .ok {
                switch upgrade {
                case .viewer(let session): return .upgrade(response.headers, .viewer(session))
                case .staff(let handler, let routeContext): return .upgrade(response.headers, .staff(handler, request, routeContext))
                }
            }
            return .refuse(await Self.read(response))
        } catch {
            // Errors are turned into responses by the router's middleware;
            // one that escapes gets the plain 400 below.
            logger.debug("live handshake failed", metadata: ["error.type": "\(error)"])
            return .refuse(nil)
        }
    }

    private static func read(_ response: Response) async -> RefusedUpgrade? {
        let collector = BodyCollector()
        do {
            try await response.body.write(collector)
        } catch {
            return nil
        }
        var head = response.head
        head.headerFields[.connection] = "close"
        head.headerFields[.contentLength] = String(collector.buffer.readableBytes)
        return RefusedUpgrade(head: head, body: collector.buffer)
    }

    /// Writes the router's refusal (or, if there is none, an empty 400) and
    /// closes the connection.
    private func writeRefusal(
        _ refusal: RefusedUpgrade?, on asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger
    ) async {
        let refusal =
            refusal ?? RefusedUpgrade(head: HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"]), body: ByteBuffer())
        do {
            try await asyncChannel.executeThenClose { _, outbound in
                var parts: [HTTPResponsePart] = [.head(refusal.head)]
                if refusal.body.readableBytes > 0 { parts.append(.body(refusal.body)) }
                parts.append(.end(nil))
                try await outbound.write(contentsOf: parts)
            }
        } catch {
            logger.trace("failed to write a refused upgrade: \(error)")
        }
    }

    /// NIO's upgrade handler only looks at a connection's first request. A
    /// later request on a keep-alive connection that asks for an upgrade is
    /// redirected to the same address with `Connection: close`, so the client
    /// retries on a new connection (as hummingbird-websocket does).
    static func redirectingLateUpgrades(_ responder: @escaping Responder) -> Responder {
        struct RedirectCloseError: Error {}
        return { (request: Request, responseWriter: consuming ResponseWriter, channel: any Channel) in
            if request.headers[.upgrade]?.lowercased() == "websocket" {
                var path = request.uri.path
                if let query = request.uri.query { path += "?\(query)" }
                let response = HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: path])
                try await responseWriter.writeResponse(response)
                throw RedirectCloseError()
            } else {
                try await responder(request, responseWriter, channel)
            }
        }
    }
}

/// The WebSocket handshake (RFC 6455 §4.2), as NIO's
/// `NIOTypedWebSocketServerUpgrader` does it, except that `upgrade` sets up
/// the pipeline itself: NIO's always adds a frame encoder, which a viewer
/// must not have (its frames are framed once for every viewer).
struct LiveWebSocketUpgrader: NIOTypedHTTPServerProtocolUpgrader {
    typealias UpgradeResult = LiveServerChannel.UpgradeResult
    let supportedProtocol = "websocket"
    /// Checked in `buildUpgradeResponse`, as NIO's upgrader does: NIO
    /// would refuse silently.
    let requiredUpgradeHeaders: [String] = []
    let shouldUpgrade: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>
    let upgrade: @Sendable (any Channel) -> EventLoopFuture<UpgradeResult>

    static let magicGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        let keys = upgradeRequest.headers["Sec-WebSocket-Key"]
        guard keys.count == 1, let key = keys.first, upgradeRequest.headers["Sec-WebSocket-Version"] == ["13"] else {
            return channel.eventLoop.makeFailedFuture(NIOWebSocketUpgradeError.invalidUpgradeHeader)
        }
        return shouldUpgrade(channel, upgradeRequest).flatMapThrowing { extraHeaders in
            guard var headers = extraHeaders else { throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget }
            headers.replaceOrAdd(name: "Upgrade", value: "websocket")
            headers.add(name: "Sec-WebSocket-Accept", value: Self.accept(key: key))
            headers.replaceOrAdd(name: "Connection", value: "upgrade")
            return headers
        }
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        upgrade(channel)
    }

    /// `Sec-WebSocket-Accept`: base64 of the SHA-1 of the key and the GUID.
    static func accept(key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + magicGUID).utf8))).base64EncodedString()
    }
}

/// Collects a response body in memory (a refusal's problem JSON).
private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    // Written by one task at a time: the body's writer, then the reader.
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the live sockets' upgrades, decided by `router`.
    static func live(router: Router<AppRequestContext>, configuration: LiveServerChannel.Configuration) -> HTTPServerBuilder {
        let liveResponder = router.buildResponder()
        return .init { responder in
            LiveServerChannel(responder: responder, liveResponder: liveResponder, configuration: configuration)
        }
    }
}

extension Logger {
    fileprivate func with(metadataKey: String, value: MetadataValue) -> Logger {
        var logger = self
        logger[metadataKey: metadataKey] = value
        return logger
    }
}
