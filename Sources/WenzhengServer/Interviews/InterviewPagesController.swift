import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Interview pages: the public announcement, live transcript and archive
/// with the question form; the host's and guests' console; deferred
/// questions. Every form works without JavaScript.
struct InterviewPagesController {
    typealias Context = AppRequestContext
    let actions: InterviewActions
    let pages: PageRenderer
    let secureCookies: Bool

    var database: AppDatabase { actions.database }

    func addRoutes(to router: Router<Context>) {
        router.get("/interviews", use: listPage)
        router.get("/interviews/{id}", use: interviewPage)
        router.post("/interviews/{id}/questions", use: askForm)
        router.post("/interviews/{id}/questions/{question}/vote", use: voteForm)
        router.group("/staff/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewsController.consoleRoles))
            .get(use: staffListPage)
            .get("/deferred", use: deferredPage)
            .get("/{id}", use: consolePage)
        router.group("/staff/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewsController.organisers))
            .post(use: createForm)
            .post("/{id}/status", use: statusForm)
        router.group("/staff/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewsController.onAir))
            .post("/{id}/entries", use: entryForm)
            .post("/{id}/questions/{question}/on-air", use: onAirForm)
            .post("/{id}/entries/{entry}/correct", use: correctForm)
        router.group("/staff/interviews")
            .add(middleware: RequireRoleMiddleware(InterviewsController.withdrawers))
            .post("/{id}/entries/{entry}/unpublish", use: unpublishForm)
            .post("/{id}/entries/{entry}/republish", use: republishForm)
    }

    // MARK: Public pages

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let interviews = try await database.interviews.interviews(publicOnly: true)
        let upcoming = interviews.filter { $0.status == .open || $0.status == .live }.reversed().map { InterviewViews.summary($0, language: language, pages: pages) }
        let past = interviews.filter { $0.status == .ended || $0.status == .published }.map { InterviewViews.summary($0, language: language, pages: pages) }
        return try pages.render(
            "interviews", titleKey: "interviews.title",
            data: ["upcoming": Array(upcoming), "past": past, "noUpcoming": upcoming.isEmpty, "noPast": past.isEmpty],
            request: request, context: context)
    }

    @Sendable func interviewPage(_ request: Request, context: Context) async throws -> Response {
        var response = try await renderInterview(request: request, context: context)
        // The anonymous browser id that votes count against (see BrowserKeys).
        if let cookie = actions.browserKeys.resolve(request, secure: secureCookies).cookie { response.setCookie(cookie) }
        return response
    }

    struct AskForm: Decodable {
        var text: String?
        var nickname: String?
        var contact: String?
    }

    @Sendable func askForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let form = try await request.decodeForm(AskForm.self, context: context)
        let (browserKey, cookie) = actions.browserKeys.resolve(request, secure: secureCookies)
        do {
            let interview = try await database.interviews.interview(id: id)
            guard interview.status != .scheduled || context.staff != nil else { throw Problem(kind: .notFound) }
            _ = try await actions.ask(
                id, text: form.text, nickname: form.nickname, contact: form.contact, browserKey: browserKey,
                clientAddress: context.clientAddress)
            var response = Response.seeOther("/interviews/\(id)?asked=1#ask")
            if let cookie { response.setCookie(cookie) }
            return response
        } catch let problem as Problem where [409, 422, 429].contains(problem.statusCode) {
            return try await renderInterview(request: request, context: context, form: form, problem: problem)
        } catch let failure as ValidationFailure {
            return try await renderInterview(request: request, context: context, form: form, problem: .validation(failure))
        } catch let error as StoreError {
            if case .notFound = error { throw error }
            return try await renderInterview(
                request: request, context: context, form: form, problem: ErrorMiddleware.problem(for: error, context: context))
        }
    }

    @Sendable func voteForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let (browserKey, cookie) = actions.browserKeys.resolve(request, secure: secureCookies)
        // No vote without the signed browser cookie the page sets (see the API).
        if cookie == nil {
            _ = try await actions.vote(
                id, questionID: try InterviewsController.id(context, "question"), browserKey: browserKey,
                clientAddress: context.clientAddress)
        }
        var response = Response.seeOther("/interviews/\(id)#questions")
        if let cookie { response.setCookie(cookie) }
        return response
    }

