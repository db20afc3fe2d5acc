import Foundation
import WenzhengCore
import WenzhengStore

// MARK: Public pages

/// `/events`: open days to come (cancelled ones too, marked), then past ones.
struct EventListView: PageView {
    static let template = "events"

    struct Item {
        let url: String
        let eventTitle: String
        let when: String
        let location: String
        let status: String
        let statusClass: String
        /// Seats left, while registration is open.
        let seats: String?
    }

    let upcoming: [Item]
    let past: [Item]

    init(_ openDays: [OpenDayView], now: Date, text: PageText) {
        func item(_ view: OpenDayView) -> Item {
            let status = EventsText.status(view, now: now, text: text)
            let open = view.openDay.registrationWindow(at: now) == .open
            return Item(
                url: "/events/\(view.id)", eventTitle: view.openDay.title, when: EventsText.when(view.openDay, text: text),
                location: view.openDay.location, status: status.label, statusClass: status.cssClass,
                seats: open ? EventsText.seats(view, text: text) : nil)
        }
        let isPast = { (view: OpenDayView) in view.ended || view.openDay.end <= now }
        upcoming = openDays.filter { !isPast($0) }.map(item)
        past = openDays.filter(isPast).reversed().map(item)
    }
}

/// The registration form on an open day's page, as typed.
struct RegistrationFormView {
    struct Option {
        let value: Int
        let label: String
        let selected: Bool
    }

    let action: String
    let name: String
    let phone: String
    let email: String
    let partySizes: [Option]
    let errors: EventFormProblem?
    /// No seat is free: a registration joins the waitlist.
    let full: Bool
    let nameMax = OpenDayRules.nameMaxLength
    let emailMax = OpenDayRules.emailMaxLength

    init(id: Int64, fields: EventsPagesController.RegistrationFields?, errors: EventFormProblem?, full: Bool, text: PageText) {
        action = "/events/\(id)/registrations"
        name = fields?.name ?? ""
        phone = fields?.phone ?? ""
        email = fields?.email ?? ""
        let chosen = Int(fields?.partySize ?? "") ?? 1
        partySizes = OpenDayRules.partySizeRange.map {
            Option(value: $0, label: text.format("events.form.people", ["n": String($0)]), selected: $0 == chosen)
        }
        self.errors = errors
        self.full = full
    }
}

/// `/events/{id}`: the programme, place, time, seats and registration
/// window, the form while registration is open, and what changed (a new
/// time, a cancellation with its reason).
struct EventPageView: PageView {
    static let template = "event"

    let id: Int64
    let title: String
    let status: String
    let statusClass: String
    let when: String
    let location: String
    let duration: String
    let programme: [String]
    let seats: String
    /// Parties already waiting.
    let waitlist: String?
    let window: String?
    /// Rescheduled: the time on the page is the new one.
    let timeChanged: Bool
    /// Cancelled: the office's reason.
    let cancellation: String?
    let form: RegistrationFormView?
    /// A refusal when the form is no longer shown (registration closed
    /// while the visitor was typing).
    let refusal: EventFormProblem?
    let calendarURL: String
    let lookupURL: String

    init(_ view: OpenDayView, now: Date, typed: EventsPagesController.RegistrationFields?, refusal: EventFormProblem?, text: PageText) {
        let openDay = view.openDay
        id = view.id
        title = openDay.title
        let status = EventsText.status(view, now: now, text: text)
        self.status = status.label
        statusClass = status.cssClass
        when = EventsText.when(openDay, text: text)
        location = openDay.location
        duration = text.format("events.page.duration", ["minutes": String(openDay.durationMinutes)])
        programme = EventsText.paragraphs(openDay.programme)
        seats = EventsText.seats(view, text: text)
        waitlist =
            view.counts.waitlisted.parties > 0
            ? text.format("events.page.waitlist", ["n": String(view.counts.waitlisted.parties)]) : nil
        window = EventsText.window(openDay, now: now, text: text)
        timeChanged = openDay.state == .rescheduled
        cancellation =
            openDay.state == .cancelled
            ? text.format("events.page.cancelled", ["reason": openDay.cancellationReason ?? "—"]) : nil
        let open = openDay.registrationWindow(at: now) == .open
        form = open ? RegistrationFormView(id: view.id, fields: typed, errors: refusal, full: view.seatsLeft == 0, text: text) : nil
        self.refusal = open ? nil : refusal
        calendarURL = "/events/\(view.id)/calendar.ics"
        lookupURL = "/events/\(view.id)/registration"
    }
}

/// The page after registering: the confirmation code, large, and whether
/// the party has seats or waits (with its place).
struct RegisteredView: PageView {
    static let template = "event-registered"

