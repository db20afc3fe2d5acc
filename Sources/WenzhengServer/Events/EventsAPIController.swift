import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Open days over JSON (Web/api/openapi.events.json): the public lists
/// them, registers, and looks up or cancels a registration by its
/// confirmation code (sent in the body, never in the address, so it stays
/// out of logs and histories); organisers schedule open days, check
/// visitors in, read the attendee list (JSON or CSV), mark an open day
/// held or call it off.
struct EventsAPIController {
    typealias Context = AppRequestContext
    let actions: EventActions

    func addRoutes(to router: Router<Context>) {
        // Public
        router.get("/api/v1/events", use: list)
        router.get("/api/v1/events/{id}", use: detail)
        router.post("/api/v1/events/{id}/registrations", use: register)
        router.post("/api/v1/events/{id}/registration/query", use: query)
        router.post("/api/v1/events/{id}/registration/cancel", use: cancel)
        // Organisers
        router.group("/api/v1/events")
            .add(middleware: RequireRoleMiddleware(EventActions.organisers))
            .post(use: schedule)
            .get("/{id}/attendees", use: attendees)
            .post("/{id}/check-in", use: checkIn)
            .post("/{id}/held", use: held)
            .post("/{id}/cancel", use: cancelOpenDay)
    }

    // MARK: Request and response bodies

    /// An open day as the public sees it.
    struct PublicOpenDay: ResponseEncodable {
        var id: Int64
        var title: String
        var programme: String
        var location: String
        var start: Date
        var end: Date
        var durationMinutes: Int
        /// Seats in all, counting every person of a party.
        var capacity: Int
        var seatsLeft: Int
        /// Parties waiting for seats.
        var waitlisted: Int
        var registrationOpens: Date
        var registrationCloses: Date
        /// `open`, `not_yet_open`, `closed` or `event_cancelled`, now.
        var registration: String
        var state: OpenDayState
        /// Rescheduled since it was announced: its time changed.
        var timeChanged: Bool
        var cancellationReason: String?
        /// The iCalendar SEQUENCE: raised by each reschedule and by a cancellation.
        var revision: Int
        var url: String
        var calendarURL: String

        init(_ view: OpenDayView, now: Date) {
            let openDay = view.openDay
            id = view.id
            title = openDay.title
            programme = openDay.programme
            location = openDay.location
            start = openDay.start
            end = openDay.end
            durationMinutes = openDay.durationMinutes
            capacity = openDay.capacity
            seatsLeft = view.seatsLeft
            waitlisted = view.counts.waitlisted.parties
            registrationOpens = openDay.registrationOpens
            registrationCloses = openDay.registrationCloses
            registration =
                switch openDay.registrationWindow(at: now) {
                case .open: "open"
                case .notYetOpen: "not_yet_open"
                case .closed: "closed"
                case .eventCancelled: "event_cancelled"
                }
            state = openDay.state
            timeChanged = openDay.state == .rescheduled
            cancellationReason = openDay.cancellationReason
            revision = openDay.revision
            url = "/events/\(view.id)"
            calendarURL = "/events/\(view.id)/calendar.ics"
        }
    }

    struct OpenDayList: ResponseEncodable {
        var openDays: [PublicOpenDay]
    }

    /// The registration form as JSON.
    struct RegistrationBody: Decodable {
        var name: String?
        var phone: String?
        var email: String?
        var partySize: Int?

        var form: RegistrationForm {
            RegistrationForm(
                name: name ?? "", phone: phone ?? "", email: email.flatMap { $0.isEmpty ? nil : $0 }, partySize: partySize ?? 1)
        }
    }

    /// A registration as its visitor sees it: name and phone masked, the
    /// code (the bearer secret) only to whoever sent it or just registered.
    struct VisitorRegistration: ResponseEncodable {
        var openDayID: Int64
        /// 8 symbols; pages write it in two groups, `K7QM-3XPA`.
        var code: ConfirmationCode
        var status: RegistrationStatus
        var partySize: Int
        /// 1 for the first party waiting; absent unless waitlisted.
        var waitlistPosition: Int?
        var name: String
        var phone: String
        var registeredAt: Date
        var promotedAt: Date?
        var cancelledAt: Date?
        var checkedInAt: Date?

        init(_ registration: OpenDayRegistration) {
            openDayID = registration.openDayID
            code = registration.code
            status = registration.status
            partySize = registration.partySize
            waitlistPosition = registration.waitlistPosition
            name = PersonalInformation.maskName(registration.name)
            phone = registration.phone.masked
            registeredAt = registration.registeredAt
            promotedAt = registration.promotedAt
            cancelledAt = registration.cancelledAt
            checkedInAt = registration.checkedInAt
        }
    }

    struct CodeBody: Decodable {
        var code: String?
    }

    struct CheckInBody: ResponseEncodable {
        var registration: OpenDayRegistration
        /// The code had been checked in before: nothing changed.
        var alreadyCheckedIn: Bool
    }

