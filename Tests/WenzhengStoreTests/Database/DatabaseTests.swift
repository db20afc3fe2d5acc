import Foundation
import GRDB
import Testing
import WenzhengStore

@Suite("Opening the database")
struct DatabaseTests {
    @Test("a new file is WAL with synchronous=FULL and foreign keys on")
    func durability() throws {
        let temporary = try TemporaryDatabase()
        let settings = try temporary.database.durabilitySettings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2)  // FULL
        let foreignKeys = try temporary.database.reader.read { db in try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") }
        #expect(foreignKeys == true)
    }

    @Test("reopening an up-to-date file migrates nothing and keeps data")
    func reopen() async throws {
        let temporary = try TemporaryDatabase()
        try await temporary.database.addUser("li")
        let reopened = try AppDatabase.openFile(atPath: temporary.path)
        #expect(try await reopened.accounts.staffUsers().map(\.username) == ["li"])
    }

    @Test("a file from a newer schema is refused with the unknown migrations named")
    func newerSchema() throws {
        let temporary = try TemporaryDatabase()
        try temporary.database.writer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        #expect(throws: StoreError.newerSchema(unknownMigrations: ["v99-from-the-future"])) {
            try AppDatabase.openFile(atPath: temporary.path)
        }
    }

    @Test("a path whose directory cannot be created fails with a reason")
    func unwritablePath() throws {
        let temporary = try TemporaryDatabase()
        // A regular file where a directory would have to be.
        let blocker = temporary.directory.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        let path = blocker.appendingPathComponent("db.sqlite").path
        do {
            _ = try AppDatabase.openFile(atPath: path)
            Issue.record("expected the open to fail")
        } catch let StoreError.cannotOpen(failedPath, reason) {
            #expect(failedPath == path)
            #expect(!reason.isEmpty)
        }
    }

    @Test func checkpointEmptiesTheWAL() async throws {
        let temporary = try TemporaryDatabase()
        try await temporary.database.addUser("wang")
        try temporary.database.checkpoint()
        let walSize = (try? FileManager.default.attributesOfItem(atPath: temporary.path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize == 0)
    }
}
