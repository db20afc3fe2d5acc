import Foundation
import WenzhengCore
import WenzhengStore

/// A fresh database file in its own temporary directory, removed when the
/// test's value goes away.
final class TemporaryDatabase {
    let directory: URL
    let path: String
    let database: AppDatabase

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-store-\(UUID().uuidString)")
        path = directory.appendingPathComponent("test.sqlite").path
        database = try AppDatabase.openFile(atPath: path)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}

let testStart = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18
let cliActor = AuditActor.commandLine(osUser: "tester")

extension AppDatabase {
    @discardableResult
    func addUser(_ username: String, role: Role = .moderator, department: String = "办公室", at: Date = testStart) async throws
        -> StaffUserSummary
    {
        try await accounts.createStaffUser(
            NewStaffUser(username: username, displayName: username, role: role, department: department, passwordHash: "hash-\(username)"),
            actor: cliActor, at: at)
    }
}