    private func renderInterview(request: Request, context: Context, form: AskForm? = nil, problem: Problem? = nil) async throws -> Response {
        let id = try InterviewsController.id(context)
        let interview = try await database.interviews.interview(id: id)
        if interview.status == .scheduled && context.staff == nil {
            throw Problem(kind: .notFound, detail: "no such interview")
        }
        let language = pages.language(for: request)
        // A live interview opens on its newest entries, which the live
        // stream continues; a finished one reads from the start.
        let window = try InterviewViews.window(request, default: interview.status == .live ? .latest : .after(0))
        let transcript = try await database.interviews.transcriptPage(interviewID: id, window, limit: InterviewRules.transcriptPageSize)
        let entries = transcript.entries
        let questions = try await database.interviews.publicQuestions(interviewID: id)
        var data = InterviewViews.summary(interview, language: language, pages: pages)
        data["summaryText"] = interview.summary
        data["guests"] = interview.guests.map { ["name": $0.name, "title": $0.title, "department": $0.department] }
        data["host"] = interview.host ?? ""
        data["acceptsQuestions"] = interview.status.acceptsQuestions
        data["showTranscript"] = interview.status != .open && interview.status != .scheduled
        data["isLive"] = interview.status == .live
        // Only the newest page follows the live stream.
        data["followsLive"] = interview.status == .live && !transcript.hasLater
        let askedOn = Dictionary(questions.map { ($0.id, CivilDate($0.createdAt).description) }, uniquingKeysWith: { first, _ in first })
        data["entries"] = entries.map { entry in
            var view = InterviewViews.entry(entry, language: language, pages: pages)
            if entry.late { view["receivedOn"] = entry.questionId.flatMap { askedOn[$0] } ?? "" }
            return view
        }
        data["noEntries"] = entries.isEmpty
        InterviewViews.addTranscriptLinks(transcript, base: "/interviews/\(id)", anchor: "#transcript", to: &data)
        data["lastSeq"] = interview.lastSeq
        data["questions"] = questions.filter { $0.state != .deferred }.map { question -> [String: Any] in
            [
                "id": question.id, "text": question.text, "nickname": question.nickname, "votes": question.votes,
                "stateName": pages.translate("interviews.questionStates.\(question.state.rawValue)", language: language),
                "votable": question.state == .approved || question.state == .onAir,
            ]
        }
        data["noQuestions"] = questions.filter { $0.state != .deferred }.isEmpty
        let deferred = questions.filter { $0.state == .deferred }
        data["deferred"] = deferred.map { ["text": $0.text, "nickname": $0.nickname, "due": $0.replyDueOn ?? ""] }
        data["hasDeferred"] = !deferred.isEmpty
        data["asked"] = request.uri.queryParameters.get("asked") == "1"
        data["maxQuestion"] = InterviewRules.questionMaxLength
        data["form"] = ["text": form?.text ?? "", "nickname": form?.nickname ?? "", "contact": form?.contact ?? ""]
        if let problem {
            data["error"] = problem.statusCode == 422
                ? (problem.errors ?? []).map { InterviewViews.fieldMessage($0, language: language, pages: pages) }.joined(separator: "；")
                : (problem.statusCode == 429 ? pages.translate("interviews.tooMany", language: language)
                    : pages.translate("interviews.closed", language: language))
        }
        return try pages.render(
            "interview", titleKey: "interviews.title", data: data, status: problem?.status ?? .ok, request: request, context: context)
    }

    // MARK: Staff pages

    @Sendable func staffListPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let interviews = try await database.interviews.interviews(publicOnly: false).map { InterviewViews.summary($0, language: language, pages: pages) }
        return try pages.render(
            "staff-interviews", titleKey: "interviews.staff.title",
            data: [
                "interviews": interviews, "empty": interviews.isEmpty,
                "canCreate": InterviewsController.organisers.contains(context.staff!.role),
            ],
            request: request, context: context)
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

