import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import WenzhengCore
import WenzhengStore

/// Online interviews over JSON and WebSocket: the public reads and asks;
/// hosts and guests run the interview; viewers watch it live.
struct InterviewsController {
    typealias Context = AppRequestContext
    let database: AppDatabase
    let actions: InterviewActions
    let hub: LiveHub
    let secureCookies: Bool

    static let organisers: Set<Role> = [.admin, .host]
    static let onAir: Set<Role> = [.admin, .host, .guest]
    static let consoleRoles: Set<Role> = [.admin, .host, .guest, .moderator]
    /// Who withdraws published entries and publishes them again.
    static let withdrawers = WithdrawalRules.roles

    func addRoutes(to router: Router<Context>) {
        // Public
        router.get("/api/v1/interviews", use: list)
        router.get("/api/v1/interviews/{id}", use: detail)
        router.get("/api/v1/interviews/{id}/transcript", use: transcript)
        router.get("/api/v1/interviews/{id}/questions", use: questions)
        router.post("/api/v1/interviews/{id}/questions", use: ask)
        router.post("/api/v1/interviews/{id}/questions/{question}/vote", use: vote)
        router.ws("/live/interviews/{id}", shouldUpgrade: viewerShouldUpgrade, onUpgrade: viewerSocket)
        // Organisers
        router.group("/api/v1/interviews")
            .add(middleware: RequireRoleMiddleware(Self.organisers))
            .post(use: create)
            .put("/{id}", use: update)
            .post("/{id}/status", use: changeStatus)
        // On air
        router.group("/api/v1/interviews")
            .add(middleware: RequireRoleMiddleware(Self.onAir))
            .get("/{id}/queue", use: queue)
            .post("/{id}/questions/{question}/on-air", use: putOnAir)
            .post("/{id}/entries", use: postEntry)
            .post("/{id}/entries/{entry}/corrections", use: correct)
        // Withdrawal (admins)
        router.group("/api/v1/interviews")
            .add(middleware: RequireRoleMiddleware(Self.withdrawers))
            .post("/{id}/entries/{entry}/unpublish", use: unpublish)
            .post("/{id}/entries/{entry}/republish", use: republish)
        router.group("/api/v1/deferred-questions")
            .add(middleware: RequireRoleMiddleware(Self.consoleRoles))
            .get(use: deferred)
        router.group("/live/interviews/{id}/console")
            .add(middleware: RequireRoleMiddleware(Self.consoleRoles))
            .ws(shouldUpgrade: consoleShouldUpgrade, onUpgrade: consoleSocket)
    }

    // MARK: Request and response bodies

    struct InterviewList: ResponseEncodable {
        var interviews: [Interview]
    }

    struct DraftBody: Decodable {
        struct Guest: Decodable {
            var name: String?
            var title: String?
            var department: String?
            var username: String?
        }
        var title: String?
        var summary: String?
        var scheduledStart: Date?
        var plannedMinutes: Int?
        var host: String?
        var guests: [Guest]?

        func draft() throws -> InterviewDraft {
            var errors: [FieldError] = []
            if title == nil { errors.append(.required("title")) }
            if scheduledStart == nil { errors.append(.required("scheduledStart")) }
            try ValidationFailure.check(errors)
            return InterviewDraft(
                title: title!, summary: summary ?? "", scheduledStart: scheduledStart!, plannedMinutes: plannedMinutes ?? 90,
                hostUsername: host,
                guests: (guests ?? []).map {
                    InterviewGuest(name: $0.name ?? "", title: $0.title ?? "", department: $0.department ?? "", username: $0.username)
                })
        }
    }

    struct StatusBody: Decodable {
        var status: String?
    }

    struct TranscriptBody: ResponseEncodable {
        var interview: Interview
        var entries: [TranscriptEntry]
        /// More entries follow: ask again with `since` = the last `seq`.
        var more: Bool
    }

    struct QuestionList: ResponseEncodable {
        var questions: [PublicQuestion]
    }

    struct QueueBody: ResponseEncodable {
        var questions: [StaffQuestion]
    }

    struct DeferredBody: ResponseEncodable {
        var questions: [StaffQuestion]
        /// More questions match than this page holds.
        var more: Bool
    }

    struct AskBody: Decodable {
        var text: String?
        var nickname: String?
        var contact: String?
    }

    struct VoteResult: ResponseEncodable {
        var votes: Int
        var counted: Bool
    }

    struct EntryBody: Decodable {
        var kind: String?
        var body: String?
        var questionId: Int64?
        var guestId: Int64?
    }

    struct CorrectionBody: Decodable {
        var body: String?
    }

    struct UnpublishBody: Decodable {
        var reason: String?
    }

