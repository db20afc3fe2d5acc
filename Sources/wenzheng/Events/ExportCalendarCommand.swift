import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng export calendar`: the year's interviews and open days as one
/// RFC 5545 file.
struct ExportCalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Export a year's interviews and open days as an iCalendar (.ics) file.",
        discussion: """
            RFC 5545, as common calendar programs import it: times in UTC (shown in the \
            reader's zone), one VEVENT per event with a UID that stays the same for the \
            event's life (interview-12@HOST, open-day-3@HOST, HOST from --base-url) and its \
            revision as SEQUENCE, so importing a newer file updates events instead of \
            doubling them; cancelled events are kept with STATUS:CANCELLED.

            The output depends only on the data: DTSTAMP is the latest change among the \
            exported events (or --stamp), never the time of the export, so exporting again \
            without changes gives the same bytes and an archive diffs clean.

            By default every event of the year is written, including interviews not yet \
            announced (the office's plan); --public leaves those out, for a calendar to \
            publish.

            Examples:
              wenzheng export calendar --year 2027 -o plan-2027.ics
              wenzheng export calendar --year 2027 --public \\
                  --base-url https://wenzheng.example.gov.cn/ -o public-2027.ics
              wenzheng export calendar --year 2027 --stamp 2027-01-01T00:00 > plan.ics
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var site: SiteOptions

    @Option(help: ArgumentHelp("The year, by Beijing dates. [default: this year]", valueName: "year"))
    var year: Int?

    @Option(
        name: .shortAndLong, help: ArgumentHelp("Write to this file (whole, then renamed) instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("DTSTAMP for every event, Beijing time. [default: the latest change among the events]", valueName: "time"))
    var stamp: String?

    @Flag(help: "Only what the public sees: leave out interviews not yet announced.")
    var `public` = false

    func validate() throws {
        if let year, !OfficeTimeText.supportedYears.contains(year) {
            throw ValidationError("--year must be from 2000 to 2100, not \(year)")
        }
    }

    func run() async throws {
        let now = Date()
        let year = self.year ?? CivilDate(now).year
        var input = InputErrors()
        let stamp = self.stamp.flatMap { input.time($0, option: "stamp") }
        let destination = OutputFile(path: output)
        let listing = try await reportingEventFailures {
            try input.check()
            try destination.check()
            return try await EventListing.load(database.open(), year: year, publicOnly: `public`, site: try site.site(), now: now)
        }
        let text = listing.calendar(name: "问政 \(year) 年访谈与开放日", stamp: stamp)
        try await reportingEventFailures { try destination.write(Data(text.utf8)) }
        if !destination.isStandardOutput {
            let message = "\(listing.events.count) events of \(year) written to \(output ?? "")\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
    }
}
