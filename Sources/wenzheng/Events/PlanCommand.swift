import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng plan check`: the year's interviews and open days against the
/// office's obligation (docs/events-design.md, "The annual plan check").
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Check the year's plan of interviews and open days.",
        discussion: """
            Examples:
              wenzheng plan check --year 2027
            """,
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count the year's interviews and open days per quarter, and exit non-zero when too few are planned.",
            discussion: """
                Events count in the quarter of their Beijing date; cancelled ones are listed \
                but not counted. The check fails (exit status 1) when fewer interviews or \
                open days are planned than the targets. It warns, without failing, when a \
                quarter has no interview, when an event falls on a weekend or a statutory \
                holiday (from the holiday notices, wenzheng calendar years; a year without \
                its notice is checked for weekends only, and says so), and when an interview \
                was announced (opened for questions) fewer than the notice days ahead, or is \
                not announced while fewer remain.

                The targets are the options, else WENZHENG_PLAN_MIN_INTERVIEWS, \
                WENZHENG_PLAN_MIN_OPEN_DAYS and WENZHENG_PLAN_MIN_NOTICE_DAYS, else 4, 1 and 3: \
                the same variables (or wenzheng serve --plan-min-interviews and so on) set \
                the office dashboard's plan panel, so both show the same plan.

                The table goes to standard output with the failures and warnings under it; \
                json prints the whole report (quarters, events, failures, warnings, passes). \
                Exit status: 0 the targets are met (warnings or not), 1 they are not, 64 a \
                malformed command line, 65 a bad target.

                Examples:
                  wenzheng plan check --year 2027
                  wenzheng plan check --year 2027 --format json | jq .warnings
                  wenzheng plan check --min-interviews 6 --min-open-days 2 \\
                      || echo "plan incomplete"
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The year, by Beijing dates. [default: this year]", valueName: "year"))
        var year: Int?

        @Option(help: "table or json.")
        var format: OutputFormat = .table

        @OptionGroup var targets: PlanTargetOptions

        func validate() throws {
            if let year, !OfficeTimeText.supportedYears.contains(year) {
                throw ValidationError("--year must be from 2000 to 2100, not \(year)")
            }
        }

        func run() async throws {
            let now = Date()
            let year = self.year ?? CivilDate(now).year
            let report = try await reportingEventFailures {
                let targets = try targets.resolved(environment: ProcessInfo.processInfo.environment)
                let db = try await database.open()
                return AnnualPlan.check(
                    year: year, events: try await db.events.plannedEvents(year: year), targets: targets,
                    calendar: try await db.calendar.workingDayCalendar(), now: now)
            }
            switch format {
            case .json: try printJSON(report)
            case .table: print(PlanTable.render(report))
            }
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
        }
    }
}

/// `--min-interviews`, `--min-open-days`, `--min-notice-days`: the plan's
/// targets, each else its `WENZHENG_PLAN_…` variable, else the default.
struct PlanTargetOptions: ParsableArguments {
    @Option(
        name: .customLong("min-interviews"),
        help: ArgumentHelp("Interviews the year needs. [env: WENZHENG_PLAN_MIN_INTERVIEWS, default: 4]", valueName: "n"))
    var interviews: String?

    @Option(
        name: .customLong("min-open-days"),
        help: ArgumentHelp("Open days the year needs. [env: WENZHENG_PLAN_MIN_OPEN_DAYS, default: 1]", valueName: "n"))
    var openDays: String?

    @Option(
        name: .customLong("min-notice-days"),
        help: ArgumentHelp(
            "Days between an interview's announcement and its start, at least. [env: WENZHENG_PLAN_MIN_NOTICE_DAYS, default: 3]",
            valueName: "n"))
    var noticeDays: String?

    func resolved(environment: [String: String]) throws -> PlanTargets {
        try PlanTargetSettings.read(
            interviews: (interviews, "--min-interviews"), openDays: (openDays, "--min-open-days"),
            noticeDays: (noticeDays, "--min-notice-days"), environment: environment)
    }
}

/// Reads the plan's targets as `plan check` and `serve` share them: a
/// given option wins, else the variable, else `PlanTargets.default`; each a
/// whole number from 0 to 366, refused with the option's (or variable's)
/// name otherwise.
enum PlanTargetSettings {
    static let variables = (
        interviews: "WENZHENG_PLAN_MIN_INTERVIEWS", openDays: "WENZHENG_PLAN_MIN_OPEN_DAYS", noticeDays: "WENZHENG_PLAN_MIN_NOTICE_DAYS"
    )

    static func read(
        interviews: (String?, String), openDays: (String?, String), noticeDays: (String?, String), environment: [String: String]
    ) throws -> PlanTargets {
        var errors: [FieldError] = []
        func value(_ option: (text: String?, name: String), _ variable: String, default fallback: Int) -> Int {
            let (text, source) =
                option.text.map { ($0, option.name) } ?? (environment[variable].flatMap { $0.isEmpty ? nil : $0 }, variable)
            guard let text else { return fallback }
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (0...366).contains(number) else {
                errors.append(.invalid(source, "\(source) must be a whole number from 0 to 366, for example 4, not '\(text)'"))
                return fallback
            }
            return number
        }
        let targets = PlanTargets(
            interviews: value(interviews, variables.interviews, default: PlanTargets.default.interviews),
            openDays: value(openDays, variables.openDays, default: PlanTargets.default.openDays),
            minimumNoticeDays: value(noticeDays, variables.noticeDays, default: PlanTargets.default.minimumNoticeDays))
        try ValidationFailure.check(errors)
        return targets
    }
}

/// The plan report for a terminal: a summary, the quarters, the events,
/// then the failures and warnings.
enum PlanTable {
    static func render(_ report: PlanReport) -> String {
        var lines: [String] = []
        let verdict = report.passes ? "targets met" : "TARGETS NOT MET"
        lines.append("plan \(report.year): \(verdict)")
        lines.append("  interviews: \(report.interviews) planned, at least \(report.targets.interviews) required")
        lines.append("  open days:  \(report.openDays) planned, at least \(report.targets.openDays) required")
        lines.append("")
        lines.append(
            renderTable(
                headers: ["QUARTER", "FROM", "TO", "INTERVIEWS", "OPEN DAYS"],
                rows: report.quarters.map { quarter in
                    ["Q\(quarter.quarter)", quarter.firstDay, quarter.lastDay, String(quarter.interviews), String(quarter.openDays)]
                }))
        let events = report.quarters.flatMap(\.events)
        lines.append("")
        if events.isEmpty {
            lines.append("no interviews or open days in \(report.year); add them with wenzheng schedule interview|open-day")
        } else {
            lines.append(
                renderTable(
                    headers: ["EVENT", "DATE", "DAY", "TITLE", "NOTICE", "NOTE"],
                    rows: events.map { event in
                        var notes: [String] = []
                        if event.cancelled { notes.append("cancelled, not counted") }
                        if !event.workingDay {
                            notes.append(event.holiday.map { "holiday \($0)" } ?? event.day.replacingOccurrences(of: "_", with: " "))
                        }
                        return [
                            EventID(kind: event.kind, number: event.id).description, event.date, event.weekday, event.title,
                            event.noticeDays.map { "\($0) days" } ?? "not announced", notes.joined(separator: "; "),
                        ]
                    }))
        }
        if !report.failures.isEmpty {
            lines.append("")
            lines.append("failures:")
            lines += report.failures.map { "  - \($0.message)" }
        }
        lines.append("")
        if report.warnings.isEmpty {
            lines.append("no warnings")
        } else {
            lines.append("warnings:")
            lines += report.warnings.map { "  - \($0.message)" }
        }
        return lines.joined(separator: "\n")
    }
}