    let eventTitle: String
    let eventURL: String
    let when: String
    let location: String
    let code: String
    let seated: Bool
    let headline: String
    let standing: String
    let party: String
    let emailed: Bool
    let lookupURL: String
    let calendarURL: String

    init(_ view: OpenDayView, registration: OpenDayRegistration, text: PageText) {
        eventTitle = view.openDay.title
        eventURL = "/events/\(view.id)"
        when = EventsText.when(view.openDay, text: text)
        location = view.openDay.location
        code = registration.code.description
        seated = registration.status.holdsSeats
        headline = text(seated ? "events.registered.seated" : "events.registered.waitlisted")
        standing =
            seated
            ? text.format("events.registered.seats", ["n": String(registration.partySize)])
            : text.format("events.registered.position", ["position": String(registration.waitlistPosition ?? 0)])
        party = text.format("events.form.people", ["n": String(registration.partySize)])
        emailed = registration.email != nil
        lookupURL = "/events/\(view.id)/registration"
        calendarURL = "/events/\(view.id)/calendar.ics"
    }
}

/// `/events/{id}/registration`: look a registration up by its code, and
/// cancel it.
struct RegistrationLookupView: PageView {
    static let template = "event-registration"

    struct Found {
        let code: String
        let status: String
        let statusClass: String
        let registrant: String
        let registeredAt: String
        /// Seated from the waitlist: when.
        let promotion: String?
        let canCancel: Bool
    }

    let id: Int64
    let eventTitle: String
    let eventURL: String
    let when: String
    let notice: String?
    let code: String
    let errors: EventFormProblem?
    let found: Found?

    init(
        _ view: OpenDayView, now: Date, typed: String, found registration: OpenDayRegistration?, notice: String?,
        errors: EventFormProblem?, text: PageText
    ) {
        id = view.id
        eventTitle = view.openDay.title
        eventURL = "/events/\(view.id)"
        when = EventsText.when(view.openDay, text: text)
        self.notice = notice
        self.errors = errors
        code = registration?.code.description ?? typed
        found = registration.map { registration in
            let cancellable = (try? view.openDay.checkRegistrationCancellable(at: now)) != nil
            return Found(
                code: registration.code.description, status: EventsText.standing(registration, text: text),
                statusClass: "registration-\(registration.status.rawValue)",
                registrant: "\(PersonalInformation.maskName(registration.name)) · \(registration.phone.masked)",
                registeredAt: OfficeTime.minute(registration.registeredAt),
                promotion: registration.promotedAt.map { text.format("events.lookup.promoted", ["at": OfficeTime.minute($0)]) },
                canCancel: cancellable && (registration.status == .registered || registration.status == .waitlisted))
        }
    }
}

// MARK: Staff pages

/// `/staff/events`: every open day with its counts.
struct StaffEventListView: PageView {
    static let template = "staff-events"

    struct Row {
        let url: String
        let eventTitle: String
        let when: String
        let status: String
        let statusClass: String
        let seats: String
        let waitlisted: String
        let checkedIn: String
    }

    let rows: [Row]
    let hasRows: Bool

    init(_ openDays: [OpenDayView], now: Date, text: PageText) {
        hasRows = !openDays.isEmpty
        rows = openDays.reversed().map { view in
            let status = EventsText.status(view, now: now, text: text)
            let counts = view.counts
            return Row(
                url: "/staff/events/\(view.id)", eventTitle: view.openDay.title, when: EventsText.start(view.openDay, text: text),
                status: status.label, statusClass: status.cssClass, seats: "\(counts.seatsTaken) / \(counts.capacity)",
                waitlisted: EventsText.headcount(counts.waitlisted, text: text),
                checkedIn: EventsText.headcount(counts.checkedIn, text: text))
        }
    }
}

/// What the door sees after a code was entered.
struct CheckInResult {
    /// `ok`, `again` (checked in before) or `refused`.
    let kind: String
    let headline: String
    let detail: String?
}

/// `/staff/events/{id}`: counts, check-in by code at the door (a phone
/// held by a clerk), the attendee list with phones masked, the CSV and
/// the button that marks the open day held.
struct StaffEventView: PageView {
    static let template = "staff-event"

    struct Count {
        let key: String
        let label: String
        let value: String
    }

    struct Attendee {
        let number: Int
        let name: String
        let phone: String
        let party: String
        let status: String
        let statusClass: String
        let registeredAt: String
        let checkedInAt: String?
    }

