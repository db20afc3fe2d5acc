import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Online interviews over JSON: the public reads and asks; hosts and guests
/// run the interview; admins withdraw entries. (Viewers watch it live
/// through `InterviewLiveController`.)
struct InterviewsAPIController {
    typealias Context = AppRequestContext
    let actions: InterviewActions
    let secureCookies: Bool

    var database: AppDatabase { actions.database }

    func addRoutes(to router: Router<Context>) {
        // Public
        router.get("/api/v1/interviews", use: list)
        router.get("/api/v1/interviews/{id}", use: detail)
        router.get("/api/v1/interviews/{id}/transcript", use: transcript)
        router.get("/api/v1/interviews/{id}/questions", use: questions)
        router.post("/api/v1/interviews/{id}/questions", use: ask)
        router.post("/api/v1/interviews/{id}/questions/{question}/vote", use: vote)
        // Organisers
        router.group("/api/v1/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewActions.organisers))
            .post(use: create)
            .put("/{id}", use: update)
            .post("/{id}/status", use: changeStatus)
        // On air
        router.group("/api/v1/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewActions.onAir))
            .get("/{id}/queue", use: queue)
            .post("/{id}/questions/{question}/on-air", use: putOnAir)
            .post("/{id}/entries", use: postEntry)
            .post("/{id}/entries/{entry}/corrections", use: correct)
        // Withdrawal (admins)
        router.group("/api/v1/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewActions.withdrawers))
            .post("/{id}/entries/{entry}/unpublish", use: unpublish)
            .post("/{id}/entries/{entry}/republish", use: republish)
        router.group("/api/v1/deferred-questions")
            .add(middleware: RequireRoleMiddleware(InterviewActions.consoleRoles))
            .get(use: deferred)
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
        InterviewList(
            interviews: try await database.interviews.interviews(publicOnly: context.staff == nil).map {
                Self.visible($0, to: context.staff)
            })
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> Interview {
        Self.visible(try await actions.visibleInterview(try InterviewRequest.id(context), to: context.staff), to: context.staff)
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
        let since = InterviewRequest.since(request, into: &errors)
        let limit = InterviewRequest.pageLimit(
            request, default: InterviewRules.transcriptPageSize, max: InterviewRules.transcriptMaxPageSize, into: &errors)
        try ValidationFailure.check(errors)
        let interview = try await actions.visibleInterview(try InterviewRequest.id(context), to: context.staff)
        let page = try await database.interviews.transcriptPage(interviewID: interview.id, .after(since ?? 0), limit: limit)
        return TranscriptBody(interview: Self.visible(interview, to: context.staff), entries: page.entries, more: page.hasLater)
    }

    @Sendable func questions(_ request: Request, context: Context) async throws -> QuestionList {
        let interview = try await actions.visibleInterview(try InterviewRequest.id(context), to: context.staff)
        return QuestionList(questions: try await database.interviews.publicQuestions(interviewID: interview.id))
    }

    /// A citizen's question. The interview is checked where the question
    /// is stored (`InterviewActions.ask`), not read beforehand.
    @Sendable func ask(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let body = try await request.decodeJSON(AskBody.self, context: context)
        let (browserKey, cookie) = actions.browserKeys.resolve(request, secure: secureCookies)
        let question = try await actions.ask(
            id, text: body.text, nickname: body.nickname, contact: body.contact, browserKey: browserKey,
            clientAddress: context.clientAddress, staff: context.staff)
        var response = try EditedResponse(status: .created, response: question).response(from: request, context: context)
        if let cookie { response.setCookie(cookie) }
        return response
    }

    @Sendable func vote(_ request: Request, context: Context) async throws -> Response {
        let interview = try await actions.visibleInterview(try InterviewRequest.id(context), to: context.staff)
        let questionID = try InterviewRequest.id(context, "question")
        let (browserKey, cookie) = actions.browserKeys.resolve(request, secure: secureCookies)
        // A browser without our signed cookie yet gets one but no vote:
        // otherwise a client that drops or invents cookies could vote
        // without end.
        let result =
            cookie == nil
            ? try await actions.vote(interview.id, questionID: questionID, browserKey: browserKey, clientAddress: context.clientAddress)
            : (
                votes: try await database.interviews.publicQuestions(interviewID: interview.id).first { $0.id == questionID }?.votes ?? 0,
                counted: false
            )
        var response = try VoteResult(votes: result.votes, counted: result.counted).response(from: request, context: context)
        if let cookie { response.setCookie(cookie) }
        return response
    }

    // MARK: Organisers

    @Sendable func create(_ request: Request, context: Context) async throws -> EditedResponse<Interview> {
        let body = try await request.decodeJSON(DraftBody.self, context: context)
        let interview = try await actions.create(try body.draft(), actor: context.staff!)
        return EditedResponse(status: .created, headers: [.location: "/api/v1/interviews/\(interview.id)"], response: interview)
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Interview {
        let body = try await request.decodeJSON(DraftBody.self, context: context)
        return try await actions.update(try InterviewRequest.id(context), try body.draft(), actor: context.staff!)
    }

    @Sendable func changeStatus(_ request: Request, context: Context) async throws -> Interview {
        let body = try await request.decodeJSON(StatusBody.self, context: context)
        guard let raw = body.status else { throw Problem.validation(.required("status")) }
        guard let status = InterviewStatus(rawValue: raw) else {
            throw Problem.validation(
                .invalid("status", "status must be one of \(InterviewStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        return try await actions.changeStatus(try InterviewRequest.id(context), to: status, actor: context.staff!)
    }

    // MARK: On air

    @Sendable func queue(_ request: Request, context: Context) async throws -> QueueBody {
        let order = request.uri.queryParameters.get("order") ?? "votes"
        guard order == "votes" || order == "time" else {
            throw Problem.validation(.invalid("order", "order must be votes or time"))
        }
        return QueueBody(
            questions: try await database.interviews.questionQueue(
                interviewID: try InterviewRequest.id(context), byVotes: order == "votes", actor: context.staff!))
    }

    @Sendable func putOnAir(_ request: Request, context: Context) async throws -> EventBody {
        EventBody(
            try await actions.putOnAir(
                try InterviewRequest.id(context), questionID: try InterviewRequest.id(context, "question"), actor: context.staff!))
    }

    @Sendable func postEntry(_ request: Request, context: Context) async throws -> EditedResponse<EventBody> {
        let body = try await request.decodeJSON(EntryBody.self, context: context)
        guard let rawKind = body.kind else { throw Problem.validation(.required("kind")) }
        guard let kind = TranscriptEntryKind(rawValue: rawKind), kind == .remark || kind == .answer else {
            throw Problem.validation(.invalid("kind", "kind must be remark or answer"))
        }
        let event = try await actions.post(
            try InterviewRequest.id(context), kind: kind, body: body.body ?? "",
            author: kind == .remark ? .host : .guest(id: body.guestId), questionID: body.questionId, actor: context.staff!)
        return EditedResponse(status: .created, response: EventBody(event))
    }

    @Sendable func correct(_ request: Request, context: Context) async throws -> EventBody {
        try await newText(request, context: context, actions.correct)
    }

    /// An entry's new text, a correction or a republication: published, and
    /// answered with what masking changed in it.
    private func newText(
        _ request: Request, context: Context,
        _ publish: (Int64, _ entryID: Int64, _ body: String, _ actor: AuthenticatedStaff) async throws -> PublishedCorrection
    ) async throws -> EventBody {
        let body = try await request.decodeJSON(CorrectionBody.self, context: context)
        let published = try await publish(
            try InterviewRequest.id(context), try InterviewRequest.id(context, "entry"), body.body ?? "", context.staff!)
        return EventBody(published.event, masked: published.masked)
    }

    // MARK: Withdrawal

    /// Takes an entry off the public transcript, the API and the live
    /// stream; `reason` is required.
    @Sendable func unpublish(_ request: Request, context: Context) async throws -> EventBody {
        let body = try await request.decodeJSON(UnpublishBody.self, context: context)
        return EventBody(
            try await actions.unpublish(
                try InterviewRequest.id(context), entryID: try InterviewRequest.id(context, "entry"), reason: body.reason ?? "",
                actor: context.staff!))
    }

    /// Publishes a withdrawn entry again with the corrected `body`, masked.
    @Sendable func republish(_ request: Request, context: Context) async throws -> EventBody {
        try await newText(request, context: context, actions.republish)
    }

    /// `state=open|answered|all` (default all), `interview=<id>`,
    /// `limit` (default 50, at most 200), `offset`.
    @Sendable func deferred(_ request: Request, context: Context) async throws -> DeferredBody {
        var errors: [FieldError] = []
        var filter = InterviewRequest.deferredFilter(request, into: &errors)
        filter.limit = InterviewRequest.pageLimit(
            request, default: InterviewRules.deferredPageSize, max: InterviewRules.deferredMaxPageSize, into: &errors)
        if let raw = InterviewRequest.parameter(request, "offset") {
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
}

extension Interview: ResponseEncodable {}
extension PublicQuestion: ResponseEncodable {}