    struct AttendeesBody: ResponseEncodable {
        var openDay: PublicOpenDay
        var counts: RosterCounts
        /// Ended (held, or its end has passed): no-shows are counted.
        var ended: Bool
        /// In arrival order, cancelled ones included, with full names,
        /// phones and e-mails.
        var attendees: [OpenDayRegistration]
    }

    struct ReasonBody: Decodable {
        var reason: String?
    }

    struct CancelledBody: ResponseEncodable {
        var openDay: PublicOpenDay
        /// Notices written for the registered and waitlisted visitors.
        var notices: Int
        /// Of those, to visitors who left no e-mail (only logged).
        var noticesWithoutEmail: Int
    }

    // MARK: Public

    @Sendable func list(_ request: Request, context: Context) async throws -> OpenDayList {
        let now = actions.clock.now()
        return OpenDayList(openDays: try await actions.openDays().map { PublicOpenDay($0, now: now) })
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> PublicOpenDay {
        PublicOpenDay(try await actions.openDay(try Self.id(context)), now: actions.clock.now())
    }

    @Sendable func register(_ request: Request, context: Context) async throws -> EditedResponse<VisitorRegistration> {
        let id = try Self.id(context)
        let body = try await request.decodeJSON(RegistrationBody.self, context: context)
        let registration = try await actions.register(id, body.form, clientAddress: context.clientAddress)
        return EditedResponse(status: .created, response: VisitorRegistration(registration))
    }

    @Sendable func query(_ request: Request, context: Context) async throws -> VisitorRegistration {
        let id = try Self.id(context)
        let body = try await request.decodeJSON(CodeBody.self, context: context)
        return VisitorRegistration(try await actions.registration(id, code: body.code, clientAddress: context.clientAddress).1)
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> VisitorRegistration {
        let id = try Self.id(context)
        let body = try await request.decodeJSON(CodeBody.self, context: context)
        return VisitorRegistration(try await actions.cancel(id, code: body.code, clientAddress: context.clientAddress).registration)
    }

    // MARK: Organisers

    @Sendable func schedule(_ request: Request, context: Context) async throws -> EditedResponse<PublicOpenDay> {
        let body = try await request.decodeJSON(EventActions.Schedule.self, context: context)
        let view = try await actions.schedule(body, actor: context.staff!, clientAddress: context.clientAddress)
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/events/\(view.id)"], response: PublicOpenDay(view, now: actions.clock.now()))
    }

    /// JSON by default; `?format=csv` for the spreadsheet (`?lang=en` for
    /// English headers).
    @Sendable func attendees(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let format = (request.uri.queryParameters.get("format") ?? "json").lowercased()
        switch format {
        case "csv":
            let language = Language.negotiate(
                explicit: request.uri.queryParameters.get("lang"), cookie: nil, acceptLanguage: request.headers[.acceptLanguage])
            return try await actions.attendeesCSV(id, language: language).response
        case "json":
            let (view, attendees) = try await actions.attendees(id)
            let body = AttendeesBody(
                openDay: PublicOpenDay(view, now: actions.clock.now()), counts: view.counts, ended: view.ended, attendees: attendees)
            var response = try context.responseEncoder.encode(body, from: request, context: context)
            // Names and phones: never kept by a cache.
            response.headers[.cacheControl] = "no-store"
            return response
        default:
            throw Problem.validation(.invalid("format", "format must be json or csv"))
        }
    }

    @Sendable func checkIn(_ request: Request, context: Context) async throws -> CheckInBody {
        let body = try await request.decodeJSON(CodeBody.self, context: context)
        let checkIn = try await actions.checkIn(
            try Self.id(context), code: body.code, actor: context.staff!, clientAddress: context.clientAddress)
        return CheckInBody(registration: checkIn.registration, alreadyCheckedIn: checkIn.alreadyCheckedIn)
    }

    @Sendable func held(_ request: Request, context: Context) async throws -> PublicOpenDay {
        let view = try await actions.markHeld(try Self.id(context), actor: context.staff!, clientAddress: context.clientAddress)
        return PublicOpenDay(view, now: actions.clock.now())
    }

    @Sendable func cancelOpenDay(_ request: Request, context: Context) async throws -> CancelledBody {
        let body = try await request.decodeJSON(ReasonBody.self, context: context)
        let update = try await actions.cancelOpenDay(
            try Self.id(context), reason: body.reason, actor: context.staff!, clientAddress: context.clientAddress)
        return CancelledBody(
            openDay: PublicOpenDay(update.openDay, now: actions.clock.now()), notices: update.notices,
            noticesWithoutEmail: update.noticesWithoutEmail)
    }

    // MARK: Helpers

    static func id(_ context: Context) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw Problem(kind: .notFound, detail: "no such open day")
        }
        return id
    }

    /// A file download, never rendered by the browser nor kept by a cache.
}

extension OpenDayRegistration: ResponseEncodable {}
