import Foundation
import GRDB
import WenzhengCore

extension GRDBAccountsStore {
    // MARK: Departments for the mailbox

    /// Every department, by name: the choices for a lead or co-handling
    /// department and for per-department deadline policies.
    func departments() async throws -> [LetterDepartment] {
        try await reader.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name FROM department ORDER BY name, id").map { row in
                LetterDepartment(id: row["id"], name: row["name"])
            }
        }
    }

    /// The department with exactly this name (surrounding white space
    /// ignored), or nil.
    func department(named name: String) async throws -> LetterDepartment? {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await reader.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name FROM department WHERE name = ?", arguments: [name]).map { row in
                LetterDepartment(id: row["id"], name: row["name"])
            }
        }
    }
}
