import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The open days' pages: the public list and each open day's page with
/// its registration form, the confirmation, looking up and cancelling a
/// registration by its code, the calendar file; and the organisers' list
/// and door page (counts, check-in by code, attendees, CSV, marking the
/// open day held or calling it off). Plain HTML forms that work without JavaScript; a
/// refused form comes back with what was typed and the reason by each
/// field (`FormSubmission`).
struct EventsPagesController {
    typealias Context = AppRequestContext
    let actions: EventActions
    let pages: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.get("/events", use: listPage)
        router.get("/events/{id}", use: eventPage)
        router.post("/events/{id}/registrations", use: registerForm)
        router.get("/events/{id}/registration", use: lookupPage)
        router.post("/events/{id}/registration", use: lookupForm)
        router.post("/events/{id}/registration/cancel", use: cancelForm)
        router.get("/events/{id}/calendar.ics", use: calendar)
        router.group("/staff/events")
            .add(middleware: RequireRoleMiddleware(EventActions.organisers))
            .get(use: staffListPage)
            .get("/{id}", use: staffPage)
            .post("/{id}/check-in", use: checkInForm)
            .post("/{id}/held", use: heldForm)
            .post("/{id}/cancel", use: cancelDayForm)
            .get("/{id}/attendees.csv", use: attendeesCSV)
    }

    var now: Date { actions.clock.now() }

    // MARK: Public

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let view = EventListView(try await actions.openDays(), now: now, text: text)
        return try pages.render(view, title: text("events.list.title"), request: request, context: context)
    }

    @Sendable func eventPage(_ request: Request, context: Context) async throws -> Response {
        try await renderEvent(try EventsAPIController.id(context), typed: nil, problem: nil, request: request, context: context)
    }

    /// The registration form's fields, as typed (the party size as text,
    /// so a tampered value is refused by the rules rather than the decoder).
    struct RegistrationFields: Decodable {
        var name: String?
        var phone: String?
        var email: String?
        var partySize: String?

        var form: RegistrationForm {
            let email = (email ?? "").trimmingCharacters(in: .whitespaces)
            return RegistrationForm(
                name: name ?? "", phone: phone ?? "", email: email.isEmpty ? nil : email,
                partySize: Int((partySize ?? "1").trimmingCharacters(in: .whitespaces)) ?? 0)
        }
    }

    @Sendable func registerForm(_ request: Request, context: Context) async throws -> Response {
        let id = try EventsAPIController.id(context)
        let fields = try await request.decodeForm(RegistrationFields.self, context: context)
        return try await FormSubmission.run(context: context) {
            let registration = try await actions.register(id, fields.form, clientAddress: context.clientAddress)
            let text = pages.text(for: request)
            let view = try await actions.openDay(id)
            return try pages.render(
                RegisteredView(view, registration: registration, text: text), title: text("events.registered.title"), status: .created,
                request: request, context: context)
        } showFormAgain: { problem in
            try await renderEvent(id, typed: fields, problem: problem, request: request, context: context)
        }
    }

    private func renderEvent(
        _ id: Int64, typed: RegistrationFields?, problem: Problem?, request: Request, context: Context
    ) async throws -> Response {
        let text = pages.text(for: request)
        let view = try await actions.openDay(id)
        let now = now
        let refusal = problem.map { EventFormProblem($0, now: now, text: text, lookupURL: "/events/\(id)/registration") }
        let page = EventPageView(view, now: now, typed: typed, refusal: refusal, text: text)
        return try pages.render(page, title: view.openDay.title, request: request, context: context)
    }

    struct CodeFields: Decodable {
        var code: String?
    }

    @Sendable func lookupPage(_ request: Request, context: Context) async throws -> Response {
        try await renderLookup(try EventsAPIController.id(context), request: request, context: context)
    }

    @Sendable func lookupForm(_ request: Request, context: Context) async throws -> Response {
        let id = try EventsAPIController.id(context)
        let fields = try await request.decodeForm(CodeFields.self, context: context)
        return try await FormSubmission.run(context: context) {
            let (_, registration) = try await actions.registration(id, code: fields.code, clientAddress: context.clientAddress)
            return try await renderLookup(id, found: registration, request: request, context: context)
        } showFormAgain: { problem in
            try await renderLookup(id, typed: fields.code ?? "", problem: problem, request: request, context: context)
        }
    }

    @Sendable func cancelForm(_ request: Request, context: Context) async throws -> Response {
        let id = try EventsAPIController.id(context)
        let fields = try await request.decodeForm(CodeFields.self, context: context)
        return try await FormSubmission.run(context: context) {
            let cancellation = try await actions.cancel(id, code: fields.code, clientAddress: context.clientAddress)
            let text = pages.text(for: request)
            return try await renderLookup(
                id, found: cancellation.registration, notice: text("events.notices.cancelled"), request: request, context: context)
        } showFormAgain: { problem in
            try await renderLookup(id, typed: fields.code ?? "", problem: problem, request: request, context: context)
        }
    }

    private func renderLookup(
        _ id: Int64, typed: String = "", found: OpenDayRegistration? = nil, notice: String? = nil, problem: Problem? = nil,
        request: Request, context: Context
    ) async throws -> Response {
        let text = pages.text(for: request)
        let view = try await actions.openDay(id)
        let now = now
        let page = RegistrationLookupView(
            view, now: now, typed: typed, found: found, notice: notice, errors: problem.map { EventFormProblem($0, now: now, text: text) },
            text: text)
        return try pages.render(page, title: text("events.lookup.title"), request: request, context: context)
    }

    /// The open day's `.ics`: one VEVENT, a download.
    @Sendable func calendar(_ request: Request, context: Context) async throws -> Response {
        let host = request.head.authority ?? ""
        return try await actions.calendar(try EventsAPIController.id(context), host: host).response
    }

    // MARK: Organisers

    @Sendable func staffListPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let view = StaffEventListView(try await actions.openDays(), now: now, text: text)
        return try pages.render(view, title: text("events.staff.title"), request: request, context: context)
    }

    @Sendable func staffPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let notice = pages.notice(request.uri.queryParameters.get("notice"), in: "events.notices", language: text.language)
        return try await renderStaff(try EventsAPIController.id(context), notice: notice, request: request, context: context)
    }

    private func renderStaff(
        _ id: Int64, notice: String? = nil, code: String = "", result: CheckInResult? = nil, heldErrors: Problem? = nil,
        cancellation: (reason: String, problem: Problem)? = nil, request: Request, context: Context
    ) async throws -> Response {
        let text = pages.text(for: request)
        let (view, attendees) = try await actions.attendees(id)
        let now = now
        let page = StaffEventView(
            .init(
                view: view, attendees: attendees, notice: notice, code: code, result: result,
                heldErrors: heldErrors.map { EventFormProblem($0, now: now, text: text) }, reason: cancellation?.reason ?? "",
                cancelErrors: cancellation.map { EventFormProblem($0.problem, now: now, text: text) }),
            now: now, text: text)
        return try pages.render(page, title: view.openDay.title, request: request, context: context)
    }

    /// A code typed (or scanned) at the door. The page comes back ready
    /// for the next visitor, with the result above the input: let in, let
    /// in before (a second scan changes nothing), or refused with why.
    @Sendable func checkInForm(_ request: Request, context: Context) async throws -> Response {
        let id = try EventsAPIController.id(context)
        let fields = try await request.decodeForm(CodeFields.self, context: context)
        let text = pages.text(for: request)
        return try await FormSubmission.run(context: context) {
            let checkIn = try await actions.checkIn(id, code: fields.code, actor: context.staff!, clientAddress: context.clientAddress)
            let registration = checkIn.registration
            let who = text.format(
                "events.checkIn.who",
                ["name": registration.name, "n": String(registration.partySize), "code": registration.code.description])
            let result =
                checkIn.alreadyCheckedIn
                ? CheckInResult(
                    kind: "again",
                    headline: text.format("events.checkIn.again", ["at": registration.checkedInAt.map(OfficeTime.minute) ?? "—"]),
                    detail: who)
                : CheckInResult(kind: "ok", headline: text("events.checkIn.ok"), detail: who)
            return try await renderStaff(id, result: result, request: request, context: context)
        } showFormAgain: { problem in
            let refusal = EventFormProblem(problem, now: now, text: text)
            var detail: String?
            let codes = Set((problem.errors ?? []).map(\.code))
            if codes.contains("still_waitlisted"), let code = ConfirmationCode(fields.code ?? ""),
                let registration = try? await actions.store.registration(openDayID: id, code: code)
            {
                detail = EventsText.standing(registration, text: text)
            } else if codes.contains("check_in_not_yet_open") || codes.contains("check_in_closed") {
                detail = EventsText.checkInHours(try await actions.openDay(id).openDay, text: text)
            }
            return try await renderStaff(
                id, code: fields.code ?? "",
                // The door needs the reason, not "please correct the following".
                result: CheckInResult(
                    kind: "refused", headline: refusal.lines.isEmpty ? refusal.summary : refusal.lines.joined(separator: " "),
                    detail: detail),
                request: request, context: context)
        }
    }

    @Sendable func heldForm(_ request: Request, context: Context) async throws -> Response {
        let id = try EventsAPIController.id(context)
        return try await FormSubmission.run(context: context) {
            _ = try await actions.markHeld(id, actor: context.staff!, clientAddress: context.clientAddress)
            return .seeOther("/staff/events/\(id)?notice=held")
        } showFormAgain: { problem in
            try await renderStaff(id, heldErrors: problem, request: request, context: context)
        }
    }

    struct ReasonFields: Decodable {
        var reason: String?
    }

    @Sendable func cancelDayForm(_ request: Request, context: Context) async throws -> Response {
        let id = try EventsAPIController.id(context)
        let fields = try await request.decodeForm(ReasonFields.self, context: context)
        return try await FormSubmission.run(context: context) {
            _ = try await actions.cancelOpenDay(id, reason: fields.reason, actor: context.staff!, clientAddress: context.clientAddress)
            return .seeOther("/staff/events/\(id)?notice=dayCancelled")
        } showFormAgain: { problem in
            try await renderStaff(id, cancellation: (fields.reason ?? "", problem), request: request, context: context)
        }
    }

    @Sendable func attendeesCSV(_ request: Request, context: Context) async throws -> Response {
        let download = try await actions.attendeesCSV(try EventsAPIController.id(context), language: pages.language(for: request))
        return download.response
    }
}
