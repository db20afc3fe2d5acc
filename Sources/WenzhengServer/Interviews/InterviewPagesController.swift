import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Interview pages: the public announcement, live transcript and archive
/// with the question form; the host's and guests' console; deferred
/// questions. Every form works without JavaScript: it redirects, or shows
/// its page again with why it was refused (`FormSubmission`).
struct InterviewPagesController {
    typealias Context = AppRequestContext
    let actions: InterviewActions
    let pages: PageRenderer
    let secureCookies: Bool
    /// The year's plan of interviews and open days, shown to organisers.
    let plan: AnnualPlanReader

    var database: AppDatabase { actions.database }

    func addRoutes(to router: Router<Context>) {
        router.get("/interviews", use: listPage)
        router.get("/interviews/{id}", use: interviewPage)
        for format in TranscriptFormat.allCases {
            router.get("/interviews/{id}/transcript.\(format.fileExtension)") { request, context in
                try await transcriptDownload(request, context: context, format: format)
            }
        }
        router.get("/interviews/{id}/calendar.ics", use: calendarDownload)
        router.post("/interviews/{id}/questions", use: askForm)
        router.post("/interviews/{id}/questions/{question}/vote", use: voteForm)
        router.group("/staff/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewActions.consoleRoles))
            .get(use: staffListPage)
            .get("/deferred", use: deferredPage)
            .get("/{id}", use: consolePage)
        router.group("/staff/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewActions.organisers))
            .post(use: createForm)
            .post("/{id}/status", use: statusForm)
        router.group("/staff/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewActions.onAir))
            .post("/{id}/entries", use: entryForm)
            .post("/{id}/questions/{question}/on-air", use: onAirForm)
            .post("/{id}/entries/{entry}/correct", use: correctForm)
        router.group("/staff/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewActions.withdrawers))
            .post("/{id}/entries/{entry}/unpublish", use: unpublishForm)
            .post("/{id}/entries/{entry}/republish", use: republishForm)
    }

    // MARK: Forms

    struct AskForm: Decodable {
        var text: String?
        var nickname: String?
        var contact: String?
    }

    struct CreateForm: Decodable {
        var title: String?
        var summary: String?
        var start: String?
        var minutes: Int?
        var guestName: String?
        var guestTitle: String?
        var guestDepartment: String?
        var guestUsername: String?
    }

    struct StatusForm: Decodable {
        var status: String?
    }

    struct EntryForm: Decodable {
        var kind: String?
        var body: String?
        var questionId: String?
        var guestId: String?
        /// Where to go after posting (the deferred list answers from there).
        var returnTo: String?
    }

    struct CorrectForm: Decodable {
        var body: String?
    }

    struct UnpublishForm: Decodable {
        var reason: String?
    }

    // MARK: Public pages

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let view = InterviewsView(try await database.interviews.interviews(publicOnly: true), now: actions.clock.now(), text: text)
        return try pages.render(view, title: text("interviews.title"), request: request, context: context)
    }

    @Sendable func interviewPage(_ request: Request, context: Context) async throws -> Response {
        var response = try await renderInterview(request: request, context: context)
        // The anonymous browser id that votes count against (see BrowserKeys).
        if let cookie = actions.browserKeys.resolve(request, secure: secureCookies).cookie { response.setCookie(cookie) }
        return response
    }

    /// The archive page's downloads: the published transcript in one
    /// format, as an attachment named `interview-12-transcript.md`.
    ///
    /// `no-cache` with a strong ETag of the bytes: a transcript changes
    /// after the interview (a late answer, a correction, a withdrawal), and
    /// a withdrawn text must not be served again from a cache; an
    /// unchanged one costs a 304.
    @Sendable func transcriptDownload(_ request: Request, context: Context, format: TranscriptFormat) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let data = try await actions.transcript(id, as: format)
        let tag = "\"" + SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
        var headers: HTTPFields = [
            .eTag: tag, .cacheControl: "no-cache",
            // The HTML export styles itself inline and runs nothing.
            .contentSecurityPolicy: "sandbox; default-src 'none'; style-src 'unsafe-inline'",
        ]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { ["*", tag, "W/" + tag].contains($0.trimmingCharacters(in: .whitespaces)) })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = format.mediaType
        headers[.contentDisposition] = "attachment; filename=\"\(TranscriptExport.fileName(interviewID: id, format: format))\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: data)))
    }

    /// The interview as one calendar event, for anyone who may see its
    /// page: the same UID and SEQUENCE as `wenzheng export calendar`, so a
    /// moved or cancelled interview replaces the copy in a calendar.
    @Sendable func calendarDownload(_ request: Request, context: Context) async throws -> Response {
        let interview = try await actions.visibleInterview(try InterviewRequest.id(context), to: context.staff)
        let authority = request.head.authority ?? ""
        let url = authority.isEmpty ? nil : "\(secureCookies ? "https" : "http")://\(authority)/interviews/\(interview.id)"
        let event = ICalendarEvent(interview, host: FileDownload.hostName(authority), url: url)
        let text = ICalendarWriter.write(ICalendarDocument(name: interview.title, events: [event]), stamp: interview.updatedAt)
        return FileDownload(data: Data(text.utf8), contentType: "text/calendar; charset=utf-8", filename: "interview-\(interview.id).ics")
            .response
    }

    @Sendable func askForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let form = try await request.decodeForm(AskForm.self, context: context)
        let (browserKey, cookie) = actions.browserKeys.resolve(request, secure: secureCookies)
        return try await FormSubmission.run(context: context) {
            _ = try await actions.ask(
                id, text: form.text, nickname: form.nickname, contact: form.contact, browserKey: browserKey,
                clientAddress: context.clientAddress, staff: context.staff)
            var response = Response.seeOther("/interviews/\(id)?asked=1#ask")
            if let cookie { response.setCookie(cookie) }
            return response
        } showFormAgain: { problem in
            try await renderInterview(request: request, context: context) { view, text in
                view.form = .init(text: form.text ?? "", nickname: form.nickname ?? "", contact: form.contact ?? "")
                view.error = Self.askError(problem, text: text)
            }
        }
    }

