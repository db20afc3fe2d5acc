import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng events list|reschedule|cancel`: the year's interviews and
/// open days together.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List, move or call off interviews and open days.",
        discussion: """
            Interviews and open days are numbered apart, so an event's id names its kind: \
            interview:12, open-day:3, as events list prints them. Exit status: 0 done; 1 the \
            change is refused in the event's state (a live interview cannot be cancelled, a \
            cancelled open day cannot be moved); 64 a malformed command line or id; 65 a \
            wrong value (a time that is not one, a start in the past, a missing reason); 66 \
            no event with that id.

            Examples:
              wenzheng events list --year 2027
            """,
        subcommands: [List.self, Reschedule.self, Cancel.self])

    enum ListFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, ics
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List interviews and open days by start.",
            discussion: """
                The table shows each event's id, kind, title, start in Beijing time, length, \
                status and, for open days, seats taken of the capacity and the people waiting. \
                json gives the same with the URLs, guests, registration window and counts; ics \
                writes the list as one iCalendar file (as export calendar does, DTSTAMP the \
                latest change among the events). Interviews not yet announced are listed too: \
                this is the office's view.

                Examples:
                  wenzheng events list --year 2027
                  wenzheng events list --format json | jq '.[] | select(.kind == "open_day")'
                  wenzheng events list --year 2027 --format ics > plan-2027.ics
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var site: SiteOptions

        @Option(help: ArgumentHelp("Only events starting in this year (Beijing time). [default: every year]", valueName: "year"))
        var year: Int?

        @Option(help: "table, json or ics.")
        var format: ListFormat = .table

        func validate() throws {
            if let year, !OfficeTimeText.supportedYears.contains(year) {
                throw ValidationError("--year must be from 2000 to 2100, not \(year)")
            }
        }

        func run() async throws {
            let listing = try await reportingEventFailures {
                try await EventListing.load(database.open(), year: year, site: try site.site(), now: Date())
            }
            switch format {
            case .json:
                try printJSON(listing.events)
            case .ics:
                let name = year.map { "问政 \($0) 年访谈与开放日" } ?? "问政访谈与开放日"
                FileHandle.standardOutput.write(Data(listing.calendar(name: name, stamp: nil).utf8))
            case .table:
                if listing.events.isEmpty {
                    print("no interviews or open days\(year.map { " in \($0)" } ?? ""); add one with wenzheng schedule interview|open-day")
                    return
                }
                print(renderTable(headers: EventSummary.tableHeaders, rows: listing.events.map(\.tableRow)))
            }
        }
    }

    struct Reschedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move an interview or an open day to a new start (and length).",
            discussion: """
                The event's revision rises, so calendar programs replace their copy. An \
                interview can be moved while scheduled or open. An open day's registered and \
                waitlisted visitors are each sent a notice through the outbox, which the server \
                sends (by e-mail when they gave an address, else only logged); a registration \
                window that would close after the new start closes at it.

                Examples:
                  wenzheng events reschedule interview:12 --start 2027-03-18T14:00
                  wenzheng events reschedule open-day:3 --start 2027-05-27T09:30 --duration 3h
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var site: SiteOptions

        @Argument(
            help: ArgumentHelp("The event: interview:12 or open-day:3.", valueName: "id"),
            transform: EventID.parse)
        var id: EventID

        @Option(help: ArgumentHelp("The new start, Beijing time: 2027-03-18T14:00.", valueName: "time"))
        var start: String

        @Option(help: ArgumentHelp("A new length: 90m, 2h30m. [default: unchanged]", valueName: "length"))
        var duration: String?

        @Option(help: "table (lines for people) or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let publicSite = try await reportingEventFailures { try site.site() }
            let now = Date()
            var input = InputErrors()
            let newStart = input.futureStart(start, now: now)
            let minutes = duration.flatMap { input.minutes($0) }
            let change = try await reportingEventFailures { () async throws -> EventChange in
                try input.check()
                let db = try await database.open()
                switch id.kind {
                case .interview:
                    let interview = try await db.interviews.rescheduleInterview(
                        id: id.number, to: newStart!, plannedMinutes: minutes, actor: .commandLine(osUser: operatingSystemUser), at: now)
                    return EventChange(event: EventSummary(interview, site: publicSite), notices: nil)
                case .openDay:
                    let update = try await db.events.rescheduleOpenDay(
                        id: id.number, to: newStart!, durationMinutes: minutes, actor: .commandLine(osUser: operatingSystemUser), at: now)
                    return EventChange(event: EventSummary(update.openDay, site: publicSite), notices: EventChange.Notices(update))
                }
            }
            try change.print(format, verb: "rescheduled") { event in
                "\(officeSpan(event.startDate, minutes: event.durationMinutes)) Beijing time (revision \(event.revision))"
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call off an interview or an open day, with a reason the public sees.",
            discussion: """
                An interview can be cancelled while scheduled or open (not once live); its \
                public page then says it is cancelled, with the reason, and takes no more \
                questions. An open day's registered and waitlisted visitors are each sent a \
                notice with the reason through the outbox, which the server sends. Cancelling \
                cannot be undone; the event stays listed, marked cancelled, and is not counted \
                by plan check.

                Examples:
                  wenzheng events cancel interview:12 --reason "嘉宾临时公务，改期另行通知"
                  wenzheng events cancel open-day:3 --reason "场馆维修"
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var site: SiteOptions

        @Argument(
            help: ArgumentHelp("The event: interview:12 or open-day:3.", valueName: "id"),
            transform: EventID.parse)
        var id: EventID

        @Option(
            help: ArgumentHelp("Why, shown on the public page and in the visitors' notices (at most 500 characters).", valueName: "text"))
        var reason: String

        @Option(help: "table (lines for people) or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let publicSite = try await reportingEventFailures { try site.site() }
            let now = Date()
            let change = try await reportingEventFailures { () async throws -> EventChange in
                let db = try await database.open()
                switch id.kind {
                case .interview:
                    let interview = try await db.interviews.cancelInterview(
                        id: id.number, reason: reason, actor: .commandLine(osUser: operatingSystemUser), at: now)
                    return EventChange(event: EventSummary(interview, site: publicSite), notices: nil)
                case .openDay:
                    let update = try await db.events.cancelOpenDay(
                        id: id.number, reason: reason, actor: .commandLine(osUser: operatingSystemUser), at: now)
                    return EventChange(event: EventSummary(update.openDay, site: publicSite), notices: EventChange.Notices(update))
                }
            }
            try change.print(format, verb: "cancelled") { event in "reason: \(event.cancellationReason ?? "")" }
        }
    }
}

/// What `events reschedule` and `events cancel` report: the event as it is
/// now and, for an open day, the notices queued for its visitors.
struct EventChange: Encodable {
    var event: EventSummary
    var notices: Notices?

    struct Notices: Encodable {
        /// One per live registration (registered, waitlisted, checked in).
        var visitors: Int
        /// Of those, visitors who gave no e-mail: their notice is only logged.
        var withoutEmail: Int

        init(_ update: OpenDayUpdate) {
            visitors = update.notices
            withoutEmail = update.noticesWithoutEmail
        }
    }

    func print(_ format: OutputFormat, verb: String, detail: (EventSummary) -> String) throws {
        switch format {
        case .json:
            try printJSON(self)
        case .table:
            Swift.print("\(verb) \(event.id): \(event.title), \(detail(event))")
            if let notices {
                let emailed = notices.visitors - notices.withoutEmail
                Swift.print(
                    "visitors to notify: \(notices.visitors) (\(emailed) by e-mail, \(notices.withoutEmail) without an e-mail address: only logged); "
                        + "the server's notifier sends them from the outbox")
            }
        }
    }
}
