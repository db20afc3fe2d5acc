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

    // MARK: Notice addresses

    /// Every department with the address its notices go to, by name.
    func departmentNoticeAddresses() async throws -> [DepartmentNoticeAddress] {
        try await reader.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, notice_email FROM department ORDER BY name, id").map { row in
                DepartmentNoticeAddress(id: row["id"], name: row["name"], email: row["notice_email"])
            }
        }
    }

    /// Sets (or, with nil, removes) the shared address a department's
    /// letter notices go to; audited.
    ///
    /// - Throws: `StoreError.notFound` for an unknown department,
    ///   `StoreError.invalid` (field `email`) for an address that is not a
    ///   plain `local@domain.tld`.
    @discardableResult
    func setDepartmentNoticeAddress(department name: String, email: String?, actor: AuditActor, at now: Date) async throws
        -> DepartmentNoticeAddress
    {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let email = try DepartmentNoticeAddress.validated(email)
        return try await writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, name, notice_email FROM department WHERE name = ?", arguments: [name])
            else { throw StoreError.notFound(kind: "department", key: name) }
            let before = DepartmentNoticeAddress(id: row["id"], name: row["name"], email: row["notice_email"])
            let after = DepartmentNoticeAddress(id: before.id, name: before.name, email: email)
            guard before != after else { return before }
            try db.execute(sql: "UPDATE department SET notice_email = ? WHERE id = ?", arguments: [email, before.id])
            try AuditEntry.record(
                db, actor: actor, action: "department.notice_email", subjectType: "department", subjectID: String(before.id),
                before: before, after: after, at: now)
            return after
        }
    }
}
