import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "The working-day calendar: statutory holidays and make-up working days (调休) for deadlines.",
        discussion: """
            Deadlines count working days: Monday to Friday, minus statutory holidays, plus \
            make-up working days, as the State Council's yearly notice sets them. 2025 and 2026 \
            are shipped; import each later year when its notice is published (usually in \
            November). A year without a notice counts weekdays only and its deadlines are \
            marked provisional.

            Examples:
              wenzheng calendar years
              wenzheng calendar import holiday-cn/2027.json
              wenzheng calendar explain --from 2026-09-18 --working-days 15
            """,
        subcommands: [Import.self, Explain.self, Years.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a year's holiday notice from a holiday-cn JSON file, replacing what that year had.",
            discussion: """
                The file has the format of github.com/NateScarlet/holiday-cn: \
                {"year": 2027, "papers": ["https://www.gov.cn/…"], "days": [{"name": "元旦", \
                "date": "2027-01-01", "isOffDay": true}, …]}, where isOffDay false marks a \
                make-up working day. Check it against the notice on gov.cn before importing.

                Examples:
                  wenzheng calendar import holiday-cn/2027.json
                  wenzheng calendar import --db /srv/wenzheng/var/wenzheng.sqlite ./2027.json
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: ArgumentHelp("The holiday-cn JSON file.", valueName: "file"))
        var file: String

        /// Real notices are a few kilobytes; anything this big is the wrong file.
        static let maximumFileSize = 1_000_000

        func run() async throws {
            let notice = try readNotice()
            let db = try await database.open()
            let result = try await reportingFailures {
                try await db.calendar.importHolidayNotice(
                    notice, source: "file:\(URL(fileURLWithPath: file).lastPathComponent)",
                    actor: .commandLine(osUser: operatingSystemUser), at: Date())
            }
            let replaced = result.replacedEarlierNotice ? ", replacing the earlier notice (\(result.daysBefore) days)" : ""
            print(
                "imported \(notice.year) from \(file): days off \(notice.offDays.count), "
                    + "make-up working days \(notice.makeUpWorkingDays.count)\(replaced)")
            if result.isUnchanged {
                print("no dates changed")
                return
            }
            print("added \(result.added.count), removed \(result.removed.count), changed \(result.changed.count)")
            func describe(_ day: HolidayNotice.Day?) -> String {
                guard let day else { return "-" }
                return day.isOffDay ? "day off: \(day.name)" : "working (调休): \(day.name)"
            }
            struct Change {
                var kind: String
                var before: HolidayNotice.Day?
                var after: HolidayNotice.Day?
                var date: CivilDate { (after ?? before)!.date }
            }
            let changes: [Change] =
                result.added.map { Change(kind: "added", before: nil, after: $0) }
                + result.removed.map { Change(kind: "removed", before: $0, after: nil) }
                + result.changed.map { Change(kind: "changed", before: $0.before, after: $0.after) }
            let table = changes.sorted { $0.date < $1.date }.map { change in
                [change.kind, change.date.description, change.date.weekdayAbbreviation, describe(change.before), describe(change.after)]
            }
            print(renderTable(headers: ["CHANGE", "DATE", "DAY", "BEFORE", "AFTER"], rows: table))
        }

        /// The file, read and checked, or a one-line reason it cannot be used.
        private func readNotice() throws -> HolidayNotice {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw CommandFailure("cannot read \(file): no such file")
            }
            guard !isDirectory.boolValue else { throw CommandFailure("cannot read \(file): it is a directory") }
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            guard size <= Self.maximumFileSize else {
                throw CommandFailure("\(file) is \(size) bytes; a holiday notice is a few kilobytes, so this is not one")
            }
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw CommandFailure("cannot read \(file): \(error.localizedDescription)")
            }
            do {
                return try HolidayNotice.parse(data)
            } catch {
                throw CommandFailure("\(file) is not a usable holiday-cn notice: \(error.description)")
            }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how a deadline is counted: each day after receipt, counted or skipped, and why.",
            discussion: """
                The day of receipt is not counted (Civil Code art. 201): the deadline is the \
                N-th working day after it.

                Examples:
                  wenzheng calendar explain --from 2026-09-18 --working-days 15
                  wenzheng calendar explain --from 2027-01-28 --working-days 20
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The day of receipt, like 2026-09-18 (Beijing time).", valueName: "date"))
        var from: String

        @Option(name: .customLong("working-days"), help: ArgumentHelp("How many working days (1…365).", valueName: "n"))
        var workingDays: Int

        static let workingDaysRange = 1...365

        func validate() throws {
            guard CivilDate(from) != nil else {
                throw ValidationError("--from must be a date like 2026-09-18, not '\(from)'")
            }
            guard Self.workingDaysRange.contains(workingDays) else {
                throw ValidationError("--working-days must be between 1 and 365, not \(workingDays)")
            }
        }

        func run() async throws {
            guard let received = CivilDate(from) else { return }  // checked in validate()
            let calendar = try await database.open().calendar.workingDayCalendar()
            let explanation = calendar.explain(from: received, workingDays: workingDays)
            print(
                "received \(received) (\(received.weekdayAbbreviation)); counting \(workingDays) working days "
                    + "from the next day (Civil Code art. 201)")
            let rows = explanation.days.map { day in
                [
                    day.date.description, day.date.weekdayAbbreviation,
                    day.workingDayNumber.map(String.init) ?? "skipped", day.reason.description,
                ]
            }
            print(renderTable(headers: ["DATE", "DAY", "COUNTED", "WHY"], rows: rows))
            let deadline = explanation.deadline
            print("deadline: \(deadline.date) (\(deadline.date.weekdayAbbreviation))\(deadline.isProvisional ? " PROVISIONAL" : "")")
            if deadline.isProvisional {
                let years = deadline.yearsWithoutData.map(String.init).joined(separator: ", ")
                print(
                    "provisional because no holiday notice is loaded for \(years): only weekends were skipped there, "
                        + "so the deadline may move once that notice is imported (wenzheng calendar import FILE)")
            }
        }
    }

    struct Years: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the years whose holiday notice is loaded.",
            discussion: """
                Examples:
                  wenzheng calendar years
                  wenzheng calendar years --format json
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "table or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let years = try await database.open().calendar.calendarYears()
            switch format {
            case .json:
                try printJSON(years)
            case .table:
                if years.isEmpty {
                    print("no holiday notices loaded: every year counts weekdays only; import one with: wenzheng calendar import FILE")
                    return
                }
                let rows = years.map { year in
                    [
                        String(year.year), String(year.offDays), String(year.makeUpWorkingDays), year.source,
                        officeTimestamp(year.importedAt), year.importedBy, year.papers.joined(separator: " "),
                    ]
                }
                print(renderTable(headers: ["YEAR", "DAYS OFF", "MAKE-UP DAYS", "SOURCE", "IMPORTED", "BY", "PAPERS"], rows: rows))
            }
        }
    }
}
