import Foundation
import GRDB
import Testing
import WenzhengCore
import WenzhengStore

/// What the writer did while a backup ran.
actor WriterLog {
    private(set) var written = 0
    private(set) var failures: [String] = []
    private(set) var stopped = false

    func wrote() { written += 1 }
    func failed(_ error: any Error) { failures.append("\(error)") }
    func stop() { stopped = true }
}

/// `wenzheng backup`, run as a separate process against a database that
/// this test process writes to meanwhile, as the server would.
@Suite("wenzheng backup")
struct BackupCommandTests {
    static func letter(_ index: Int) -> NewLetter {
        NewLetter(
            type: .suggestion, subject: "建议 \(index)", body: String(repeating: "关于法律援助窗口延长服务时间的建议。", count: 30), authorName: "张三",
            phone: "13812345678", email: nil, mayPublish: false, idempotencyKey: nil, clientAddress: nil)
    }

    /// Runs the CLI on a thread of its own, so the writer's tasks keep the
    /// cooperative pool while the test waits for the process.
    static func runOffPool(_ arguments: [String]) async throws -> CLI.Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try CLI.run(arguments) })
            }
        }
    }

    @Test("a backup while letters are being written is one consistent snapshot, checked, that restores and runs")
    func backupDuringWrites() async throws {
        let temp = try TemporaryDirectory()
        let source = temp.path("live.sqlite")
        let database = try AppDatabase.openFile(atPath: source)
        for index in 0..<300 {
            _ = try await database.mailbox.submitLetter(Self.letter(index), passwordHash: "hash", at: Date())
        }
        // The writer: a letter and its `submitted` event per transaction,
        // through the store, until told to stop.
        let log = WriterLog()
        let writer = Task {
            var index = 300
            while !(await log.stopped) {
                do {
                    _ = try await database.mailbox.submitLetter(Self.letter(index), passwordHash: "hash", at: Date())
                    await log.wrote()
                } catch {
                    await log.failed(error)
                }
                index += 1
            }
        }
        while await log.written < 10 { try await Task.sleep(for: .milliseconds(5)) }

        let lettersAtStart = try await database.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM letter")! }
        let writtenAtStart = await log.written
        let backup = temp.path("backup.sqlite")
        let result = try await Self.runOffPool(["backup", backup, "--pages-per-step", "2", "--pause", "2", "--db", source])
        let writtenDuring = await log.written - writtenAtStart
        await log.stop()
        await writer.value
        let lettersAtEnd = try await database.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM letter")! }

        #expect(result.status == 0, "\(result.error)")
        #expect(await log.failures == [], "the writer was held up by the backup")
        #expect(writtenDuring > 0, "no letter was written while the backup ran")
        #expect(!result.error.contains("\r"), "a progress bar drawn into a pipe")
        let summary = try #require(result.output.split(separator: "\n").first.map(String.init))
        #expect(
            summary.wholeMatch(
                of:
                    /backed up \d+ pages \(\d+ bytes\) of .+ to .+ in \d+\.\d\d s; integrity_check ok, foreign_key_check ok; schema: \d+ migrations, up to date/
            ) != nil, "\(summary)")
        // Nothing but the database and the backup in the folder.
        let names = try FileManager.default.contentsOfDirectory(atPath: temp.url.path).filter { !$0.hasPrefix("live.sqlite") }
        #expect(names == ["backup.sqlite"])

        // The copy: one self-contained file, intact, every migration, and
        // a snapshot: letters 1…n with no gap, each with its event.
        let liveMigrations = try await database.reader.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        var readOnly = Configuration()
        readOnly.readonly = true
        let copy = try DatabaseQueue(path: backup, configuration: readOnly)
        try await copy.read { db in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "delete")
            let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
            #expect(migrations == liveMigrations && migrations.contains("v15-outbox"))
            let letters = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM letter")!
            // Taken after the command started, and without the letters
            // written while it copied (a copy of 150 steps 2 ms apart).
            #expect(letters >= lettersAtStart && letters < lettersAtEnd, "\(lettersAtStart) ≤ \(letters) < \(lettersAtEnd)")
            #expect(try Int.fetchOne(db, sql: "SELECT MAX(id) FROM letter") == letters, "a gap: not one snapshot")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM letter_event WHERE kind = 'submitted'") == letters)
            #expect(
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) FROM letter WHERE NOT EXISTS (SELECT 1 FROM letter_event WHERE letter_id = letter.id AND kind = 'submitted')"
                ) == 0)
        }
        try copy.close()
        #expect(!FileManager.default.fileExists(atPath: backup + "-wal"))

        // Restored in place of a database, it opens as the server opens it and takes new letters.
        let restoredPath = temp.path("restored.sqlite")
        try FileManager.default.copyItem(atPath: backup, toPath: restoredPath)
        let restored = try AppDatabase.openFile(atPath: restoredPath)
        let count = try await restored.reader.read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM letter")! }
        #expect(try await restored.mailbox.letter(id: count).subject.hasPrefix("建议"))
        let next = try await restored.mailbox.submitLetter(Self.letter(0), passwordHash: "hash", at: Date()).letter
        #expect(next.id == count + 1)
    }

    @Test("an existing file is kept without --force and replaced with it; no database, no backup and no new database")
    func files() async throws {
        let temp = try TemporaryDirectory()
        let source = temp.path("live.sqlite")
        _ = try AppDatabase.openFile(atPath: source)
        let backup = temp.path("backup.sqlite")
        try Data("an older backup".utf8).write(to: URL(fileURLWithPath: backup))

        let kept = try CLI.run(["backup", backup, "--db", source])
        #expect(kept.status != 0)
        #expect(kept.error.contains("\(backup) exists; choose another file or give --force to replace it"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: backup)) == Data("an older backup".utf8))

        let replaced = try CLI.run(["backup", backup, "--force", "--db", source])
        #expect(replaced.status == 0, "\(replaced.error)")
        #expect(try DatabaseBackup.check(databaseAt: backup).passed)

        let missing = try CLI.run(["backup", temp.path("other.sqlite"), "--db", temp.path("typo.sqlite")])
        #expect(missing.status != 0)
        #expect(missing.error.contains("no database at \(temp.path("typo.sqlite"))"))
        #expect(!FileManager.default.fileExists(atPath: temp.path("typo.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: temp.path("other.sqlite")))

        let itself = try CLI.run(["backup", source, "--force", "--db", source])
        #expect(itself.status != 0 && itself.error.contains("cannot be the database itself"))
        let nowhere = try CLI.run(["backup", temp.path("no/such/folder/b.sqlite"), "--db", source])
        #expect(nowhere.status != 0 && nowhere.error.contains("does not exist"))
    }

    @Test("a copy that fails foreign_key_check is not put in place, and the exit status says so")
    func failedCheck() async throws {
        let temp = try TemporaryDirectory()
        let source = temp.path("live.sqlite")
        _ = try AppDatabase.openFile(atPath: source)
        // A broken database: an event of a letter that does not exist,
        // written with the foreign keys off.
        var unchecked = Configuration()
        unchecked.foreignKeysEnabled = false
        let broken = try DatabasePool(path: source, configuration: unchecked)
        try await broken.write { db in
            try db.execute(
                sql:
                    "INSERT INTO letter_event (letter_id, kind, actor_name, recorded_at) VALUES (9999, 'submitted', '网友', '2027-03-16 01:00:00.000')"
            )
        }
        try broken.close()

        let backup = temp.path("backup.sqlite")
        let result = try CLI.run(["backup", backup, "--db", source])
        #expect(result.status != 0)
        #expect(result.error.contains("foreign_key_check: letter_event row 1 refers to a missing letter"))
        #expect(result.error.contains("the copy failed its checks (1 problem(s)); \(backup) was not written"))
        #expect(result.output.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path).filter { !$0.hasPrefix("live.sqlite") } == [])
    }
}

