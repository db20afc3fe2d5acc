import Foundation
import GRDB
import Testing
import WenzhengStore

/// `wenzheng users`: staff accounts from the command line.
@Suite("wenzheng users", .serialized)
struct UsersCommandTests {
    @Test func addListDisableAndResetUsers() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("var/wenzheng.sqlite")  // the directory is created
        let added = try CLI.run(
            ["users", "add", "Admin", "--role", "admin", "--display-name", "管理员", "--db", db, "--password-stdin"],
            input: "password-12345\n")
        #expect(added.status == 0, "\(added.error)")
        #expect(added.output.contains("created admin 'admin' in 办公室"))
        // The environment variable names the database too.
        let handler = try CLI.run(
            ["users", "add", "li", "--role", "handler", "--department", "法律援助处", "--password-stdin"],
            input: "password-67890\n", environment: ["WENZHENG_DB": db])
        #expect(handler.status == 0, "\(handler.error)")

        let table = try CLI.run(["users", "list", "--db", db])
        #expect(table.output.contains("USERNAME"))
        #expect(table.output.contains("法律援助处"))
        let json = try CLI.run(["users", "list", "--db", db, "--format", "json"])
        let users = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        #expect(users?.compactMap { $0["username"] as? String }.sorted() == ["admin", "li"])

        // Passwords are bcrypt with cost 12, never the plain text.
        let database = try AppDatabase.openFile(atPath: db)
        let hash = try database.reader.read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM staff_user WHERE username = 'admin'")
        }
        #expect(hash?.hasPrefix("$2b$12$") == true)

        let disabled = try CLI.run(["users", "disable", "li", "--db", db])
        #expect(disabled.status == 0)
        #expect(try CLI.run(["users", "list", "--db", db]).output.contains("disabled"))
        let reset = try CLI.run(["users", "reset-password", "li", "--db", db, "--password-stdin"], input: "another-password\n")
        #expect(reset.status == 0, "\(reset.error)")
        let audit = try database.reader.read { db in
            try String.fetchAll(db, sql: "SELECT action FROM audit_entry ORDER BY id")
        }
        #expect(audit == ["staff_user.create", "staff_user.create", "staff_user.disable", "staff_user.reset_password"])
    }

    @Test func badInputGetsAOneLineMessageAndChangesNothing() throws {
        let temp = try TemporaryDirectory()
        let db = temp.path("db.sqlite")
        let badRole = try CLI.run(["users", "add", "x1", "--role", "boss", "--db", db, "--password-stdin"], input: "password-12345\n")
        #expect(badRole.status != 0)
        #expect(badRole.error.contains("unknown role 'boss'"))
        let shortPassword = try CLI.run(["users", "add", "x1", "--role", "admin", "--db", db, "--password-stdin"], input: "short\n")
        #expect(shortPassword.status != 0)
        #expect(shortPassword.error.contains("at least 10"))
        let noTerminal = try CLI.run(["users", "add", "x1", "--role", "admin", "--db", db])
        #expect(noTerminal.status != 0)
        #expect(noTerminal.error.contains("--password-stdin"))
        try CLI.run(["users", "add", "x1", "--role", "admin", "--db", db, "--password-stdin"], input: "password-12345\n")
        let duplicate = try CLI.run(["users", "add", "X1", "--role", "guest", "--db", db, "--password-stdin"], input: "password-12345\n")
        #expect(duplicate.status != 0)
        #expect(duplicate.error.contains("already taken"))
        let unknown = try CLI.run(["users", "disable", "ghost", "--db", db])
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("no user 'ghost'"))
        let list = try CLI.run(["users", "list", "--db", db, "--format", "json"])
        #expect(list.output.components(separatedBy: "\"username\"").count == 2)
    }
}
