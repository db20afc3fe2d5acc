import Foundation
import GRDB
import Testing
import WenzhengStore

/// `wenzheng calendar`, run as a separate process with `CLI.run` (see
/// Support/CLI.swift).
@Suite("wenzheng calendar")
struct CalendarCommandTests {
    @Test("explain shows each day with its reason and the deadline")
    func explainGolden() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        let result = try CLI.run(["calendar", "explain", "--from", "2026-09-18", "--working-days", "20", "--db", db])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "received 2026-09-18 (Fri); counting 20 working days from the next day (Civil Code art. 201)")
        #expect(lines.contains { $0.hasPrefix("2026-09-19  Sat  skipped") && $0.hasSuffix("weekend") })
        #expect(lines.contains { $0.hasPrefix("2026-09-20  Sun  1 ") && $0.hasSuffix("make-up working day (调休) for 国庆节") })
        #expect(lines.contains { $0.hasPrefix("2026-09-25  Fri  skipped") && $0.hasSuffix("statutory holiday 中秋节") })
        #expect(lines.contains { $0.hasPrefix("2026-10-10  Sat  11 ") && $0.hasSuffix("make-up working day (调休) for 国庆节") })
        #expect(lines.contains { $0.hasPrefix("2026-10-22  Thu  20 ") })
        #expect(lines.last == "deadline: 2026-10-22 (Thu)")
        #expect(!result.output.contains("PROVISIONAL"))

        let makeUp = try CLI.run(["calendar", "explain", "--from", "2026-02-13", "--working-days", "1", "--db", db])
        #expect(makeUp.output.contains("make-up working day (调休) for 春节"))
        #expect(makeUp.output.contains("deadline: 2026-02-14 (Sat)"))
    }

    @Test("a year without a notice gives a provisional deadline until its notice is imported")
    func importingAYearMakesItsDeadlinesFinal() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        // Given no 2027 notice, counting across 2027-01-01 is provisional
        // (1 January is a day off all the same)
        let before = try CLI.run(["calendar", "explain", "--from", "2026-12-30", "--working-days", "2", "--db", db])
        #expect(before.status == 0, "\(before.error)")
        #expect(before.output.contains("no holiday data for 2027: weekdays only"))
        #expect(before.output.contains("statutory holiday 元旦"))
        #expect(before.output.contains("deadline: 2027-01-04 (Mon) PROVISIONAL"))

        // When a small 2027 file is imported
        let file = temp.path("2027.json")
        try Data(
            """
            {"$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
             "year": 2027, "papers": ["https://example.invalid/2027.htm"],
             "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true},
                      {"name": "春节", "date": "2027-02-20", "isOffDay": false}]}
            """.utf8
        ).write(to: URL(fileURLWithPath: file))
        let imported = try CLI.run(["calendar", "import", file, "--db", db])
        #expect(imported.status == 0, "\(imported.error)")
        #expect(imported.output.contains("imported 2027 from \(file): days off 1, make-up working days 1"))
        #expect(imported.output.contains("added 2, removed 0, changed 0"))
        #expect(imported.output.contains("day off: 元旦"))

        // Then the same count skips 元旦 and is final
        let after = try CLI.run(["calendar", "explain", "--from", "2026-12-30", "--working-days", "2", "--db", db])
        #expect(after.output.contains("statutory holiday 元旦"))
        #expect(after.output.contains("deadline: 2027-01-04 (Mon)\n"))
        #expect(!after.output.contains("PROVISIONAL"))

        // …the year is listed, and the import is in the audit log
        let years = try CLI.run(["calendar", "years", "--db", db])
        let rows = years.output.split(separator: "\n").map(String.init)
        #expect(rows.map { String($0.prefix(4)) } == ["YEAR", "2025", "2026", "2027"])
        #expect(rows.last?.contains("file:2027.json") == true)
        let json = try CLI.run(["calendar", "years", "--db", db, "--format", "json"])
        let listed = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        #expect(listed?.compactMap { $0["year"] as? Int } == [2025, 2026, 2027])
        let audit = try AppDatabase.openFile(atPath: db).reader.read { db in
            try String.fetchAll(db, sql: "SELECT action || ' ' || subject_id FROM audit_entry")
        }
        #expect(audit == ["calendar.import 2027"])

        // Importing the same file again changes nothing but is recorded
        let again = try CLI.run(["calendar", "import", file, "--db", db])
        #expect(again.output.contains("replacing the earlier notice (2 days)"))
        #expect(again.output.contains("no dates changed"))
    }

    @Test("a bad file gets a one-line error, a non-zero exit, and changes nothing")
    func badFilesAreRefused() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        let cases: [(content: String?, message: String)] = [
            ("{\"year\": 2027, \"days\": [", "is not a usable holiday-cn notice: not valid JSON"),
            (#"{"year": 2027, "papers": [], "days": []}"#, "the notice for 2027 lists no days"),
            (#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-02-30", "isOffDay": true}]}"#, "'days[0].date' is '2027-02-30'"),
            (nil, "cannot read"),
        ]
        for (index, testCase) in cases.enumerated() {
            let file = temp.path("bad-\(index).json")
            if let content = testCase.content { try Data(content.utf8).write(to: URL(fileURLWithPath: file)) }
            let result = try CLI.run(["calendar", "import", file, "--db", db])
            #expect(result.status != 0)
            #expect(result.error.contains(testCase.message), "\(result.error)")
            #expect(result.error.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(result.error)")
        }
        let years = try CLI.run(["calendar", "years", "--db", db, "--format", "json"])
        let listed = try JSONSerialization.jsonObject(with: Data(years.output.utf8)) as? [[String: Any]]
        #expect(listed?.count == 2)
    }

    @Test func explainValidatesItsInput() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        let badDate = try CLI.run(["calendar", "explain", "--from", "2026-02-30", "--working-days", "5", "--db", db])
        #expect(badDate.status != 0)
        #expect(badDate.error.contains("--from must be a date like 2026-09-18, not '2026-02-30'"))
        for count in ["0", "366", "-1"] {
            let result = try CLI.run(["calendar", "explain", "--from", "2026-02-13", "--working-days=\(count)", "--db", db])
            #expect(result.status != 0)
            #expect(result.error.contains("--working-days must be between 1 and 365"), "\(result.error)")
        }
        #expect(try CLI.run(["calendar", "explain", "--from", "2026-02-13", "--working-days", "365", "--db", db]).status == 0)
        #expect(try CLI.run(["--help"]).output.contains("calendar"))
    }
}
