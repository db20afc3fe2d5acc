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
    }

    // MARK: Public pages

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let interviews = try await database.interviews(publicOnly: true)
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
            let interview = try await database.interview(id: id)
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
        let interview = try await database.interview(id: id)
        if interview.status == .scheduled && context.staff == nil {
            throw Problem(kind: .notFound, detail: "no such interview")
        }
        let language = pages.language(for: request)
        let entries = try await database.transcript(interviewID: id)
        let questions = try await database.publicQuestions(interviewID: id)
        var data = InterviewViews.summary(interview, language: language, pages: pages)
        data["summaryText"] = interview.summary
        data["guests"] = interview.guests.map { ["name": $0.name, "title": $0.title, "department": $0.department] }
        data["host"] = interview.host ?? ""
        data["acceptsQuestions"] = interview.status.acceptsQuestions
        data["showTranscript"] = interview.status != .open && interview.status != .scheduled
        data["isLive"] = interview.status == .live
        data["entries"] = entries.map { InterviewViews.entry($0, language: language, pages: pages) }
        data["noEntries"] = entries.isEmpty
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
        let interviews = try await database.interviews(publicOnly: false).map { InterviewViews.summary($0, language: language, pages: pages) }
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
        let interview = try await database.createInterview(
            InterviewDraft(
                title: form.title ?? "", summary: form.summary ?? "", scheduledStart: start, plannedMinutes: form.minutes ?? 90,
                hostUsername: nil, guests: guests),
            actor: context.staff!, at: actions.clock.now())
        return .seeOther("/staff/interviews/\(interview.id)")
    }

    @Sendable func consolePage(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let interview = try await database.interview(id: id)
        let language = pages.language(for: request)
        let byVotes = request.uri.queryParameters.get("order") != "time"
        let queue = try await database.questionQueue(interviewID: id, byVotes: byVotes, actor: context.staff!)
        let entries = try await database.transcript(interviewID: id)
        let staff = context.staff!
        var data = InterviewViews.summary(interview, language: language, pages: pages)
        data["guests"] = interview.guests.map { ["id": $0.id ?? 0, "name": $0.name, "title": $0.title] }
        data["queue"] = queue.map { question -> [String: Any] in
            [
                "id": question.id, "text": question.text, "nickname": InterviewRules.publicNickname(question.nickname),
                "votes": question.votes, "onAir": question.state == .onAir,
            ]
        }
        data["queueEmpty"] = queue.isEmpty
        data["byVotes"] = byVotes
        data["entries"] = entries.reversed().map { InterviewViews.entry($0, language: language, pages: pages) }
        data["lastSeq"] = interview.lastSeq
        data["isLive"] = interview.status == .live
        data["canOrganise"] = InterviewsController.organisers.contains(staff.role)
        data["canRemark"] = staff.role == .host || staff.role == .admin
        data["canAnswer"] = InterviewsController.onAir.contains(staff.role)
        data["canPutOnAir"] = staff.role == .host || staff.role == .admin
        data["nextStatuses"] = interview.status.next.sorted { $0.rawValue < $1.rawValue }.map { status -> [String: Any] in
            ["value": status.rawValue, "name": pages.translate("interviews.actions.\(status.rawValue)", language: language)]
        }
        data["notice"] = pages.notice(request.uri.queryParameters.get("notice"), in: "interviews.notices", language: language)
        return try pages.render("interview-console", titleKey: "interviews.console.title", data: data, request: request, context: context)
    }

    @Sendable func deferredPage(_ request: Request, context: Context) async throws -> Response {
        let questions = try await database.deferredQuestions().map { InterviewsController.visible($0, to: context.staff!) }
        let rows = questions.map { question -> [String: Any] in
            [
                "id": question.id, "interviewId": question.interviewId, "interview": question.interviewTitle, "text": question.text,
                "nickname": question.nickname ?? "", "contact": question.contact ?? "", "due": question.replyDueOn ?? "",
                "overdue": (question.replyDueOn ?? "9999") < CivilDate(actions.clock.now()).description,
            ]
        }
        return try pages.render(
            "deferred-questions", titleKey: "interviews.deferred.title",
            data: ["questions": rows, "empty": rows.isEmpty, "canAnswer": InterviewsController.onAir.contains(context.staff!.role)],
            request: request, context: context)
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

    @Sendable func correctForm(_ request: Request, context: Context) async throws -> Response {
        let id = try InterviewsController.id(context)
        let form = try await request.decodeForm(CorrectForm.self, context: context)
        _ = try await actions.correct(id, entryID: try InterviewsController.id(context, "entry"), body: form.body ?? "", actor: context.staff!)
        return .seeOther("/staff/interviews/\(id)?notice=corrected")
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
        ]
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