/// `wenzheng backup` on a terminal, through util-linux `script`, which
/// gives the command a pseudo-terminal as a person's shell would.
@Suite("wenzheng backup on a terminal")
struct BackupTerminalTests {
    static let script = "/usr/bin/script"

    @Test(
        "a progress bar redrawn in place on standard error, then the summary",
        .enabled(if: FileManager.default.isExecutableFile(atPath: script)))
    func progressBar() async throws {
        let temp = try TemporaryDirectory()
        let source = temp.path("live.sqlite")
        _ = try AppDatabase.openFile(atPath: source)
        let backup = temp.path("backup.sqlite")
        let command = [CLI.executable.path, "backup", backup, "--pages-per-step", "8", "--db", source]
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = try ChildProcess(
            executable: Self.script, arguments: ["-qec", command, "/dev/null"], environment: CLI.environment([:]),
            standardErrorTo: .sameAsStandardOutput)
        let text = String(decoding: process.standardOutput.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        let pages = try #require(text.firstMatch(of: /backed up (\d+) pages/).map { String($0.1) })
        #expect(text.contains("\rBacking up ["))
        #expect(text.contains("] 100%  \(pages)/\(pages) pages\r\n"), "\(text.debugDescription)")
        #expect(text.components(separatedBy: "\rBacking up [").count > 3, "the bar moves once per step")
    }
}