    @Sendable func createForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(CreateForm.self, context: context)
        // The form's datetime-local value is Beijing time.
        guard let startText = form.start, let start = InterviewViews.parseLocal(startText) else {
            throw Problem.validation(.invalid("start", "give the start as a date and time"))
        }
        var guests: [InterviewGuest] = []
        if let name = form.guestName, !name.trimmingCharacters(in: .whitespaces).isEmpty {
            guests.append(InterviewGuest(name: name, title: form.guestTitle ?? "", department: form.guestDepartment ?? "", username: form.guestUsername))
        }
        let interview = try await database.interviews.createInterview(
            InterviewDraft(
                title: form.title ?? "", summary: form.summary ?? "", scheduledStart: start, plannedMinutes: form.minutes ?? 90,
                hostUsername: nil, guests: guests),
            actor: context.staff!, at: actions.clock.now())
        return .seeOther("/staff/interviews/\(interview.id)")
    }

    @Sendable func consolePage(_ request: Request, context: Context) async throws -> Response {
        try await renderConsole(request: request, context: context)
    }

    /// A withdrawal or republication form that was refused: which entry, the
    /// text typed, and why.
    struct FailedEntryForm {
        var entryID: Int64
        var action: String
        var text: String
        var problem: Problem
    }

    private func renderConsole(request: Request, context: Context, failed: FailedEntryForm? = nil) async throws -> Response {
        let id = try InterviewsController.id(context)
        let interview = try await database.interviews.interview(id: id)
        let language = pages.language(for: request)
        let byVotes = request.uri.queryParameters.get("order") != "time"
        let staff = context.staff!
        let queue = try await database.interviews.questionQueue(interviewID: id, byVotes: byVotes, actor: staff)
        // Withdrawn text is shown to those who may read citizens' text as
        // written: it was withdrawn because of what it says.
        let readsWithdrawn = PersonalInformationAccess.mayReadUnmasked(
            staff.role, hostsTheInterview: interview.hostUsername != nil && interview.hostUsername == staff.username)
        let transcript = try await database.interviews.transcriptPage(
            interviewID: id, try InterviewViews.window(request, default: .latest), limit: InterviewRules.transcriptPageSize,
            reader: .staff(readsWithdrawnText: readsWithdrawn))
        let entries = transcript.entries
        var data = InterviewViews.summary(interview, language: language, pages: pages)
        data["guests"] = interview.guests.map { ["id": $0.id ?? 0, "name": $0.name, "title": $0.title] }
        data["queue"] = queue.map { question -> [String: Any] in
            [
                "id": question.id, "text": question.text,
                "segments": InterviewViews.segments(question, language: language, pages: pages),
                "nickname": InterviewRules.publicNickname(question.nickname),
                "votes": question.votes, "onAir": question.state == .onAir,
            ]
        }
        data["queueEmpty"] = queue.isEmpty
        data["byVotes"] = byVotes
        let canWithdraw = InterviewsController.withdrawers.contains(staff.role)
        data["entries"] = entries.reversed().map { entry -> [String: Any] in
            var view = InterviewViews.entry(entry, language: language, pages: pages)
            InterviewViews.addWithdrawal(
                transcript.withdrawals[entry.id], to: &view, entry: entry, canWithdraw: canWithdraw, failed: failed, language: language,
                pages: pages)
            return view
        }
        // Newest first: "earlier" pages down the list; a page that is not
        // the newest does not take live entries.
        data["followsLive"] = !transcript.hasLater
        InterviewViews.addTranscriptLinks(transcript, base: "/staff/interviews/\(id)", anchor: "#console-transcript", to: &data)
        data["lastSeq"] = interview.lastSeq
        data["isLive"] = interview.status == .live
        data["canOrganise"] = InterviewsController.organisers.contains(staff.role)
        data["canRemark"] = staff.role == .host || staff.role == .admin
        data["canAnswer"] = InterviewsController.onAir.contains(staff.role)
        data["canPutOnAir"] = staff.role == .host || staff.role == .admin
        data["nextStatuses"] = interview.status.next.sorted { $0.rawValue < $1.rawValue }.map { status -> [String: Any] in
            ["value": status.rawValue, "name": pages.translate("interviews.actions.\(status.rawValue)", language: language)]
        }
        let notice = request.uri.queryParameters.get("notice").map { String($0) }
        data["notice"] = pages.notice(notice, in: "interviews.notices", language: language)
        // What masking changed in a correction, by kind (fixed words only).
        let kinds = (request.uri.queryParameters.get("masked") ?? "").split(separator: ",")
            .compactMap { PersonalInformationMatch.Kind(rawValue: String($0)) }
        if notice == "corrected" || notice == "republished", !kinds.isEmpty {
            data["maskedNotice"] = pages.translate("interviews.notices.correctedMasked", language: language)
                + kinds.map { pages.translate("moderation.pii.\($0.rawValue)", language: language) }.joined(separator: "、")
        }
        if let failed {
            data["error"] = InterviewViews.problemMessage(failed.problem, language: language, pages: pages)
        }
        return try pages.render(
            "interview-console", titleKey: "interviews.console.title", data: data, status: failed?.problem.status ?? .ok,
            request: request, context: context)
    }

    @Sendable func deferredPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        var errors: [FieldError] = []
        var filter = InterviewsController.deferredFilter(request, into: &errors)
        var page = 1
        if let raw = InterviewsController.parameter(request, "page") {
            if let number = Int(raw), (1...10_000).contains(number) {
                page = number
            } else {
                errors.append(.invalid("page", "page must be a number from 1"))
            }
        }
        try ValidationFailure.check(errors)
        filter.offset = (page - 1) * InterviewRules.deferredPageSize
        let result = try await database.interviews.deferredQuestions(filter, for: context.staff!, at: actions.clock.now())
        let rows = result.questions.map { InterviewViews.deferredRow($0, language: language, pages: pages) }
        var data: [String: Any] = [
            "questions": rows, "empty": rows.isEmpty, "canAnswer": InterviewsController.onAir.contains(context.staff!.role),
            "states": DeferredQuestionFilter.State.allCases.map { state -> [String: Any] in
                [
                    "value": state.rawValue, "name": pages.translate("interviews.deferred.states.\(state.rawValue)", language: language),
                    "selected": state == filter.state,
                ]
            },
        ]
        let base: [(String, String)] = [
            ("state", filter.state == .all ? "" : filter.state.rawValue), ("interview", filter.interviewID.map(String.init) ?? ""),
        ]
        if page > 1 { data["prevURL"] = "/staff/interviews/deferred" + MailboxOfficeViews.query(base + [("page", String(page - 1))]) }
        if result.more { data["nextURL"] = "/staff/interviews/deferred" + MailboxOfficeViews.query(base + [("page", String(page + 1))]) }
        return try pages.render("deferred-questions", titleKey: "interviews.deferred.title", data: data, request: request, context: context)
    }

    struct StatusForm: Decodable {
        var status: String?
    }

    @Sendable func statusForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let form = try await request.decodeForm(StatusForm.self, context: context)
        guard let status = form.status.flatMap(InterviewStatus.init(rawValue:)) else {
            throw Problem.validation(.invalid("status", "unknown status"))
        }
        _ = try await actions.changeStatus(id, to: status, actor: context.staff!)
        return .seeOther("/staff/interviews/\(id)?notice=\(status.rawValue)")
    }

    struct EntryForm: Decodable {
        var kind: String?
        var body: String?
        var questionId: String?
        var guestId: String?
        var returnTo: String?
    }

    @Sendable func entryForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let form = try await request.decodeForm(EntryForm.self, context: context)
        let kind: TranscriptEntryKind = form.kind == "answer" ? .answer : .remark
        let questionID = form.questionId.flatMap { Int64($0) }
        let guestID = form.guestId.flatMap { Int64($0) }
        _ = try await actions.post(
            id, kind: kind, body: form.body ?? "", author: kind == .remark ? .host : .guest(id: guestID), questionID: questionID,
            actor: context.staff!)
        return .seeOther(localRedirectTarget(form.returnTo, fallback: "/staff/interviews/\(id)?notice=posted"))
    }

    @Sendable func onAirForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        guard context.staff!.role != .guest else { throw Problem(kind: .forbidden, detail: "the host puts questions on air") }
        _ = try await actions.putOnAir(id, questionID: try InterviewsController.id(context, "question"), actor: context.staff!)
        return .seeOther("/staff/interviews/\(id)?notice=onAir")
    }

    struct CorrectForm: Decodable {
        var body: String?
    }

    struct UnpublishForm: Decodable {
        var reason: String?
    }

    /// Withdraws an entry (admins); a refused form comes back with the error.
    @Sendable func unpublishForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let entryID = try InterviewsController.id(context, "entry")
        let form = try await request.decodeForm(UnpublishForm.self, context: context)
        return try await withdrawalForm(request, context: context, entryID: entryID, action: "unpublish", text: form.reason ?? "") {
            _ = try await actions.unpublish(id, entryID: entryID, reason: form.reason ?? "", actor: context.staff!)
            return "/staff/interviews/\(id)?notice=unpublished#entry-\(entryID)"
        }
    }

    /// Publishes a withdrawn entry again with its corrected text (admins);
    /// the console then says what masking changed.
    @Sendable func republishForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let entryID = try InterviewsController.id(context, "entry")
        let form = try await request.decodeForm(CorrectForm.self, context: context)
        return try await withdrawalForm(request, context: context, entryID: entryID, action: "republish", text: form.body ?? "") {
            let republished = try await actions.republish(id, entryID: entryID, body: form.body ?? "", actor: context.staff!)
            let masked = Array(Set(republished.masked.map(\.kind.rawValue))).sorted().joined(separator: ",")
            return "/staff/interviews/\(id)?notice=republished\(masked.isEmpty ? "" : "&masked=\(masked)")#entry-\(entryID)"
        }
    }

    /// Runs a withdrawal form's action and redirects, or shows the console
    /// again with the error and what was typed (409, 422).
    private func withdrawalForm(
        _ request: Request, context: Context, entryID: Int64, action: String, text: String,
        _ perform: () async throws -> String
    ) async throws -> Response {
        do {
            return .seeOther(try await perform())
        } catch let error {
            let problem = ErrorMiddleware.problem(for: error, context: context)
            guard [409, 422].contains(problem.statusCode) else { throw error }
            return try await renderConsole(
                request: request, context: context, failed: FailedEntryForm(entryID: entryID, action: action, text: text, problem: problem))
        }
    }

    @Sendable func correctForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let form = try await request.decodeForm(CorrectForm.self, context: context)
        let entryID = try InterviewsController.id(context, "entry")
        let correction = try await actions.correct(id, entryID: entryID, body: form.body ?? "", actor: context.staff!)
        // The console then says what masking changed (kinds only).
        let masked = Array(Set(correction.masked.map(\.kind.rawValue))).sorted().joined(separator: ",")
        return .seeOther("/staff/interviews/\(id)?notice=corrected\(masked.isEmpty ? "" : "&masked=\(masked)")#entry-\(entryID)")
    }
}