    struct EventBody: ResponseEncodable {
        var seq: Int64
        var entry: TranscriptEntry?
        var correction: TranscriptCorrection?
        var withdrawal: TranscriptWithdrawal?
        var republication: TranscriptCorrection?
        /// For a correction or a republication: the personal information
        /// masked in it, by kind.
        var masked: [MaskedSpan]?

        init(_ event: TranscriptEvent, masked: [MaskedSpan]? = nil) {
            seq = event.seq
            self.masked = masked
            switch event {
            case .entry(let entry): self.entry = entry
            case .correction(let correction): self.correction = correction
            case .withdrawal(let withdrawal): self.withdrawal = withdrawal
            case .republication(let correction): self.republication = correction
            }
        }
    }

    // MARK: Public

    @Sendable func list(_ request: Request, context: Context) async throws -> InterviewList {
        InterviewList(interviews: try await database.interviews.interviews(publicOnly: context.staff == nil).map { Self.visible($0, to: context.staff) })
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> Interview {
        Self.visible(try await visibleInterview(context), to: context.staff)
    }

    /// Staff login names are not public.
    static func visible(_ interview: Interview, to staff: AuthenticatedStaff?) -> Interview {
        guard staff == nil else { return interview }
        var interview = interview
        interview.hostUsername = nil
        interview.guests = interview.guests.map { guest in
            var guest = guest
            guest.username = nil
            return guest
        }
        return interview
    }

    /// The transcript as it reads now, a page at a time: the entries after
    /// `since` (default 0), at most `limit` (default 200, at most 1000).
    @Sendable func transcript(_ request: Request, context: Context) async throws -> TranscriptBody {
        var errors: [FieldError] = []
        let since = Self.since(request, into: &errors)
        let limit = Self.pageLimit(
            request, default: InterviewRules.transcriptPageSize, max: InterviewRules.transcriptMaxPageSize, into: &errors)
        try ValidationFailure.check(errors)
        let interview = try await visibleInterview(context)
        let page = try await database.interviews.transcriptPage(interviewID: interview.id, .after(since ?? 0), limit: limit)
        return TranscriptBody(interview: Self.visible(interview, to: context.staff), entries: page.entries, more: page.hasLater)
    }

    @Sendable func questions(_ request: Request, context: Context) async throws -> QuestionList {
        let interview = try await visibleInterview(context)
        return QuestionList(questions: try await database.interviews.publicQuestions(interviewID: interview.id))
    }

    @Sendable func ask(_ request: Request, context: Context) async throws -> Response {
        let interview = try await visibleInterview(context)
        let body = try await request.decodeJSON(AskBody.self, context: context)
        let (browserKey, cookie) = actions.browserKeys.resolve(request, secure: secureCookies)
        let question = try await actions.ask(
            interview.id, text: body.text, nickname: body.nickname, contact: body.contact, browserKey: browserKey,
            clientAddress: context.clientAddress)
        var response = try EditedResponse(status: .created, response: question).response(from: request, context: context)
        if let cookie { response.setCookie(cookie) }
        return response
    }

    @Sendable func vote(_ request: Request, context: Context) async throws -> Response {
        let interview = try await visibleInterview(context)
        let questionID = try Self.id(context, "question")
        let (browserKey, cookie) = actions.browserKeys.resolve(request, secure: secureCookies)
        // A browser without our signed cookie yet gets one but no vote:
        // otherwise a client that drops or invents cookies could vote
        // without end.
        let result = cookie == nil
            ? try await actions.vote(interview.id, questionID: questionID, browserKey: browserKey, clientAddress: context.clientAddress)
            : (votes: try await database.interviews.publicQuestions(interviewID: interview.id).first { $0.id == questionID }?.votes ?? 0, counted: false)
        var response = try VoteResult(votes: result.votes, counted: result.counted).response(from: request, context: context)
        if let cookie { response.setCookie(cookie) }
        return response
    }

    // MARK: Organisers

    @Sendable func create(_ request: Request, context: Context) async throws -> EditedResponse<Interview> {
        let body = try await request.decodeJSON(DraftBody.self, context: context)
        let interview = try await database.interviews.createInterview(try body.draft(), actor: context.staff!, at: actions.clock.now())
        return EditedResponse(status: .created, headers: [.location: "/api/v1/interviews/\(interview.id)"], response: interview)
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Interview {
        let body = try await request.decodeJSON(DraftBody.self, context: context)
        return try await database.interviews.updateInterview(id: try Self.id(context), try body.draft(), actor: context.staff!, at: actions.clock.now())
    }

    @Sendable func changeStatus(_ request: Request, context: Context) async throws -> Interview {
        let body = try await request.decodeJSON(StatusBody.self, context: context)
        guard let raw = body.status else { throw Problem.validation(.required("status")) }
        guard let status = InterviewStatus(rawValue: raw) else {
            throw Problem.validation(.invalid("status", "status must be one of \(InterviewStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        return try await actions.changeStatus(try Self.id(context), to: status, actor: context.staff!)
    }

    // MARK: On air

    @Sendable func queue(_ request: Request, context: Context) async throws -> QueueBody {
        let order = request.uri.queryParameters.get("order") ?? "votes"
        guard order == "votes" || order == "time" else {
            throw Problem.validation(.invalid("order", "order must be votes or time"))
        }
        return QueueBody(
            questions: try await database.interviews.questionQueue(interviewID: try Self.id(context), byVotes: order == "votes", actor: context.staff!))
    }

    @Sendable func putOnAir(_ request: Request, context: Context) async throws -> EventBody {
        guard context.staff!.role != .guest else {
            throw Problem(kind: .forbidden, detail: "the host puts questions on air")
        }
        return EventBody(try await actions.putOnAir(try Self.id(context), questionID: try Self.id(context, "question"), actor: context.staff!))
    }

    @Sendable func postEntry(_ request: Request, context: Context) async throws -> EditedResponse<EventBody> {
        let body = try await request.decodeJSON(EntryBody.self, context: context)
        guard let rawKind = body.kind else { throw Problem.validation(.required("kind")) }
        guard let kind = TranscriptEntryKind(rawValue: rawKind), kind == .remark || kind == .answer else {
            throw Problem.validation(.invalid("kind", "kind must be remark or answer"))
        }
        let event = try await actions.post(
            try Self.id(context), kind: kind, body: body.body ?? "", author: kind == .remark ? .host : .guest(id: body.guestId),
            questionID: body.questionId, actor: context.staff!)
        return EditedResponse(status: .created, response: EventBody(event))
    }

    @Sendable func correct(_ request: Request, context: Context) async throws -> EventBody {
        let body = try await request.decodeJSON(CorrectionBody.self, context: context)
        let correction = try await actions.correct(
            try Self.id(context), entryID: try Self.id(context, "entry"), body: body.body ?? "", actor: context.staff!)
        return EventBody(correction.event, masked: correction.masked)
    }

    // MARK: Withdrawal

    /// Takes an entry off the public transcript, the API and the live
    /// stream; `reason` is required.
    @Sendable func unpublish(_ request: Request, context: Context) async throws -> EventBody {
        let body = try await request.decodeJSON(UnpublishBody.self, context: context)
        return EventBody(
            try await actions.unpublish(
                try Self.id(context), entryID: try Self.id(context, "entry"), reason: body.reason ?? "", actor: context.staff!))
    }

    /// Publishes a withdrawn entry again with the corrected `body`, masked.
    @Sendable func republish(_ request: Request, context: Context) async throws -> EventBody {
        let body = try await request.decodeJSON(CorrectionBody.self, context: context)
        let republished = try await actions.republish(
            try Self.id(context), entryID: try Self.id(context, "entry"), body: body.body ?? "", actor: context.staff!)
        return EventBody(republished.event, masked: republished.masked)
    }

    /// `state=open|answered|all` (default all), `interview=<id>`,
    /// `limit` (default 50, at most 200), `offset`.
    @Sendable func deferred(_ request: Request, context: Context) async throws -> DeferredBody {
        var errors: [FieldError] = []
        var filter = Self.deferredFilter(request, into: &errors)
        filter.limit = Self.pageLimit(
            request, default: InterviewRules.deferredPageSize, max: InterviewRules.deferredMaxPageSize, into: &errors)
        if let raw = Self.parameter(request, "offset") {
            if let offset = Int(raw), (0...1_000_000).contains(offset) {
                filter.offset = offset
            } else {
                errors.append(.invalid("offset", "offset must be 0 to 1000000"))
            }
        }
        try ValidationFailure.check(errors)
        let page = try await database.interviews.deferredQuestions(filter, for: context.staff!, at: actions.clock.now())
        return DeferredBody(questions: page.questions, more: page.more)
    }

    /// The deferred list's filters (`state`, `interview`); bad ones are added
    /// to `errors`.
    static func deferredFilter(_ request: Request, into errors: inout [FieldError]) -> DeferredQuestionFilter {
        var filter = DeferredQuestionFilter()
        if let raw = parameter(request, "state") {
            if let state = DeferredQuestionFilter.State(rawValue: raw) {
                filter.state = state
            } else {
                errors.append(.invalid("state", "state must be open, answered or all"))
            }
        }
        if let raw = parameter(request, "interview") {
            if let id = Int64(raw), id > 0 {
                filter.interviewID = id
            } else {
                errors.append(.invalid("interview", "interview must be an interview id"))
            }
        }
        return filter
    }

    // MARK: Live

    @Sendable func viewerShouldUpgrade(_ request: Request, context: Context) async throws -> RouterShouldUpgrade {
        // A staff cookie reveals unannounced interviews: not to other sites.
        try LiveSocket.checkOrigin(request)
        _ = try await visibleInterview(context)
        _ = try Self.since(request)
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
        let id = try Self.id(context.requestContext)
        let since = try Self.since(context.request) ?? 0
        let address = context.requestContext.clientAddress
        hub.viewerSockets.open(address)
        defer { hub.viewerSockets.close(address) }
        let room = hub.room(id)
        try await stream(room.viewers, interviewID: id, since: since, channel: context.requestContext.channel, inbound, outbound, staffCheck: nil)
    }

    /// The console socket follows the console page's rule: hosts and guests
    /// only for the interviews they run (403 at the handshake otherwise).
    @Sendable func consoleShouldUpgrade(_ request: Request, context: Context) async throws -> RouterShouldUpgrade {
        try LiveSocket.checkOrigin(request)
        try await database.interviews.checkConsoleAccess(interviewID: try Self.id(context), actor: context.staff!)
        _ = try Self.since(request)
        return .upgrade([:])
    }

    @Sendable func consoleSocket(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: WebSocketRouterContext<Context>
    ) async throws {
        let id = try Self.id(context.requestContext)
        let since = try Self.since(context.request) ?? 0
        // Checked again every few seconds: a session that ends, or a host or
        // guest taken off the interview, closes the socket.
        let session = LiveSocket.sessionStaff(context.request, database: database, clock: actions.clock)
        let database = self.database
        let staffCheck: @Sendable () async -> Bool = {
            guard let staff = await session() else { return false }
            return (try? await database.interviews.checkConsoleAccess(interviewID: id, actor: staff)) != nil
        }
        try await stream(
            hub.room(id).console, interviewID: id, since: since, channel: context.requestContext.channel, inbound, outbound,
            staffCheck: staffCheck)
    }

    /// Subscribes first, then replays from the database, then streams:
    /// together with per-room ordering this gives a gap-free,
    /// duplicate-free sequence (docs/live-protocol.md).
    private func stream(
        _ broadcaster: Broadcaster, interviewID: Int64, since: Int64, channel: (any Channel)?,
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, staffCheck: (@Sendable () async -> Bool)?
    ) async throws {
        // The close frame cannot get through a full socket; if the client
        // has not read it within 2 s, the connection is dropped.
        let subscription = broadcaster.subscribe(onOverflow: LiveSocket.closeAfterGrace(channel))
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

    // MARK: Helpers

    /// The interview, unless it is not yet announced and the caller is not
    /// staff: the public gets 404 for those.
    private func visibleInterview(_ context: Context) async throws -> Interview {
        let interview = try await database.interviews.interview(id: try Self.id(context))
        if interview.status == .scheduled && context.staff == nil {
            throw Problem(kind: .notFound, detail: "no such interview")
        }
        return interview
    }

    static func id(_ context: Context, _ name: String = "id") throws -> Int64 {
        guard let id = context.parameters.get(name, as: Int64.self), id > 0 else {
            throw Problem(kind: .notFound, detail: "no such \(name == "id" ? "interview" : name)")
        }
        return id
    }

    static func since(_ request: Request) throws -> Int64? {
        var errors: [FieldError] = []
        let since = since(request, into: &errors)
        try ValidationFailure.check(errors)
        return since
    }

    static func since(_ request: Request, into errors: inout [FieldError]) -> Int64? {
        guard let raw = parameter(request, "since") else { return nil }
        guard let since = Int64(raw), since >= 0 else {
            errors.append(.invalid("since", "since must be a sequence number (0 or more)"))
            return nil
        }
        return since
    }

    /// `limit`, from 1 to `max`.
    static func pageLimit(_ request: Request, default value: Int, max: Int, into errors: inout [FieldError]) -> Int {
        guard let raw = parameter(request, "limit") else { return value }
        guard let limit = Int(raw), (1...max).contains(limit) else {
            errors.append(.invalid("limit", "limit must be 1 to \(max)"))
            return value
        }
        return limit
    }

    /// A query parameter, trimmed; nil when absent or blank.
    static func parameter(_ request: Request, _ name: String) -> String? {
        guard let raw = request.uri.queryParameters.get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }
}

extension Interview: ResponseEncodable {}
extension PublicQuestion: ResponseEncodable {}
