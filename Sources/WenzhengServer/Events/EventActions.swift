import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// What the open days' pages and API share (docs/events-design.md):
/// registering (window, one registration per phone, per-address limit),
/// looking up and cancelling by confirmation code (guesses limited per
/// address), and the organisers' work (scheduling, check-in at the door,
/// counts, the attendee list and its CSV, marking an open day held), and
/// the calendar file. The rules are Core's and the store applies them;
/// every refusal reaches both audiences as the same `Problem`.
struct EventActions: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let limiters: EventRateLimiters
    /// Served over TLS: the calendar file's links say `https`.
    let secureCookies: Bool

    /// Who runs open days: they are public events like interviews and
    /// surveys, which the same roles run; the letters' and drafts' office
    /// roles (handler, reviewer) have no part in them.
    static let organisers: Set<Role> = [.admin, .host]

    var store: any EventsStore { database.events }

    // MARK: Reading

    /// Every open day, soonest first, with its counts now.
    func openDays() async throws -> [OpenDayView] {
        try await store.openDays(year: nil, at: clock.now())
    }

    /// One open day (404 for an unknown id: the store's `notFound`).
    func openDay(_ id: Int64) async throws -> OpenDayView {
        try await store.openDay(id: id, at: clock.now())
    }

    // MARK: Registering

    /// A visitor registers. Refusals: 404 unknown open day; 409
    /// `outside-window` with the window, or `conflict` for a cancelled open
    /// day; 422 naming every bad field; 409 `conflict` naming `phone` when
    /// the phone is already registered (the first registration is kept and
    /// nothing of it is revealed); 429 when the address sent too many.
    func register(_ id: Int64, _ form: RegistrationForm, clientAddress: String) async throws -> OpenDayRegistration {
        let now = clock.now()
        let openDay = try await store.openDay(id: id, at: now)
        // The window first: a closed open day is not worth a try.
        try checking(openDay.openDay) { () throws(OpenDayConflict) in try openDay.openDay.checkRegistrationOpen(at: now) }
        if let wait = try await limiters.admitRegistration(address: clientAddress, now: now) {
            throw Self.tooMany("registrations", wait: wait)
        }
        return try await refusing(openDay.openDay) {
            // No client address in the audit log: the log keeps nothing
            // that would tie a visitor to a registration.
            try await store.register(openDayID: id, form, actor: .visitor(), at: now)
        }
    }

    // MARK: By confirmation code

    /// The registration with the typed code (any case, dashes, spaces,
    /// full-width forms). 422 `code` `unknown_code` when it is not one of
    /// this open day's codes; 429 after too many such guesses.
    func registration(_ id: Int64, code typed: String?, clientAddress: String) async throws -> (OpenDayView, OpenDayRegistration) {
        let now = clock.now()
        let openDay = try await store.openDay(id: id, at: now)
        let registration = try await guessing(typed, clientAddress: clientAddress, now: now, openDay: openDay.openDay) { code in
            try await store.registration(openDayID: id, code: code)
        }
        return (openDay, registration)
    }

    /// Cancels the registration with the typed code; its seats go to the
    /// waitlist by the seat rule (each promotion logged and notified by
    /// the store). 409 once the open day has started or when cancelled
    /// already or checked in; the same code and limit checks as `registration`.
    func cancel(_ id: Int64, code typed: String?, clientAddress: String) async throws -> RegistrationCancellation {
        let now = clock.now()
        let openDay = try await store.openDay(id: id, at: now)
        return try await guessing(typed, clientAddress: clientAddress, now: now, openDay: openDay.openDay) { code in
            try await store.cancelRegistration(openDayID: id, code: code, actor: .visitor(), at: now)
        }
    }

    /// Runs `body` with the typed code, counted against the address's
    /// guesses unless the code turns out to be a registration's (then the
    /// attempt is forgiven, whatever else was refused).
    private func guessing<T>(
        _ typed: String?, clientAddress: String, now: Date, openDay: OpenDay, _ body: (ConfirmationCode) async throws -> T
    ) async throws -> T {
        if let wait = try await limiters.admitCode(address: clientAddress, now: now) {
            throw Self.tooMany("confirmation code attempts", wait: wait)
        }
        let text = (typed ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty {
            await limiters.forgiveCode(address: clientAddress, admittedAt: now)
            throw Problem.validation(.required("code"))
        }
        guard let code = ConfirmationCode(text) else { throw Self.problem(.unknownCode, openDay: openDay) }
        do {
            let result = try await body(code)
            await limiters.forgiveCode(address: clientAddress, admittedAt: now)
            return result
        } catch let conflict as OpenDayConflict {
            switch conflict {
            case .alreadyCancelled, .alreadyCheckedIn, .stillWaitlisted:
                // The code is a registration's: no guess.
                await limiters.forgiveCode(address: clientAddress, admittedAt: now)
            default:
                break
            }
            throw Self.problem(conflict, openDay: openDay)
        }
    }

    // MARK: Organisers

    /// A new open day as the API sends it (times ISO 8601 with their
    /// offset); what `wenzheng schedule open-day` does from a terminal.
    struct Schedule: Sendable, Decodable {
        var title: String?
        var programme: String?
        var location: String?
        var start: Date?
        var durationMinutes: Int?
        var capacity: Int?
        /// Absent: now.
        var registrationOpens: Date?
        /// Absent: 24 hours before the start.
        var registrationCloses: Date?
    }

    /// Schedules an open day: 422 naming every bad field, with examples.
    func schedule(_ input: Schedule, actor: AuthenticatedStaff, clientAddress: String) async throws -> OpenDayView {
        let now = clock.now()
        var missing: [FieldError] = []
        if input.start == nil { missing.append(.required("start")) }
        if input.durationMinutes == nil { missing.append(.required("durationMinutes")) }
        if input.capacity == nil { missing.append(.required("capacity")) }
        let openDay: OpenDay
        do {
            openDay = try OpenDay.scheduled(
                title: input.title ?? "", programme: input.programme ?? "", location: input.location ?? "",
                start: input.start ?? now.addingTimeInterval(7 * 86_400), durationMinutes: input.durationMinutes ?? 120,
                capacity: input.capacity ?? 1, registrationOpens: input.registrationOpens, registrationCloses: input.registrationCloses,
                now: now)
        } catch {
            // Core names the length `duration` (the command line's
            // option); the API's field is `durationMinutes`.
            let errors = error.errors.map { error in
                error.field == "duration" ? FieldError(field: "durationMinutes", code: error.code, message: error.message) : error
            }
            throw Problem.validation(ValidationFailure(missing + errors))
        }
        try ValidationFailure.check(missing)
        return try await store.scheduleOpenDay(openDay, actor: .staff(actor, clientAddress: clientAddress), at: now)
    }

    /// A check-in at the door, and whether it was the first: a code
    /// checked in before is not an error at the door, only a second scan.
    struct CheckIn: Sendable {
        var registration: OpenDayRegistration
        var alreadyCheckedIn: Bool
    }

    /// Lets the party with the typed code in. 422 `code` `unknown_code`;
    /// 409 naming `code` for a waitlisted (no seat) or cancelled
    /// registration, naming `openDay` outside the check-in hours (from
    /// 00:00 on the day to the end) or when the open day is cancelled.
    func checkIn(_ id: Int64, code typed: String?, actor: AuthenticatedStaff, clientAddress: String) async throws -> CheckIn {
        let now = clock.now()
        let openDay = try await store.openDay(id: id, at: now)
        let text = (typed ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty { throw Problem.validation(.required("code")) }
        guard let code = ConfirmationCode(text) else { throw Self.problem(.unknownCode, openDay: openDay.openDay) }
        do {
            let registration = try await store.checkIn(
                openDayID: id, code: code, actor: .staff(actor, clientAddress: clientAddress), at: now)
            return CheckIn(registration: registration, alreadyCheckedIn: false)
        } catch OpenDayConflict.alreadyCheckedIn {
            return CheckIn(registration: try await store.registration(openDayID: id, code: code), alreadyCheckedIn: true)
        } catch let conflict as OpenDayConflict {
            throw Self.problem(conflict, openDay: openDay.openDay)
        }
    }

    /// The open day with its counts and every registration, in arrival
    /// order, with full names, phones and e-mails.
    func attendees(_ id: Int64) async throws -> (OpenDayView, [OpenDayRegistration]) {
        let openDay = try await openDay(id)
        return (openDay, try await store.attendees(openDayID: id))
    }

    /// Marks the open day held (from its start on): no-shows are counted
    /// from then on. 409 before the start or when cancelled.
    func markHeld(_ id: Int64, actor: AuthenticatedStaff, clientAddress: String) async throws -> OpenDayView {
        let now = clock.now()
        let openDay = try await store.openDay(id: id, at: now)
        return try await refusing(openDay.openDay) {
            try await store.markOpenDayHeld(id: id, actor: .staff(actor, clientAddress: clientAddress), at: now)
        }
    }

    /// Calls the open day off with a reason (required, at most 500
    /// characters), shown on its page and in the notice every registered
    /// or waitlisted visitor gets. 422 `reason`; 409 `openDay`
    /// `cannot_move` once it is cancelled or held.
    func cancelOpenDay(_ id: Int64, reason: String?, actor: AuthenticatedStaff, clientAddress: String) async throws -> OpenDayUpdate {
        let now = clock.now()
        let openDay = try await store.openDay(id: id, at: now)
        return try await refusing(openDay.openDay) {
            try await store.cancelOpenDay(id: id, reason: reason ?? "", actor: .staff(actor, clientAddress: clientAddress), at: now)
        }
    }

    // MARK: Files

    /// The attendee list as CSV for the office, who call visitors when an
    /// open day moves: the shared writer's BOM and formula neutralisation,
    /// headers in `language`, the code with its dash, the phone whole.
    func attendeesCSV(_ id: Int64, language: Language) async throws -> FileDownload {
        let (openDay, attendees) = try await attendees(id)
        let csv = EventsExport.attendees(attendees, language: language)
        return FileDownload(
            data: csv.encoded(), contentType: "text/csv; charset=utf-8", filename: "open-day-\(openDay.id)-attendees.csv")
    }

    /// One VEVENT for the open day. DTSTAMP is the open day's last change,
    /// so the same open day gives the same bytes; the UID is
    /// `open-day-<id>@<host>` and SEQUENCE its revision, so a calendar
    /// replaces its copy after a reschedule or cancellation.
    func calendar(_ id: Int64, host: String) async throws -> FileDownload {
        let view = try await openDay(id)
        let name = FileDownload.hostName(host)
        let url = host.isEmpty ? nil : "\(secureCookies ? "https" : "http")://\(host)/events/\(id)"
        let event = ICalendarEvent(openDay: view.openDay, id: id, host: name, url: url)
        let text = ICalendarWriter.write(ICalendarDocument(name: view.openDay.title, events: [event]), stamp: view.updatedAt)
        return FileDownload(data: Data(text.utf8), contentType: "text/calendar; charset=utf-8", filename: "open-day-\(id).ics")
    }

    // MARK: Refusals

    /// Runs a store call; Core's refusals become problems.
    private func refusing<T>(_ openDay: OpenDay, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let conflict as OpenDayConflict {
            throw Self.problem(conflict, openDay: openDay)
        }
    }

    /// Checks one of Core's rules; its refusal becomes a problem.
    private func checking(_ openDay: OpenDay, _ body: () throws(OpenDayConflict) -> Void) throws {
        do {
            try body()
        } catch {
            throw Self.problem(error, openDay: openDay)
        }
    }

    /// Core's refusal as the problem both audiences get. Each names what it
    /// is about by a field error with Core's code: the input (`phone`,
    /// `code`, `partySize`) or the open day itself (`openDay`); outside
    /// the registration window it is `outside-window` with the window, as
    /// surveys and consultations do.
    static func problem(_ conflict: OpenDayConflict, openDay: OpenDay) -> Problem {
        func naming(_ field: String) -> [FieldError] {
            [FieldError(field: field, code: conflict.code, message: conflict.description)]
        }
        switch conflict {
        case .invalid(let failure):
            return .validation(failure)
        case .registrationNotYetOpen, .registrationClosed:
            var problem = Problem(kind: .outsideWindow, detail: conflict.description, errors: naming("openDay"))
            problem.window = registrationWindow(openDay)
            return problem
        case .unknownCode:
            return .validation(naming("code")[0])
        case .partyLargerThanCapacity:
            return .validation(naming("partySize")[0])
        case .phoneAlreadyRegistered:
            return Problem(kind: .conflict, detail: conflict.description, errors: naming("phone"))
        case .alreadyCancelled, .alreadyCheckedIn, .stillWaitlisted:
            return Problem(kind: .conflict, detail: conflict.description, errors: naming("code"))
        case .eventCancelled, .cancellationClosed, .checkInNotYetOpen, .checkInClosed, .cannotMove, .notStartedYet,
            .capacityBelowSeatsTaken:
            return Problem(kind: .conflict, detail: conflict.description, errors: naming("openDay"))
        }
    }

    /// When visitors may register: from the opening to the closing or the
    /// start, whichever comes first.
    static func registrationWindow(_ openDay: OpenDay) -> ParticipationWindow {
        ParticipationWindow(opensAt: openDay.registrationOpens, closesAt: min(openDay.registrationCloses, openDay.start))
    }

    static func tooMany(_ what: String, wait: Int) -> Problem {
        Problem(
            kind: .tooManyRequests, detail: "too many \(what) from this address; try again in \(wait) seconds",
            headers: [.retryAfter: String(wait)])
    }
}

/// The attendee list as a table for a spreadsheet.
enum EventsExport {
    static func attendees(_ attendees: [OpenDayRegistration], language: Language) -> CSVDocument {
        let zh = language == .zh
        let header =
            zh
            ? ["确认码", "姓名", "手机号", "电子邮箱", "人数", "状态", "候补位次", "报名时间", "递补时间", "签到时间", "取消时间"]
            : [
                "Code", "Name", "Phone", "E-mail", "Party size", "Status", "Waitlist position", "Registered", "Promoted", "Checked in",
                "Cancelled",
            ]
        let statuses: [RegistrationStatus: (String, String)] = [
            .registered: ("已报名", "registered"), .waitlisted: ("候补", "waitlisted"), .checkedIn: ("已签到", "checked in"),
            .cancelled: ("已取消", "cancelled"),
        ]
        func time(_ date: Date?) -> String { date.map(OfficeTime.minute) ?? "" }
        let rows = attendees.map { registration in
            [
                registration.code.description, registration.name, registration.phone.digits, registration.email ?? "",
                String(registration.partySize), zh ? statuses[registration.status]!.0 : statuses[registration.status]!.1,
                registration.waitlistPosition.map(String.init) ?? "", time(registration.registeredAt), time(registration.promotedAt),
                time(registration.checkedInAt), time(registration.cancelledAt),
            ]
        }
        return CSVDocument(header: header, rows: rows)
    }
}