/// What interview templates show.
enum InterviewViews {
    static func summary(_ interview: Interview, language: Language, pages: PageRenderer) -> [String: Any] {
        [
            "id": interview.id,
            "title": interview.title,
            "status": interview.status.rawValue,
            "statusName": pages.translate("interviews.statuses.\(interview.status.rawValue)", language: language),
            "start": OfficeTime.minute(interview.scheduledStart),
            "minutes": interview.plannedMinutes,
            "guestNames": interview.guests.map { $0.title.isEmpty ? $0.name : "\($0.title) \($0.name)" }.joined(separator: "、"),
        ]
    }

    static func entry(_ entry: TranscriptEntry, language: Language, pages: PageRenderer) -> [String: Any] {
        let system = entry.kind == .system
        return [
            "id": entry.id,
            "seq": entry.seq,
            "kind": entry.kind.rawValue,
            "author": entry.author,
            "authorTitle": entry.authorTitle ?? "",
            "body": system ? pages.translate("interviews.system.\(entry.body)", language: language) : entry.body,
            "isSystem": system,
            "time": OfficeTime.minute(entry.createdAt),
            "late": entry.late,
            "corrected": entry.version > 1,
            "withdrawn": entry.withdrawn,
            // 补录: 答复日期 and 答复部门 (受理日期 is the question's, added by the page).
            "answeredOn": CivilDate(entry.createdAt).description,
            "department": entry.department ?? "",
        ]
    }

