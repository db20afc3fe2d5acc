import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Make the departments' daily digest of letters now.",
        discussion: """
            The server makes the digest itself at --digest-time on working days. This command \
            makes a day's digest at once (any day), for the departments that have a notice \
            address and no digest for that day yet: it writes the notices into the outbox, \
            and the running server sends them on its next pass. A day's digest is made once \
            per department, whoever makes it.

            Examples:
              wenzheng notifications digest
              wenzheng notifications digest --date 2027-03-16
            """,
        subcommands: [Digest.self]
    )

    struct Digest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make today's (or a given day's) digest of letters due within 2 working days and overdue.",
            discussion: """
                Examples:
                  wenzheng notifications digest
                  wenzheng notifications digest --date 2027-03-16 --db /srv/wz/wenzheng.sqlite
                  wenzheng notifications digest --base-url https://wenzheng.sft.example.cn/
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The office day, YYYY-MM-DD (default: today, Beijing time).", valueName: "date"))
        var date: String?

        @Option(
            name: .customLong("base-url"),
            help: ArgumentHelp(
                "The site's public address, for the links. [env: WENZHENG_BASE_URL, default: \(LetterNoticeLinks.localDefault.base)]",
                valueName: "url"))
        var baseURL: String?

        func run() async throws {
            let now = Date()
            var day = CivilDate(now)
            if let date {
                guard let parsed = CivilDate(date.trimmingCharacters(in: .whitespaces)), parsed.description == date.trimmingCharacters(in: .whitespaces)
                else { throw ValidationError("--date must be a day like 2027-03-16, not '\(date)'") }
                day = parsed
            }
            let baseText = baseURL ?? ProcessInfo.processInfo.environment["WENZHENG_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            var links = LetterNoticeLinks.localDefault
            if let baseText {
                guard let parsed = LetterNoticeLinks(base: baseText) else {
                    throw ValidationError("--base-url must be an http or https address like https://wenzheng.example.gov.cn/, not '\(baseText)'")
                }
                links = parsed
            }
            let db = try await database.open(noticeLinks: links)
            let made = try await reportingFailures { try await db.mailbox.makeLetterDigests(day: day, at: now) }
            if made.isEmpty {
                print("no digest to make for \(day): every department with a notice address has one already, or none has an address")
                return
            }
            for digest in made {
                if digest.outboxMessageID != nil {
                    print("\(digest.department): \(digest.letters) letters (\(digest.overdue) overdue) in the outbox")
                } else {
                    print("\(digest.department): nothing due; no notice")
                }
            }
        }
    }
}
