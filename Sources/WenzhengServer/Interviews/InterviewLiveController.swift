import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import WenzhengCore
import WenzhengStore

/// An interview's live sockets (docs/live-protocol.md): anonymous viewers,
/// and the consoles of the staff who run it. Each subscribes to the room,
/// then replays from the database, then streams, which with the room's
/// sequencer gives a gap-free, duplicate-free sequence.
struct InterviewLiveController {
    typealias Context = AppRequestContext
    let actions: InterviewActions

    var database: AppDatabase { actions.database }
    var hub: LiveHub { actions.hub }

    func addRoutes(to router: Router<Context>) {
        router.ws("/live/interviews/{id}", shouldUpgrade: viewerShouldUpgrade, onUpgrade: viewerSocket)
        router.group("/live/interviews/{id}/console")
            .add(middleware: RequireRoleMiddleware(InterviewActions.consoleRoles))
            .ws(shouldUpgrade: consoleShouldUpgrade, onUpgrade: consoleSocket)
    }

    @Sendable func viewerShouldUpgrade(_ request: Request, context: Context) async throws -> RouterShouldUpgrade {
        // A staff cookie reveals unannounced interviews: not to other sites.
        try LiveSocket.checkOrigin(request)
        _ = try await actions.visibleInterview(try InterviewRequest.id(context), to: context.staff)
        _ = try InterviewRequest.since(request)
        // Last, so a handshake refused for another reason reserves nothing.
        guard hub.viewerSockets.reserve(context.clientAddress) else {
            throw Problem(
                kind: .tooManyRequests,
                detail: "this address already has \(hub.viewerSockets.maxPerAddress) live connections open; close one first",
                headers: [.retryAfter: "10"])
        }
        return .upgrade([:])
    }

    @Sendable func viewerSocket(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: WebSocketRouterContext<Context>
    ) async throws {
        let address = context.requestContext.clientAddress
        hub.viewerSockets.open(address)
        defer { hub.viewerSockets.close(address) }
        try await stream(\.viewers, context, inbound, outbound, staffCheck: nil)
    }

    /// The console socket follows the console page's rule: hosts and guests
    /// only for the interviews they run (403 at the handshake otherwise).
    @Sendable func consoleShouldUpgrade(_ request: Request, context: Context) async throws -> RouterShouldUpgrade {
        try LiveSocket.checkOrigin(request)
        try await database.interviews.checkConsoleAccess(interviewID: try InterviewRequest.id(context), actor: context.staff!)
        _ = try InterviewRequest.since(request)
        return .upgrade([:])
    }

    @Sendable func consoleSocket(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: WebSocketRouterContext<Context>
    ) async throws {
        let id = try InterviewRequest.id(context.requestContext)
        // Checked again every few seconds: a session that ends, or a host or
        // guest taken off the interview, closes the socket.
        let session = LiveSocket.sessionStaff(context.request, database: database, clock: actions.clock)
        let database = self.database
        let staffCheck: @Sendable () async -> Bool = {
            guard let staff = await session() else { return false }
            return (try? await database.interviews.checkConsoleAccess(interviewID: id, actor: staff)) != nil
        }
        try await stream(\.console, context, inbound, outbound, staffCheck: staffCheck)
    }

    /// Subscribes the socket to its audience in the interview's room first,
    /// then replays from the database after the client's `since`, then
    /// streams.
    private func stream(
        _ audience: KeyPath<LiveRoom, Broadcaster>, _ context: WebSocketRouterContext<Context>,
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, staffCheck: (@Sendable () async -> Bool)?
    ) async throws {
        let interviewID = try InterviewRequest.id(context.requestContext)
        let since = try InterviewRequest.since(context.request) ?? 0
        let broadcaster = hub.room(interviewID)[keyPath: audience]
        // The close frame cannot get through a full socket; if the client
        // has not read it within 2 s, the connection is dropped.
        let subscription = broadcaster.subscribe(onOverflow: LiveSocket.closeAfterGrace(context.requestContext.channel))
        let interview = try await database.interviews.interview(id: interviewID)
        let events = try await database.interviews.transcriptEvents(interviewID: interviewID, since: since)
        let hello = InterviewFrames.Hello(
            interview: .init(id: interview.id, status: interview.status.rawValue, title: interview.title),
            lastSeq: max(interview.lastSeq, events.last?.seq ?? 0))
        var prefix = [Broadcaster.Frame(bytes: LiveFrame.encode(hello))]
        prefix += events.map { Broadcaster.Frame(seq: $0.seq, bytes: LiveFrame.encode(InterviewFrames.event($0))) }
        try await LiveSocket.stream(
            subscription, from: broadcaster, to: outbound, inbound: inbound, prefix: prefix, since: since, stillAuthorized: staffCheck)
    }
}