    /// The console's view of an entry's withdrawal: who, when, why, whether
    /// the text is shown, and the forms an admin gets (a refused one filled
    /// in again with its error).
    static func addWithdrawal(
        _ withdrawal: PublicationWithdrawal?, to view: inout [String: Any], entry: TranscriptEntry, canWithdraw: Bool,
        failed: InterviewPagesController.FailedEntryForm?, language: Language, pages: PageRenderer
    ) {
        let system = entry.kind == .system
        view["canCorrect"] = !system && !entry.withdrawn
        view["canUnpublish"] = canWithdraw && !system && !entry.withdrawn
        view["canRepublish"] = canWithdraw && entry.withdrawn
        view["showsText"] = !entry.withdrawn || !entry.body.isEmpty
        if let withdrawal {
            view["withdrawnBy"] = withdrawal.withdrawnBy
            view["withdrawnAt"] = OfficeTime.minute(withdrawal.withdrawnAt)
            view["withdrawalReason"] = withdrawal.reason
        }
        view["reasonValue"] = ""
        view["republishValue"] = entry.body
        if let failed, failed.entryID == entry.id {
            view["formOpen"] = true
            view[failed.action == "unpublish" ? "reasonValue" : "republishValue"] = failed.text
        }
    }

    /// A refused withdrawal or republication as one line for a page.
    static func problemMessage(_ problem: Problem, language: Language, pages: PageRenderer) -> String {
        WithdrawalViews.problemMessage(problem, language: language, pages: pages)
    }

