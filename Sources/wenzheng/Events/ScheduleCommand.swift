import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng schedule interview|open-day`: plans the year's public events
/// from a terminal, on the server's own database.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Schedule an online interview or an open day (开放日).",
        discussion: """
            Times are Beijing time, written 2027-03-16T09:30 (or with an offset, \
            2027-03-16T09:30+08:00); lengths are 90m, 2h or 2h30m. Each command prints the \
            new event's id (interview:12, open-day:3: interviews and open days are numbered \
            apart) and its public page. It works while the server runs.

            Examples:
              wenzheng schedule interview --title "法律援助惠民生" --start 2027-03-16T09:30 \\
                  --host wang.li
              wenzheng schedule open-day --title "司法行政开放日" --start 2027-05-20T09:30 \\
                  --duration 2h30m --location "南京市北京西路28号" --capacity 50
            """,
        subcommands: [Interview.self, OpenDay.self])

    struct Interview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "interview",
            abstract: "Schedule an online interview (在线访谈).",
            discussion: """
                The interview is created as the staff page creates one: status scheduled, \
                not yet public. Its page goes public when the host opens it for questions on \
                the console (/staff/interviews/ID), which also starts the notice period the \
                plan check counts (announce at least 3 days ahead). Without --host any host \
                may run it, as when an admin creates one on the staff page.

                Examples:
                  wenzheng schedule interview --title "法律援助惠民生" --start 2027-03-16T09:30 \\
                      --duration 90m --guest "张明|副厅长|江苏省司法厅" --guest "李华||法律援助处" \\
                      --host wang.li --summary "介绍法律援助新规"
                  wenzheng schedule interview --title "公共法律服务" --start "2027-06-15 14:00" \\
                      --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var site: SiteOptions
        @OptionGroup var basics: ScheduledEventOptions

        @Option(
            help: ArgumentHelp(
                "How long it is planned to last, from 10m to 8h. [default: 90m, as on the staff page]", valueName: "length"))
        var duration: String = "90m"

        @Option(
            name: .customLong("guest"),
            help: ArgumentHelp(
                "A guest as 姓名|职务|部门 (post and department may be empty: 张明||法律援助处); repeat for each, at most \(InterviewRules.maxGuests).",
                valueName: "spec"))
        var guests: [String] = []

        @Option(help: ArgumentHelp("The host's staff account (a host or an admin).", valueName: "user"))
        var host: String?

        @Option(help: ArgumentHelp("The summary shown on the public page.", valueName: "text"))
        var summary: String = ""

        @Option(help: "table (lines for people) or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let publicSite = try await reportingEventFailures { try site.site() }
            let now = Date()
            var input = InputErrors()
            let start = input.futureStart(basics.start, now: now)
            let minutes = input.minutes(duration)
            if let minutes { InterviewRules.checkDuration(minutes: minutes, into: &input.errors) }
            var credits: [GuestCredit] = []
            do {
                credits = try GuestCredit.parseAll(guests)
            } catch {
                input.errors += error.errors
            }
            let interview = try await reportingEventFailures { () async throws -> WenzhengStore.Interview in
                try input.check()
                let draft = InterviewDraft(
                    title: basics.title, summary: summary, scheduledStart: start!, plannedMinutes: minutes!, hostUsername: host,
                    guests: credits.map { InterviewGuest(name: $0.name, title: $0.title, department: $0.department) })
                return try await database.open().interviews.scheduleInterview(
                    draft, actor: .commandLine(osUser: operatingSystemUser), at: now)
            }
            let event = EventSummary(interview, site: publicSite)
            try printScheduled(event, format: format) {
                print(
                    "scheduled \(event.id): \(interview.title), \(officeSpan(interview.scheduledStart, minutes: interview.plannedMinutes)) Beijing time"
                )
                if let host = interview.host { print("host: \(host)") }
                print("public page: \(event.url) (public once opened for questions on \(publicSite.base)staff/interviews/\(interview.id))")
            }
        }
    }

    struct OpenDay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open-day",
            abstract: "Schedule an open day (开放日) that visitors register for.",
            discussion: """
                The open day's page (/events/ID) is public at once, so the plan counts it as \
                announced now. Registration opens now unless --registration-opens says \
                otherwise, and closes 24 hours before the start unless \
                --registration-closes says otherwise. Capacity counts every person: a \
                visitor may come with up to two companions.

                Examples:
                  wenzheng schedule open-day --title "司法行政开放日" --start 2027-05-20T09:30 \\
                      --duration 2h30m --location "南京市北京西路28号" --capacity 50 \\
                      --programme "参观法律援助中心；与窗口工作人员座谈"
                  wenzheng schedule open-day --title "宪法宣传周开放日" --start 2027-12-02T14:00 \\
                      --duration 2h --location "省司法厅一楼大厅" --capacity 80 \\
                      --programme-file programme.txt \\
                      --registration-opens 2027-11-20T09:00 \\
                      --registration-closes 2027-12-01T17:00
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var site: SiteOptions
        @OptionGroup var basics: ScheduledEventOptions

        @Option(help: ArgumentHelp("How long it lasts, from 30m to 12h: 2h30m.", valueName: "length"))
        var duration: String

        @Option(help: ArgumentHelp("Where (at most \(OpenDayRules.locationMaxLength) characters).", valueName: "text"))
        var location: String

        @Option(help: ArgumentHelp("Seats, counting every person: 1 to \(OpenDayRules.capacityRange.upperBound).", valueName: "n"))
        var capacity: Int

        @Option(
            help: ArgumentHelp(
                "What visitors will see and do (活动安排), shown on the event page; this or --programme-file is required.",
                valueName: "text"))
        var programme: String?

        @Option(name: .customLong("programme-file"), help: ArgumentHelp("Read the programme from this UTF-8 file.", valueName: "file"))
        var programmeFile: String?

        @Option(
            name: .customLong("registration-opens"),
            help: ArgumentHelp("When registration opens, Beijing time. [default: now]", valueName: "time"))
        var registrationOpens: String?

        @Option(
            name: .customLong("registration-closes"),
            help: ArgumentHelp("When registration closes, Beijing time. [default: 24 hours before the start]", valueName: "time"))
        var registrationCloses: String?

        @Option(help: "table (lines for people) or json.")
        var format: OutputFormat = .table

        func validate() throws {
            if programme != nil && programmeFile != nil { throw ValidationError("give --programme or --programme-file, not both") }
            if programme == nil && programmeFile == nil {
                throw ValidationError("the event page shows a programme: give --programme TEXT or --programme-file FILE")
            }
        }

        func run() async throws {
            let publicSite = try await reportingEventFailures { try site.site() }
            let now = Date()
            var input = InputErrors()
            let start = input.futureStart(basics.start, now: now)
            let minutes = input.minutes(duration)
            let opens = registrationOpens.flatMap { input.time($0, option: "registration-opens") }
            let closes = registrationCloses.flatMap { input.time($0, option: "registration-closes") }
            OpenDayRules.checkCapacity(capacity, into: &input.errors)
            let view = try await reportingEventFailures { () async throws -> OpenDayView in
                let programme = try self.programme ?? readProgramme()
                try input.check()
                let openDay = try WenzhengCore.OpenDay.scheduled(
                    title: basics.title, programme: programme, location: location, start: start!, durationMinutes: minutes!,
                    capacity: capacity, registrationOpens: opens, registrationCloses: closes, now: now)
                return try await database.open().events.scheduleOpenDay(
                    openDay, actor: .commandLine(osUser: operatingSystemUser), at: now)
            }
            let event = EventSummary(view, site: publicSite)
            try printScheduled(event, format: format) {
                let openDay = view.openDay
                print(
                    "scheduled \(event.id): \(openDay.title), \(officeSpan(openDay.start, minutes: openDay.durationMinutes)) Beijing time")
                print("at \(openDay.location); \(openDay.capacity) seats")
                print(
                    "registration from \(OfficeTimeText.format(openDay.registrationOpens)) until \(OfficeTimeText.format(openDay.registrationCloses))"
                )
                print("public page: \(event.url)")
            }
        }

        private func readProgramme() throws -> String {
            guard let programmeFile else { return "" }
            guard let data = FileManager.default.contents(atPath: programmeFile) else {
                throw ValidationFailure([.invalid("programme-file", "cannot read --programme-file \(programmeFile)")])
            }
            guard data.count <= 64 * 1024, let text = String(data: data, encoding: .utf8) else {
                throw ValidationFailure([
                    .invalid(
                        "programme-file",
                        "--programme-file \(programmeFile) is not a UTF-8 text of at most \(OpenDayRules.programmeMaxLength) characters")
                ])
            }
            return text
        }
    }
}

/// What was scheduled: the summary as JSON, or `table`'s lines for people.
private func printScheduled(_ event: EventSummary, format: OutputFormat, table: () -> Void) throws {
    switch format {
    case .json: try printJSON(event)
    case .table: table()
    }
}

/// What every scheduled event has: its title and its start.
struct ScheduledEventOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The title (at most \(InterviewRules.titleMaxLength) characters).", valueName: "text"))
    var title: String

    @Option(help: ArgumentHelp("When it starts, Beijing time: 2027-03-16T09:30.", valueName: "time"))
    var start: String
}