    let id: Int64
    let title: String
    let status: String
    let statusClass: String
    let when: String
    let location: String
    let notice: String?
    let counts: [Count]
    let noShowNote: String?
    /// When the door may check visitors in, unless it may now.
    let checkInHours: String?
    let checkInOpen: Bool
    let code: String
    let result: CheckInResult?
    let canMarkHeld: Bool
    let heldErrors: EventFormProblem?
    /// Not cancelled or held yet: it can be called off.
    let canCancel: Bool
    let reason: String
    let cancelErrors: EventFormProblem?
    let reasonMax = OpenDayRules.reasonMaxLength
    let attendees: [Attendee]
    let hasAttendees: Bool
    let publicURL: String
    let csvURL: String
    let csvEnglishURL: String
    let calendarURL: String

    struct Input {
        var view: OpenDayView
        var attendees: [OpenDayRegistration]
        var notice: String?
        var code: String = ""
        var result: CheckInResult?
        var heldErrors: EventFormProblem?
        var reason: String = ""
        var cancelErrors: EventFormProblem?
    }

    init(_ input: Input, now: Date, text: PageText) {
        let view = input.view
        let openDay = view.openDay
        id = view.id
        title = openDay.title
        let status = EventsText.status(view, now: now, text: text)
        self.status = status.label
        statusClass = status.cssClass
        when = EventsText.when(openDay, text: text)
        location = openDay.location
        notice = input.notice
        let counts = view.counts
        var lines = [
            Count(
                key: "registered", label: text("events.staff.counts.registered"), value: EventsText.headcount(counts.registered, text: text)
            ),
            Count(
                key: "waitlisted", label: text("events.staff.counts.waitlisted"), value: EventsText.headcount(counts.waitlisted, text: text)
            ),
            Count(
                key: "checked-in", label: text("events.staff.counts.checkedIn"), value: EventsText.headcount(counts.checkedIn, text: text)),
        ]
        if let noShow = counts.noShow {
            lines.append(Count(key: "no-show", label: text("events.staff.counts.noShow"), value: EventsText.headcount(noShow, text: text)))
        }
        lines.append(
            Count(
                key: "seats", label: text("events.staff.counts.seats"),
                value: text.format("events.staff.seatsValue", ["taken": String(counts.seatsTaken), "capacity": String(counts.capacity)])))
        lines.append(
            Count(key: "cancelled", label: text("events.staff.counts.cancelled"), value: EventsText.headcount(counts.cancelled, text: text))
        )
        self.counts = lines
        noShowNote = counts.noShow == nil ? text("events.staff.noShowLater") : nil
        var hoursOpen = true
        do {
            try openDay.checkCheckInOpen(at: now)
        } catch {
            hoursOpen = false
        }
        checkInOpen = hoursOpen
        checkInHours = hoursOpen ? nil : EventsText.checkInHours(openDay, text: text)
        code = input.code
        result = input.result
        canMarkHeld = openDay.state.isUpcoming && now >= openDay.start
        heldErrors = input.heldErrors
        canCancel = openDay.state.isUpcoming
        reason = input.reason
        cancelErrors = input.cancelErrors
        attendees = input.attendees.filter { $0.status != .cancelled }.enumerated().map { index, registration in
            Attendee(
                number: index + 1, name: registration.name, phone: registration.phone.masked,
                party: text.format("events.form.people", ["n": String(registration.partySize)]),
                status: EventsText.standing(registration, text: text), statusClass: "registration-\(registration.status.rawValue)",
                registeredAt: OfficeTime.minute(registration.registeredAt), checkedInAt: registration.checkedInAt.map(OfficeTime.minute))
        }
        hasAttendees = !attendees.isEmpty
        publicURL = "/events/\(view.id)"
        csvURL = "/staff/events/\(view.id)/attendees.csv"
        csvEnglishURL = "/staff/events/\(view.id)/attendees.csv?lang=en"
        calendarURL = "/events/\(view.id)/calendar.ics"
    }
}

// MARK: Shared wording

/// A refused form as an open day's page shows it: one summary in the
/// reader's words (the registration window with its times, a field's own
/// message for a refusal about one field), the field messages, and
/// `errors.fields` for marking each input.
struct EventFormProblem {
    let errors: FormErrors
    let summary: String
    let lines: [String]
    /// `lines`, each with its field for the summary's links.
    let summaryLines: [FormErrors.SummaryLine]
    /// The phone is registered already: where its visitor looks up or
    /// cancels that registration (with its code; nothing of it is shown).
    let registeredPhoneLookup: String?

