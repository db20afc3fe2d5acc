import ArgumentParser
import Foundation
import WenzhengStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `wenzheng backup FILE [--force] [--pages-per-step N] [--pause MS]`: a consistent copy
/// of the live database, taken while the server runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database into FILE while the server runs, then check the copy.",
        discussion: """
            The copy is made with SQLite's online backup API from one read transaction: it is \
            the database as it was at one instant, whatever the server writes meanwhile, and \
            the server is not stopped or slowed beyond the reads. The database is not migrated \
            first, so a backup taken before an upgrade is the old schema, as it was.

            The copy is written beside FILE under a temporary name, checked (PRAGMA \
            integrity_check and foreign_key_check), and only then renamed to FILE: a failed or \
            interrupted backup never leaves a partial file under that name (a killed one may \
            leave the hidden temporary file, .FILE.….tmp, to delete). An existing FILE is \
            kept unless --force is given. The exit status is non-zero when the copy or a check \
            fails.

            On a terminal a progress bar is drawn on standard error; the summary (pages, bytes, \
            seconds, checks, schema) is printed on standard output in every case.

            Attachments are files in their own folder (serve --attachments), not in the \
            database: copy that folder after the backup. To restore, stop the server and put the copy in \
            the database's place (removing the old -wal and -shm files).

            On PostgreSQL (--database or WENZHENG_DATABASE_URL) the copy is PostgreSQL's own \
            pg_dump in its custom format (one snapshot; the server keeps serving), checked \
            by reading its table of contents back with pg_restore --list, then renamed to \
            FILE the same way. Restore it with pg_restore into an empty database \
            (docs/deployment.md). pg_dump must be as new as the server (Debian's \
            postgresql-client-15 for PostgreSQL 15); it is looked for on PATH and in \
            /usr/lib/postgresql/*/bin.

            Examples:
              wenzheng backup /backup/wenzheng-$(date +%F).sqlite
              wenzheng backup --database postgres://wz@db/wz /backup/wz.dump
              wenzheng backup --db /srv/wz/wenzheng.sqlite --force /backup/latest.sqlite
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("The backup file to write.", valueName: "file"))
    var file: String

    @Flag(help: "Replace FILE if it exists.")
    var force = false

    @Option(help: ArgumentHelp("Database pages copied per step (the bar moves once per step).", valueName: "pages"))
    var pagesPerStep = 256

    @Option(help: ArgumentHelp("Wait this long between steps, to leave the disk to the server during a large backup.", valueName: "ms"))
    var pause = 0

    func validate() throws {
        guard !file.isEmpty else { throw ValidationError("name the backup file") }
        guard pagesPerStep > 0 else { throw ValidationError("--pages-per-step must be positive, not \(pagesPerStep)") }
        guard (0...10_000).contains(pause) else { throw ValidationError("--pause is from 0 to 10000 milliseconds, not \(pause)") }
    }

    func run() async throws {
        if case .postgres(let location) = try database.location() {
            try dumpPostgres(location)
            return
        }
        let source = URL(fileURLWithPath: database.resolvedPath).standardizedFileURL
        let target = URL(fileURLWithPath: file).standardizedFileURL
        let manager = FileManager.default
        guard manager.fileExists(atPath: source.path) else {
            throw CommandFailure("no database at \(source.path); name it with --db or WENZHENG_DB")
        }
        guard source.resolvingSymlinksInPath() != target.resolvingSymlinksInPath() else {
            throw CommandFailure("the backup cannot be the database itself (\(source.path))")
        }
        if manager.fileExists(atPath: target.path) && !force {
            throw CommandFailure("\(target.path) exists; choose another file or give --force to replace it")
        }
        var isDirectory: ObjCBool = false
        let directory = target.deletingLastPathComponent()
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("cannot write \(target.path): the folder \(directory.path) does not exist")
        }

        // Beside the target, so the final rename stays on one file system.
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        defer { Self.remove(temporary) }
        let bar = ProgressBar(label: "Backing up")
        let started = Date()
        let copy: DatabaseBackup.Copy
        let check: DatabaseBackup.Check
        do {
            copy = try DatabaseBackup.copy(databaseAt: source.path, to: temporary.path, pagesPerStep: pagesPerStep) { step in
                bar.update(done: step.copiedPages, total: step.totalPages, unit: "pages")
                if pause > 0 && step.copiedPages < step.totalPages { usleep(useconds_t(pause) * 1000) }
            }
            bar.finish()
            check = try DatabaseBackup.check(databaseAt: temporary.path)
        } catch let error as StoreError {
            bar.finish()
            throw CommandFailure("backup failed: \(error.description); \(target.path) was not written")
        } catch {
            bar.finish()
            throw CommandFailure("backup failed: \(error); \(target.path) was not written")
        }
        guard check.passed else {
            let problems =
                (check.integrityProblems.map { "integrity_check: \($0)" } + check.foreignKeyProblems.map { "foreign_key_check: \($0)" })
            FileHandle.standardError.write(Data(problems.prefix(20).map { $0 + "\n" }.joined().utf8))
            throw CommandFailure(
                "the copy failed its checks (\(problems.count) problem(s)); \(target.path) was not written. Check the live database with PRAGMA integrity_check"
            )
        }
        try Self.place(temporary, at: target, replacing: force)
        let seconds = Date().timeIntervalSince(started)
        print(Self.summary(copy, check, source: source.path, target: target.path, seconds: seconds))
    }

    /// pg_dump into a temporary file beside FILE, pg_restore --list to
    /// check it, then the same rename as an SQLite copy.
    func dumpPostgres(_ location: PostgresLocation) throws {
        let target = URL(fileURLWithPath: file).standardizedFileURL
        let manager = FileManager.default
        if manager.fileExists(atPath: target.path) && !force {
            throw CommandFailure("\(target.path) exists; choose another file or give --force to replace it")
        }
        var isDirectory: ObjCBool = false
        let directory = target.deletingLastPathComponent()
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("cannot write \(target.path): the folder \(directory.path) does not exist")
        }
        guard let pgDump = ExternalProgram.locate("pg_dump"), let pgRestore = ExternalProgram.locate("pg_restore") else {
            throw CommandFailure("pg_dump and pg_restore are needed for a PostgreSQL backup; install postgresql-client-15")
        }
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        defer { Self.remove(temporary) }
        // The connection goes through libpq's environment, so the password
        // never appears in the process list.
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = location.socketDirectory ?? location.host
        environment["PGPORT"] = String(location.port)
        environment["PGUSER"] = location.username
        environment["PGDATABASE"] = location.database
        environment["PGSSLMODE"] = location.tls.rawValue
        if let password = location.password { environment["PGPASSWORD"] = password }
        let started = Date()
        let dump = try ExternalProgram.run(
            pgDump, arguments: ["--format=custom", "--no-owner", "--no-privileges", "--file=\(temporary.path)"], environment: environment)
        guard dump.status == 0 else {
            throw CommandFailure(
                "backup failed: pg_dump exited with \(dump.status): \(dump.standardError.trimmingCharacters(in: .whitespacesAndNewlines)); \(target.path) was not written"
            )
        }
        let listing = temporary.path + ".list"
        defer { unlink(listing) }
        let list = try ExternalProgram.run(pgRestore, arguments: ["--list", temporary.path], environment: environment, standardOutputTo: listing)
        let contents = (try? String(contentsOfFile: listing, encoding: .utf8)) ?? ""
        let tables = contents.split(separator: "\n").filter { $0.contains(" TABLE DATA ") }.count
        guard list.status == 0, tables > 0 else {
            throw CommandFailure(
                "backup failed: the dump does not read back (pg_restore --list: \(list.standardError.trimmingCharacters(in: .whitespacesAndNewlines))); \(target.path) was not written"
            )
        }
        try Self.place(temporary, at: target, replacing: force)
        let bytes = (try? manager.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
        print(
            "backed up \(location) to \(target.path) with pg_dump (custom format, \(tables) tables' data, \(bytes) bytes) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s; read back with pg_restore --list"
        )
    }

    /// `backed up 412 pages (1.6 MB) of … to … in 0.08 s; integrity ok, foreign keys ok; schema: 15 migrations, up to date`
    static func summary(_ copy: DatabaseBackup.Copy, _ check: DatabaseBackup.Check, source: String, target: String, seconds: Double)
        -> String
    {
        let schema: String
        if !check.unknownMigrations.isEmpty {
            schema = "\(check.appliedMigrations.count) migrations, \(check.unknownMigrations.count) from a newer Wenzheng"
        } else if !check.pendingMigrations.isEmpty {
            schema = "\(check.appliedMigrations.count) migrations, \(check.pendingMigrations.count) still to run"
        } else {
            schema = "\(check.appliedMigrations.count) migrations, up to date"
        }
        return "backed up \(copy.pages) pages (\(copy.bytes) bytes) of \(source) to \(target) in "
            + String(format: "%.2f", seconds) + " s; integrity_check ok, foreign_key_check ok; schema: \(schema)"
    }

    /// Puts the checked copy under its name: link(2) when an existing file
    /// must be kept (it fails if the name appeared meanwhile), rename(2)
    /// when it may be replaced; then syncs the folder so the name survives
    /// a power cut.
    static func place(_ temporary: URL, at target: URL, replacing: Bool) throws {
        if replacing {
            guard rename(temporary.path, target.path) == 0 else {
                throw CommandFailure("cannot write \(target.path): \(String(cString: strerror(errno)))")
            }
        } else {
            guard link(temporary.path, target.path) == 0 else {
                let reason = errno == EEXIST ? "it appeared meanwhile; give --force to replace it" : String(cString: strerror(errno))
                throw CommandFailure("cannot write \(target.path): \(reason)")
            }
        }
        let folder = open(target.deletingLastPathComponent().path, O_RDONLY)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// The temporary copy and anything SQLite left beside it.
    static func remove(_ temporary: URL) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: temporary.path + suffix)
        }
    }
}
