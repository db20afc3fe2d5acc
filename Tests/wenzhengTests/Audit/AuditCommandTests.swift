import Foundation
import Testing

/// `wenzheng audit`: the audit log, filtered, as a table or JSON.
@Suite("wenzheng audit", .serialized)
struct AuditCommandTests {
    @Test func listsAndFilters() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        try CLI.run(["users", "add", "root", "--role", "admin", "--db", db, "--password-stdin"], input: "password-12345\n")
        let table = try CLI.run(["audit", "--db", db])
        #expect(table.output.contains("staff_user.create"))
        let json = try CLI.run(["audit", "--db", db, "--format", "json", "--actor", "nobody"])
        #expect(json.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || json.output.contains("[]"))
        let badDate = try CLI.run(["audit", "--db", db, "--since", "last week"])
        #expect(badDate.status != 0)
        #expect(badDate.error.contains("--since"))
    }
}
