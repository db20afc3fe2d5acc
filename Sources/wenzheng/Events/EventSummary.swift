import Foundation
import WenzhengCore
import WenzhengStore

/// An interview or an open day as `events list` and the `schedule` and
/// `events` commands print it: one row of the table, one object of the
/// JSON, one VEVENT of the calendar.
struct EventSummary: Encodable {
    /// `interview:12`, `open-day:3`.
    var id: String
    /// `interview`, `open_day` (`PlannedEventKind`).
    var kind: String
    var number: Int64
    var title: String
    /// ISO 8601 with the office's offset: `2027-03-16T09:30:00+08:00`.
    var start: String
    var end: String
    var durationMinutes: Int
    /// An interview's status or an open day's state.
    var status: String
    /// The iCalendar SEQUENCE.
    var revision: Int
    var url: String
    var cancellationReason: String?
    var guests: [GuestCredit]?
    var host: String?
    var openDay: OpenDayFigures?

    /// An open day's place, window and seats.
    struct OpenDayFigures: Encodable {
        var location: String
        var capacity: Int
        /// People holding seats (registered or checked in), waiting, checked in.
        var seatsTaken: Int
        var seatsLeft: Int
        var registeredParties: Int
        var waitlistedPeople: Int
        var waitlistedParties: Int
        var checkedInPeople: Int
        var registrationOpens: String
        var registrationCloses: String
    }

    /// For sorting and the calendar; not printed twice.
    private(set) var startDate: Date
    private(set) var changedAt: Date
    private(set) var calendarEvent: ICalendarEvent

    enum CodingKeys: String, CodingKey {
        case id, kind, number, title, start, end, durationMinutes, status, revision, url, cancellationReason, guests, host, openDay
    }

    init(_ interview: Interview, site: PublicSite) {
        let eventID = EventID(kind: .interview, number: interview.id)
        let credits = interview.guests.map { GuestCredit(name: $0.name, title: $0.title, department: $0.department) }
        id = eventID.description
        kind = PlannedEventKind.interview.rawValue
        number = interview.id
        title = interview.title
        startDate = interview.scheduledStart
        start = OfficeDateTime.iso8601(interview.scheduledStart)
        end = OfficeDateTime.iso8601(interview.scheduledStart.addingTimeInterval(TimeInterval(interview.plannedMinutes * 60)))
        durationMinutes = interview.plannedMinutes
        status = interview.status.rawValue
        revision = interview.revision
        url = site.url(eventID)
        cancellationReason = interview.cancellationReason
        guests = credits
        host = interview.hostUsername
        changedAt = interview.updatedAt
        calendarEvent = ICalendarEvent(interview, host: site.host, url: url)
    }

    init(_ view: OpenDayView, site: PublicSite) {
        let eventID = EventID(kind: .openDay, number: view.id)
        let openDay = view.openDay
        id = eventID.description
        kind = PlannedEventKind.openDay.rawValue
        number = view.id
        title = openDay.title
        startDate = openDay.start
        start = OfficeDateTime.iso8601(openDay.start)
        end = OfficeDateTime.iso8601(openDay.end)
        durationMinutes = openDay.durationMinutes
        status = openDay.state.rawValue
        revision = openDay.revision
        url = site.url(eventID)
        cancellationReason = openDay.cancellationReason
        self.openDay = OpenDayFigures(
            location: openDay.location, capacity: openDay.capacity, seatsTaken: view.counts.seatsTaken, seatsLeft: view.seatsLeft,
            registeredParties: view.counts.registered.parties, waitlistedPeople: view.counts.waitlisted.people,
            waitlistedParties: view.counts.waitlisted.parties, checkedInPeople: view.counts.checkedIn.people,
            registrationOpens: OfficeDateTime.iso8601(openDay.registrationOpens),
            registrationCloses: OfficeDateTime.iso8601(openDay.registrationCloses))
        changedAt = view.updatedAt
        calendarEvent = ICalendarEvent(openDay: openDay, id: view.id, host: site.host, url: url)
    }

    /// `2027-03-16 09:30` Beijing time.
    var officeStart: String { OfficeDateTime(startDate).description.replacingOccurrences(of: "T", with: " ") }

    /// The table's SEATS cell: taken of capacity, and who waits.
    var seats: String {
        guard let openDay else { return "" }
        let waiting = openDay.waitlistedPeople > 0 ? " +\(openDay.waitlistedPeople) waiting" : ""
        return "\(openDay.seatsTaken)/\(openDay.capacity)\(waiting)"
    }

    static let tableHeaders = ["ID", "KIND", "TITLE", "START (BEIJING)", "LENGTH", "STATUS", "SEATS"]

    var tableRow: [String] {
        [
            id, kind == PlannedEventKind.interview.rawValue ? "interview" : "open day", title, officeStart,
            DurationText.format(.seconds(durationMinutes * 60)), status, seats,
        ]
    }

    /// Interviews and open days together, by start (then kind and number).
    static func sorted(_ events: [EventSummary]) -> [EventSummary] {
        events.sorted { ($0.startDate, $0.kind, $0.number) < ($1.startDate, $1.kind, $1.number) }
    }
}

/// The events of a year (by Beijing date), or of all years.
struct EventListing {
    var events: [EventSummary]

    /// Reads both stores. `publicOnly` leaves out what the public cannot
    /// see: interviews not yet announced (open days are public once
    /// scheduled).
    static func load(_ database: AppDatabase, year: Int?, publicOnly: Bool = false, site: PublicSite, now: Date) async throws
        -> EventListing
    {
        let interviews = try await database.interviews.interviews(publicOnly: publicOnly)
            .filter { year == nil || CivilDate($0.scheduledStart).year == year }
        let openDays = try await database.events.openDays(year: year, at: now)
        return EventListing(
            events: EventSummary.sorted(
                interviews.map { EventSummary($0, site: site) } + openDays.map { EventSummary($0, site: site) }))
    }

    /// The whole list as one VCALENDAR. Its DTSTAMP is `stamp`, else the
    /// latest change among the events, so the same events give the same
    /// bytes and a change shows in a diff.
    func calendar(name: String, stamp: Date?) -> String {
        let stamp = stamp ?? events.map(\.changedAt).max() ?? Date(timeIntervalSince1970: 946_684_800)
        return ICalendarWriter.write(ICalendarDocument(name: name, events: events.map(\.calendarEvent)), stamp: stamp)
    }
}
