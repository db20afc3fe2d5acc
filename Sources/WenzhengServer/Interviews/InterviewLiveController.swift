import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import WenzhengCore
import WenzhengStore

/// An interview's live sockets (docs/live-protocol.md): anonymous viewers,
/// and the consoles of the staff who run it. Each subscribes to the room,
/// then replays, then streams, which with the room's sequencer gives a
/// gap-free, duplicate-free sequence.
struct InterviewLiveController {
    typealias Context = AppRequestContext
    let actions: InterviewActions

    var database: AppDatabase { actions.database }
    var hub: LiveHub { actions.hub }

    func addRoutes(to router: Router<Context>) {
        router.get("/live/interviews/{id}", use: viewerHandshake)
        router.group("/live/interviews/{id}/console")
            .add(middleware: RequireRoleMiddleware(InterviewActions.consoleRoles))
            .staffSocket(shouldUpgrade: consoleShouldUpgrade, onUpgrade: consoleSocket)
    }

    /// The anonymous viewer's handshake: checked here, with the router's
    /// middleware, then served on the event loop by `ViewerConnection`.
    @Sendable func viewerHandshake(_ request: Request, context: Context) async throws -> Response {
        // A staff cookie reveals unannounced interviews: not to other sites.
        try LiveSocket.checkOrigin(request)
        let interview = try await actions.visibleInterview(try InterviewRequest.id(context), to: context.staff)
        let since = try InterviewRequest.since(request) ?? 0
        try LiveUpgradeRoute.requireUpgrade(request)
        // Last, so a handshake refused for another reason reserves nothing.
        let address = context.clientAddress
        let limiter = hub.viewerSockets
        guard limiter.reserve(address) else {
            throw Problem(
                kind: .tooManyRequests,
                detail: "this address already has \(limiter.maxPerAddress) live connections open; close one first",
                headers: [.retryAfter: "10"])
        }
        let room = hub.room(interview.id)
        let database = self.database
        context.liveUpgrade.set(
            .viewer(
                ViewerSession(
                    fanOut: room.viewers, since: since,
                    replay: { since in try await Self.replay(room, interview, since: since, database: database) },
                    opened: { limiter.open(address) },
                    closed: { limiter.close(address) })))
        return Response(status: .ok)
    }

    /// What a viewer gets before the live frames: `hello`, then every event
    /// after `since`, from the room's cache when it can vouch for them
    /// (`TranscriptReplayCache`), else from the database.
    static func replay(_ room: InterviewRoom, _ interview: Interview, since: Int64, database: AppDatabase) async throws -> [ViewerFrame] {
        // Subscribed: events other nodes commit from here on are this
        // viewer's through the room (`InterviewChangeRelay`).
        room.memberJoined(lastSeq: interview.lastSeq)
        var frames = room.recent.replay(after: since, lastSeq: interview.lastSeq)
        let fillFrom = max(0, interview.lastSeq - Int64(room.recent.capacity))
        if frames == nil, since >= fillFrom {
            // After a restart the cache is empty: one read fills it for every
            // viewer coming back at once.
            await room.recent.fill {
                try await database.interviews.transcriptEvents(interviewID: interview.id, since: fillFrom).map {
                    TranscriptReplayCache.Held(event: $0, frame: InterviewRoom.frame(for: $0))
                }
            }
            frames = room.recent.replay(after: since, lastSeq: interview.lastSeq)
        }
        if frames == nil {
            frames = try await database.interviews.transcriptEvents(interviewID: interview.id, since: since).map(InterviewRoom.frame(for:))
        }
        let replayed = frames ?? []
        let hello = InterviewFrames.Hello(interview, lastReplayed: replayed.last?.seq)
        return [ViewerFrame(seq: 0, wire: WebSocketWire.text(LiveFrame.encode(hello)))] + replayed
    }

    /// The console socket follows the console page's rule: hosts and guests
    /// only for the interviews they run (403 at the handshake otherwise).
    @Sendable func consoleShouldUpgrade(_ request: Request, context: Context) async throws {
        try LiveSocket.checkOrigin(request)
        try await database.interviews.checkConsoleAccess(interviewID: try InterviewRequest.id(context), actor: context.staff!)
        _ = try InterviewRequest.since(request)
    }

    @Sendable func consoleSocket(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: StaffSocketContext
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
        let since = try InterviewRequest.since(context.request) ?? 0
        let room = hub.room(id)
        let broadcaster = room.console
        // The close frame cannot get through a full socket; if the client
        // has not read it within 2 s, the connection is dropped.
        let subscription = broadcaster.subscribe(onOverflow: LiveSocket.closeAfterGrace(context.requestContext.channel))
        let interview = try await database.interviews.interview(id: id)
        room.memberJoined(lastSeq: interview.lastSeq)
        let events = try await database.interviews.transcriptEvents(interviewID: id, since: since)
        let hello = InterviewFrames.Hello(interview, lastReplayed: events.last?.seq)
        var prefix = [Broadcaster.Frame(bytes: LiveFrame.encode(hello))]
        prefix += events.map(InterviewRoom.payload(for:))
        try await LiveSocket.stream(
            subscription, from: broadcaster, to: outbound, inbound: inbound, prefix: prefix, since: since, stillAuthorized: staffCheck)
    }
}