    /// A question's published text as runs, the masked spans marked with
    /// their kind (`ModerationViews.markedSegments`).
    static func segments(_ question: StaffQuestion, language: Language, pages: PageRenderer) -> [MarkedSegment] {
        MarkedSegment.segments(question.text, masked: question.maskedSpans, text: PageText(language: language, renderer: pages))
    }

    /// One row of the deferred list.
    static func deferredRow(_ question: StaffQuestion, language: Language, pages: PageRenderer) -> [String: Any] {
        [
            "id": question.id, "interviewId": question.interviewId, "interview": question.interviewTitle,
            "segments": segments(question, language: language, pages: pages),
            "originalText": question.originalText.flatMap { $0 == question.text ? nil : $0 } ?? "",
            "nickname": question.nickname ?? "", "contact": question.contact ?? "",
            "receivedOn": question.receivedOn, "due": question.replyDueOn ?? "",
            "provisional": question.replyDueProvisional ?? false,
            "open": question.state == .deferred,
            "answeredOn": question.answeredOn ?? "", "department": question.answerDepartment ?? "",
            "onTime": question.answeredOnTime == true, "late": question.answeredOnTime == false,
            "overdue": question.overdue ?? false,
        ]
    }

    /// `?after=SEQ` or `?before=SEQ` (one of them), else `fallback`.
    static func window(_ request: Request, default fallback: TranscriptWindow) throws -> TranscriptWindow {
        var errors: [FieldError] = []
        var window = fallback
        for name in ["after", "before"] {
            guard let raw = InterviewsController.parameter(request, name) else { continue }
            if let seq = Int64(raw), seq >= 0 {
                window = name == "after" ? .after(seq) : .before(seq)
            } else {
                errors.append(.invalid(name, "\(name) must be a sequence number (0 or more)"))
            }
        }
        if InterviewsController.parameter(request, "after") != nil && InterviewsController.parameter(request, "before") != nil {
            errors.append(.invalid("before", "give after or before, not both"))
        }
        try ValidationFailure.check(errors)
        return window
    }

    /// Links to the entries before and after a transcript page.
    static func addTranscriptLinks(_ page: TranscriptPage, base: String, anchor: String, to data: inout [String: Any]) {
        if page.hasEarlier, let first = page.entries.first { data["earlierURL"] = "\(base)?before=\(first.seq)\(anchor)" }
        if page.hasLater, let last = page.entries.last { data["laterURL"] = "\(base)?after=\(last.seq)\(anchor)" }
    }

    static func fieldMessage(_ error: FieldError, language: Language, pages: PageRenderer) -> String {
        let key = "interviews.errors.\(error.field).\(error.code)"
        let text = pages.translate(key, language: language)
        return text == key ? error.message : text
    }

    /// `2026-12-03T10:00` as Beijing time.
    static func parseLocal(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = CivilDate.officeTimeZone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
