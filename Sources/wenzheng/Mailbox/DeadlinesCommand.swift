import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

struct DeadlinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadlines",
        abstract: "List open letters with their reply deadlines, soonest first.",
        discussion: """
            Working days are counted on the stored holiday calendar (wenzheng calendar). \
            A deadline is PROVISIONAL when it counts through a year whose holiday notice is \
            not imported yet, PAUSED while an information-disclosure clock is stopped (LEFT \
            is then what remains on it), and OVERDUE once the due date has passed.

            Examples:
              wenzheng deadlines
              wenzheng deadlines --due-within 3 --department "法律援助处"
              wenzheng deadlines --overdue --format csv > overdue.csv
            """)

    /// Output formats: an aligned table, RFC 4180 CSV, or JSON.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case csv
        case json
    }

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Only letters past their due date.")
    var overdue = false

    @Option(
        name: .customLong("due-within"),
        help: ArgumentHelp("Only letters due within N working days from today (1…365), overdue ones included.", valueName: "n"))
    var dueWithin: Int?

    @Option(help: ArgumentHelp("Only letters this department leads, and its co-handling shares.", valueName: "name"))
    var department: String?

    @Option(help: "table, csv or json.")
    var format: Format = .table

    static let dueWithinRange = 1...365

    func validate() throws {
        if overdue && dueWithin != nil {
            throw ValidationError("--overdue and --due-within cannot be used together")
        }
        if let dueWithin, !Self.dueWithinRange.contains(dueWithin) {
            throw ValidationError("--due-within must be 1 to 365 working days, not \(dueWithin)")
        }
        if let department, department.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--department needs a department name")
        }
    }

    func run() async throws {
        let db = try await database.open()
        let rows = try await reportingFailures { () -> [LetterDeadlineRow] in
            var departmentID: Int64?
            if let department {
                guard let found = try await db.accounts.department(named: department) else {
                    let known = try await db.accounts.departments().map(\.name)
                    throw CommandFailure(
                        "no department named '\(department)'"
                            + (known.isEmpty ? "" : "; departments: \(known.joined(separator: ", "))"))
                }
                departmentID = found.id
            }
            let filter: LetterDeadlineFilter = overdue ? .overdueOnly : dueWithin.map { .dueWithin(workingDays: $0) } ?? .all
            // Page by page (each read bounded by the store's page size),
            // since the command lists every match.
            let now = Date()
            var rows: [LetterDeadlineRow] = []
            while true {
                let page = try await db.mailbox.openLetterDeadlines(
                    filter: filter, departmentID: departmentID, limit: MailboxChecks.maxDeadlinePageSize, offset: rows.count, at: now)
                rows += page.rows
                if !page.more || page.rows.isEmpty { return rows }
            }
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        case .csv:
            let header = [
                "number", "type", "state", "department", "received", "due", "working_days_left", "provisional", "paused", "overdue",
                "subject",
            ]
            let lines =
                [header]
                + rows.map { row in
                    [
                        row.number, row.type.rawValue, row.state.rawValue, row.department ?? "", row.receivedOn.description,
                        row.dueOn?.description ?? "",
                        row.workingDaysLeft.map(String.init) ?? "", String(row.provisional), String(row.paused), String(row.overdue),
                        row.subject,
                    ]
                }
            // RFC 4180: CRLF line ends, the last line included.
            FileHandle.standardOutput.write(Data(lines.map { Self.csvLine($0) + "\r\n" }.joined().utf8))
        case .table:
            if rows.isEmpty {
                print("no open letters match")
                return
            }
            let table = rows.map { row in
                [
                    row.number, row.type.rawValue, row.state.rawValue,
                    (row.department ?? "-") + (row.coHandling ? " (co)" : ""), row.receivedOn.description, row.dueOn?.description ?? "-",
                    row.workingDaysLeft.map(String.init) ?? "-", Self.flags(row),
                ]
            }
            print(renderTable(headers: ["NUMBER", "TYPE", "STATE", "DEPARTMENT", "RECEIVED", "DUE", "LEFT", "FLAGS"], rows: table))
        }
    }

    static func flags(_ row: LetterDeadlineRow) -> String {
        let flags = [(row.provisional, "provisional"), (row.paused, "paused"), (row.overdue, "overdue")].filter(\.0).map(\.1)
        return flags.isEmpty ? "-" : flags.joined(separator: ",")
    }

    /// One CSV record: a field with a comma, a double quote, CR or LF is
    /// quoted, and its double quotes doubled (RFC 4180 §2).
    static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }
}
