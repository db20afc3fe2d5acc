import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs another program (PostgreSQL's `pg_dump`) to completion, its
/// standard output and error each into a file, with `posix_spawn`.
///
/// Not Foundation's `Process`: on Linux its `run()` can read past a
/// directory buffer while closing descriptors (swift-corelibs-foundation
/// PR #5472, after Swift 6.3.1); the tests' `ChildProcess` explains it.
enum ExternalProgram {
    struct Result {
        var status: Int32
        /// What the program wrote on standard error (at most 64 KiB).
        var standardError: String
    }

    /// The program's absolute path: `name` on PATH, then in Debian's
    /// PostgreSQL folders (newest version first), or nil.
    static func locate(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        var folders = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        if let pgBin = environment["WENZHENG_PG_BIN"], !pgBin.isEmpty { folders.insert(pgBin, at: 0) }
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >)
        folders += versions.map { "/usr/lib/postgresql/\($0)/bin" }
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ executable: String, arguments: [String], environment: [String: String], standardOutputTo output: String = "/dev/null")
        throws -> Result
    {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-\(UUID().uuidString).stderr").path
        defer { unlink(errors) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = addCloseFrom(&actions, 3)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw CommandFailure("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        return Result(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), standardError: String(text.prefix(65_536)))
    }

    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later needed)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}