    init(_ problem: Problem, now: Date, text: PageText, lookupURL: String? = nil) {
        errors = FormErrors(problem, text: text, prefix: "events")
        let messages = errors.messages.map(\.text)
        let phoneTaken = (problem.errors ?? []).contains { $0.code == OpenDayConflict.phoneAlreadyRegistered.code }
        registeredPhoneLookup = phoneTaken ? lookupURL : nil
        if phoneTaken {
            summary = text("events.errors.phoneTaken")
            lines = []
        } else if problem.type == Problem.Kind.outsideWindow.typeURI, let window = problem.window {
            summary =
                now < window.opensAt
                ? text.format(
                    "events.window.notYetOpen", ["from": OfficeTime.minute(window.opensAt), "to": OfficeTime.minute(window.closesAt)])
                : text.format("events.window.closed", ["to": OfficeTime.minute(window.closesAt)])
            lines = []
        } else if problem.statusCode == 422, !messages.isEmpty {
            summary = errors.summary
            lines = messages
        } else if let first = messages.first {
            // A refusal about one thing (the phone, the code, the open
            // day): its own sentence is the summary.
            summary = first
            lines = Array(messages.dropFirst())
        } else {
            summary = errors.summary
            lines = []
        }
        summaryLines = errors.summaryLines(lines)
    }
}

/// The phrases several open-day pages share.
enum EventsText {
    /// `2026-12-05（周六）09:30–12:00（北京时间）`.
    static func when(_ openDay: OpenDay, text: PageText) -> String {
        let start = OfficeDateTime(openDay.start)
        let end = OfficeDateTime(openDay.end)
        let weekday = text.language == .zh ? start.date.chineseWeekday : start.date.weekdayAbbreviation
        let to = end.date == start.date ? end.hourMinute : "\(end.date) \(end.hourMinute)"
        return text.format("events.when", ["date": start.date.description, "weekday": weekday, "from": start.hourMinute, "to": to])
    }

    /// `2026-12-05（周六）09:30`: the start alone, for tables.
    static func start(_ openDay: OpenDay, text: PageText) -> String {
        let start = OfficeDateTime(openDay.start)
        let weekday = text.language == .zh ? start.date.chineseWeekday : start.date.weekdayAbbreviation
        return text.format("events.start", ["date": start.date.description, "weekday": weekday, "from": start.hourMinute])
    }

    /// The open day's state in the reader's words, and its CSS class.
    static func status(_ view: OpenDayView, now: Date, text: PageText) -> (label: String, cssClass: String) {
        let openDay = view.openDay
        let key: String
        if openDay.state == .cancelled {
            key = "cancelled"
        } else if view.ended {
            key = "ended"
        } else if now >= openDay.start {
            key = "underway"
        } else {
            switch openDay.registrationWindow(at: now) {
            case .open: key = "open"
            case .notYetOpen: key = "upcoming"
            case .closed, .eventCancelled: key = "closed"
            }
        }
        return (text("events.states.\(key)"), "status-\(key)")
    }

    /// The registration window in the reader's words; nil once cancelled.
    static func window(_ openDay: OpenDay, now: Date, text: PageText) -> String? {
        let window = EventActions.registrationWindow(openDay)
        let values = ["from": OfficeTime.minute(window.opensAt), "to": OfficeTime.minute(window.closesAt)]
        switch openDay.registrationWindow(at: now) {
        case .open: return text.format("events.window.open", values)
        case .notYetOpen: return text.format("events.window.notYetOpen", values)
        case .closed: return text.format("events.window.closed", values)
        case .eventCancelled: return nil
        }
    }

    /// `共 50 个名额，剩余 12 个` or `名额已满`.
    static func seats(_ view: OpenDayView, text: PageText) -> String {
        let values = ["capacity": String(view.openDay.capacity), "left": String(view.seatsLeft)]
        return text.format(view.seatsLeft > 0 ? "events.page.seats" : "events.page.full", values)
    }

    /// `12 人（5 组）`.
    static func headcount(_ headcount: Headcount, text: PageText) -> String {
        text.format("events.staff.headcount", ["people": String(headcount.people), "parties": String(headcount.parties)])
    }

    /// Where a registration stands: `已报名（2 人）`, `候补第 1 位（3 人）`…
    static func standing(_ registration: OpenDayRegistration, text: PageText) -> String {
        text.format(
            "events.standing.\(registration.status.rawValue)",
            ["n": String(registration.partySize), "position": String(registration.waitlistPosition ?? 0)])
    }

    /// `签到时间：2026-12-05 00:00 至 2026-12-05 12:00`.
    static func checkInHours(_ openDay: OpenDay, text: PageText) -> String {
        let doors = OfficeDateTime(date: OfficeDateTime(openDay.start).date, hour: 0, minute: 0).instant()
        return text.format("events.staff.checkInHours", ["from": OfficeTime.minute(doors), "to": OfficeTime.minute(openDay.end)])
    }

    /// Paragraphs of a text (one per line, blank lines dropped).
    static func paragraphs(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