    /// Why a question was refused, in the reader's words: what to fix in
    /// it, too many questions, or an interview no longer taking them.
    static func askError(_ problem: Problem, text: PageText) -> String {
        switch problem.statusCode {
        case 422: FormErrors(problem, text: text, prefix: "interviews").messages.map(\.text).joined(separator: "；")
        case 429: text("interviews.tooMany")
        default: text("interviews.closed")
        }
    }

    @Sendable func voteForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let questionID = try InterviewRequest.id(context, "question")
        let (browserKey, cookie) = actions.browserKeys.resolve(request, secure: secureCookies)
        return try await FormSubmission.run(context: context) {
            // No vote without the signed browser cookie the page sets (see the API).
            if cookie == nil {
                _ = try await actions.vote(id, questionID: questionID, browserKey: browserKey, clientAddress: context.clientAddress)
            }
            var response = Response.seeOther("/interviews/\(id)#questions")
            if let cookie { response.setCookie(cookie) }
            return response
        } showFormAgain: { problem in
            try await renderInterview(request: request, context: context) { view, text in
                view.voteError = FormErrors(problem, text: text, prefix: "interviews").summary
            }
        }
    }

    private func renderInterview(
        request: Request, context: Context, adjust: (inout InterviewPageView, PageText) -> Void = { _, _ in }
    ) async throws -> Response {
        let interview = try await actions.visibleInterview(try InterviewRequest.id(context), to: context.staff)
        let text = pages.text(for: request)
        // A live interview opens on its newest entries, which the live
        // stream continues; a finished one reads from the start.
        let window = try InterviewRequest.window(request, default: interview.status == .live ? .latest : .after(0))
        var view = InterviewPageView(
            interview,
            transcript: try await database.interviews.transcriptPage(
                interviewID: interview.id, window, limit: InterviewRules.transcriptPageSize),
            questions: try await database.interviews.publicQuestions(interviewID: interview.id), text: text)
        view.asked = request.uri.queryParameters.get("asked") == "1"
        adjust(&view, text)
        return try pages.render(view, title: text("interviews.title"), request: request, context: context)
    }

    // MARK: Staff pages

    @Sendable func staffListPage(_ request: Request, context: Context) async throws -> Response {
        try await renderStaffList(request: request, context: context)
    }

    private func renderStaffList(
        request: Request, context: Context, form: StaffInterviewsView.CreateForm? = nil, errors: FormErrors? = nil
    ) async throws -> Response {
        let text = pages.text(for: request)
        var view = StaffInterviewsView(try await database.interviews.interviews(publicOnly: false), staff: context.staff!, text: text)
        if view.canCreate { view.plan = AnnualPlanPanel(try await plan.report(), text: text) }
        if let form { view.form = form }
        view.errors = errors
        return try pages.render(view, title: text("interviews.staff.title"), request: request, context: context)
    }

    @Sendable func createForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(CreateForm.self, context: context)
        return try await FormSubmission.run(context: context) {
            // The form's datetime-local value is Beijing time.
            guard let startText = form.start, let start = InterviewRequest.parseLocal(startText) else {
                throw Problem.validation(.invalid("start", "give the start as a date and time"))
            }
            var guests: [InterviewGuest] = []
            if let name = form.guestName, !name.trimmingCharacters(in: .whitespaces).isEmpty {
                guests.append(
                    InterviewGuest(
                        name: name, title: form.guestTitle ?? "", department: form.guestDepartment ?? "", username: form.guestUsername))
            }
            let interview = try await actions.create(
                InterviewDraft(
                    title: form.title ?? "", summary: form.summary ?? "", scheduledStart: start, plannedMinutes: form.minutes ?? 90,
                    hostUsername: nil, guests: guests),
                actor: context.staff!)
            return .seeOther("/staff/interviews/\(interview.id)")
        } showFormAgain: { problem in
            let typed = StaffInterviewsView.CreateForm(
                title: form.title ?? "", summary: form.summary ?? "", start: form.start ?? "",
                minutes: form.minutes.map(String.init) ?? "90",
                guestName: form.guestName ?? "", guestTitle: form.guestTitle ?? "", guestDepartment: form.guestDepartment ?? "",
                guestUsername: form.guestUsername ?? "")
            return try await renderStaffList(
                request: request, context: context, form: typed,
                errors: FormErrors(problem, text: pages.text(for: request), prefix: "interviews"))
        }
    }

    @Sendable func consolePage(_ request: Request, context: Context) async throws -> Response {
        try await renderConsole(request: request, context: context)
    }

    private func renderConsole(
        request: Request, context: Context, failed: InterviewConsoleView.FailedEntryForm? = nil, error: String? = nil
    ) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let interview = try await database.interviews.interview(id: id)
        let text = pages.text(for: request)
        let query = request.uri.queryParameters
        let byVotes = query.get("order") != "time"
        let staff = context.staff!
        let queue = try await database.interviews.questionQueue(interviewID: id, byVotes: byVotes, actor: staff)
        // Withdrawn text is shown to those who may read citizens' text as
        // written: it was withdrawn because of what it says.
        let readsWithdrawn = PersonalInformationAccess.mayReadUnmasked(
            staff.role, answersTheText: interview.hostUsername != nil && interview.hostUsername == staff.username)
        let transcript = try await database.interviews.transcriptPage(
            interviewID: id, try InterviewRequest.window(request, default: .latest), limit: InterviewRules.transcriptPageSize,
            reader: .staff(readsWithdrawnText: readsWithdrawn))
        var view = InterviewConsoleView(
            interview, queue: queue, byVotes: byVotes, transcript: transcript, staff: staff, failed: failed, text: text)
        let notice = query.get("notice").map { String($0) }
        view.notice = pages.notice(notice, in: "interviews.notices", language: text.language)
        // What masking changed in a correction, by kind (fixed words only).
        let kinds = (query.get("masked") ?? "").split(separator: ",").compactMap { PersonalInformationMatch.Kind(rawValue: String($0)) }
        if notice == "corrected" || notice == "republished", !kinds.isEmpty {
            view.maskedNotice =
                text("interviews.notices.correctedMasked")
                + kinds.map { text("moderation.pii.\($0.rawValue)") }.joined(separator: "、")
        }
        view.error = error
        return try pages.render(view, title: text("interviews.console.title"), request: request, context: context)
    }

    /// Runs a console form and redirects; a refusal shows the console again
    /// with why: each field's message, else the problem's own detail.
    private func consoleForm(
        _ request: Request, context: Context, _ action: () async throws -> String
    ) async throws -> Response {
        try await FormSubmission.run(context: context) {
            .seeOther(try await action())
        } showFormAgain: { problem in
            try await renderConsole(request: request, context: context, error: Self.errorLine(problem, text: pages.text(for: request)))
        }
    }

    /// A refused staff form as one line: each field's message in the
    /// reader's language, else the problem's own detail.
    static func errorLine(_ problem: Problem, text: PageText) -> String {
        let errors = FormErrors(problem, text: text, prefix: "interviews")
        guard !errors.messages.isEmpty else { return problem.detail ?? errors.summary }
        return errors.messages.map(\.text).joined(separator: "；")
    }

    @Sendable func deferredPage(_ request: Request, context: Context) async throws -> Response {
        try await renderDeferred(request: request, context: context)
    }

    private func renderDeferred(request: Request, context: Context, error: String? = nil) async throws -> Response {
        var errors: [FieldError] = []
        var filter = InterviewRequest.deferredFilter(request, into: &errors)
        var page = 1
        if let raw = InterviewRequest.parameter(request, "page") {
            if let number = Int(raw), (1...10_000).contains(number) {
                page = number
            } else {
                errors.append(.invalid("page", "page must be a number from 1"))
            }
        }
        try ValidationFailure.check(errors)
        filter.offset = (page - 1) * InterviewRules.deferredPageSize
        let result = try await database.interviews.deferredQuestions(filter, for: context.staff!, at: actions.clock.now())
        let text = pages.text(for: request)
        var view = DeferredQuestionsView(result.questions, filter: filter, page: page, more: result.more, staff: context.staff!, text: text)
        view.error = error
        return try pages.render(view, title: text("interviews.deferred.title"), request: request, context: context)
    }

    @Sendable func statusForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let form = try await request.decodeForm(StatusForm.self, context: context)
        return try await consoleForm(request, context: context) {
            guard let status = form.status.flatMap(InterviewStatus.init(rawValue:)) else {
                throw Problem.validation(.invalid("status", "unknown status"))
            }
            _ = try await actions.changeStatus(id, to: status, actor: context.staff!)
            return "/staff/interviews/\(id)?notice=\(status.rawValue)"
        }
    }

    /// A remark or an answer from the console, or a late answer from the
    /// deferred list (which the form returns to, refused or not).
    @Sendable func entryForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let form = try await request.decodeForm(EntryForm.self, context: context)
        let kind: TranscriptEntryKind = form.kind == "answer" ? .answer : .remark
        let target = localRedirectTarget(form.returnTo, fallback: "/staff/interviews/\(id)?notice=posted")
        let post: () async throws -> String = {
            _ = try await actions.post(
                id, kind: kind, body: form.body ?? "", author: kind == .remark ? .host : .guest(id: form.guestId.flatMap { Int64($0) }),
                questionID: form.questionId.flatMap { Int64($0) }, actor: context.staff!)
            return target
        }
        guard target.hasPrefix("/staff/interviews/deferred") else { return try await consoleForm(request, context: context, post) }
        return try await FormSubmission.run(context: context) {
            .seeOther(try await post())
        } showFormAgain: { problem in
            try await renderDeferred(request: request, context: context, error: Self.errorLine(problem, text: pages.text(for: request)))
        }
    }

    @Sendable func onAirForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let questionID = try InterviewRequest.id(context, "question")
        return try await consoleForm(request, context: context) {
            _ = try await actions.putOnAir(id, questionID: questionID, actor: context.staff!)
            return "/staff/interviews/\(id)?notice=onAir"
        }
    }

    @Sendable func correctForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let entryID = try InterviewRequest.id(context, "entry")
        let form = try await request.decodeForm(CorrectForm.self, context: context)
        return try await consoleForm(request, context: context) {
            let correction = try await actions.correct(id, entryID: entryID, body: form.body ?? "", actor: context.staff!)
            // The console then says what masking changed (kinds only).
            return "/staff/interviews/\(id)?notice=corrected\(Self.maskedQuery(correction.masked))#entry-\(entryID)"
        }
    }

    /// `&masked=mobile,email` for the kinds masking changed, or nothing.
    static func maskedQuery(_ spans: [MaskedSpan]) -> String {
        let masked = Array(Set(spans.map(\.kind.rawValue))).sorted().joined(separator: ",")
        return masked.isEmpty ? "" : "&masked=\(masked)"
    }

    // MARK: Withdrawals (admins)

    /// Withdraws an entry; a refused form comes back open with the error.
    @Sendable func unpublishForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let entryID = try InterviewRequest.id(context, "entry")
        let form = try await request.decodeForm(UnpublishForm.self, context: context)
        let failed = InterviewConsoleView.FailedEntryForm(entryID: entryID, action: .unpublish, text: form.reason ?? "")
        return try await withdrawalForm(request, context: context, failed: failed) {
            _ = try await actions.unpublish(id, entryID: entryID, reason: form.reason ?? "", actor: context.staff!)
            return "/staff/interviews/\(id)?notice=unpublished#entry-\(entryID)"
        }
    }

    /// Publishes a withdrawn entry again with its corrected text; the
    /// console then says what masking changed.
    @Sendable func republishForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewRequest.id(context)
        let entryID = try InterviewRequest.id(context, "entry")
        let form = try await request.decodeForm(CorrectForm.self, context: context)
        let failed = InterviewConsoleView.FailedEntryForm(entryID: entryID, action: .republish, text: form.body ?? "")
        return try await withdrawalForm(request, context: context, failed: failed) {
            let republished = try await actions.republish(id, entryID: entryID, body: form.body ?? "", actor: context.staff!)
            return "/staff/interviews/\(id)?notice=republished\(Self.maskedQuery(republished.masked))#entry-\(entryID)"
        }
    }

    /// Runs a withdrawal form's action and redirects, or shows the console
    /// again with the form open, what was typed, and why
    /// (`WithdrawalViews`, as for letters).
    private func withdrawalForm(
        _ request: Request, context: Context, failed: InterviewConsoleView.FailedEntryForm, _ action: () async throws -> String
    ) async throws -> Response {
        try await FormSubmission.run(context: context) {
            .seeOther(try await action())
        } showFormAgain: { problem in
            let text = pages.text(for: request)
            return try await renderConsole(
                request: request, context: context, failed: failed,
                error: WithdrawalViews.problemMessage(problem, language: text.language, pages: pages))
        }
    }
}
