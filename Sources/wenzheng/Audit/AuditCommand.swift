import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the audit log of moderation and staff actions, newest first.",
        discussion: """
            Actions taken on the command line are recorded under cli: and the operating-system \
            user (cli:root); actions in the web pages under the staff account's username.

            Examples:
              wenzheng audit --since 2026-11-01
              wenzheng audit --actor zhang.wei --limit 50
              wenzheng audit --actor cli:root --since 2026-11-01T09:00:00+08:00 \\
                  --format json
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only entries from this date (2026-11-01, Beijing time) or ISO 8601 time on.")
    var since: String?

    @Option(help: "Only entries by this actor (a username, or cli:<os user>).")
    var actor: String?

    @Option(help: "At most this many entries.")
    var limit: Int = 500

    @Option(help: "table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if let since, AuditDates.parse(since) == nil {
            throw ValidationError("--since must be a date like 2026-11-01 or an ISO 8601 time, not '\(since)'")
        }
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    func run() async throws {
        let entries = try await database.open().audit.auditEntries(
            since: since.flatMap(AuditDates.parse), actorName: actor, limit: limit)
        switch format {
        case .json:
            try printJSON(entries)
        case .table:
            if entries.isEmpty {
                print("no audit entries match")
                return
            }
            let rows = entries.map { entry in
                [
                    officeTimestamp(entry.recordedAt), entry.actorName, entry.action,
                    "\(entry.subjectType) \(entry.subjectId ?? "")", String((entry.afterJson ?? "").prefix(60)),
                ]
            }
            print(renderTable(headers: ["TIME", "ACTOR", "ACTION", "SUBJECT", "AFTER"], rows: rows))
        }
    }
}
