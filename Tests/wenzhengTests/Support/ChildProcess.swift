import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawn`, for the command-line tests.
///
/// Not Foundation's `Process`: on Linux its `run()` finds the highest open
/// descriptor by copying each `/proc/self/fd` entry's whole 256-byte
/// `d_name`, which reads past glibc's directory buffer when an entry sits at
/// its end before an unmapped page (swift-corelibs-foundation PR #5472,
/// merged after Swift 6.3.1). Clean-clone CI runs crashed there twice, with a
/// segfault in a memcpy inside `Process.run()`, also when launches were
/// serialised. Here the child closes every descriptor above 2 itself
/// (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34), and our pipe
/// ends are close-on-exec, so a child started by another test at the same
/// moment does not hold them open.
final class ChildProcess: @unchecked Sendable {
    enum Output {
        /// A pipe of its own, read through `standardOutput` / `standardError`.
        case pipe
        /// Standard error goes where standard output goes.
        case sameAsStandardOutput
    }

    let processIdentifier: pid_t
    /// The write end of the child's standard input, or nil when it reads /dev/null.
    let standardInput: FileHandle?
    let standardOutput: FileHandle
    /// Nil when standard error goes to standard output.
    let standardError: FileHandle?

    private let lock = NSLock()
    private var status: Int32?

    init(
        executable: String, arguments: [String], environment: [String: String],
        input: Bool = false, standardErrorTo errorOutput: Output = .pipe
    ) throws {
        var actions = posix_spawn_file_actions_t()
        try Self.check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init")
        defer { posix_spawn_file_actions_destroy(&actions) }

        let outputPipe = try Self.pipe()
        let errorPipe = errorOutput == .pipe ? try Self.pipe() : nil
        let inputPipe = input ? try Self.pipe() : nil
        var childEnds = [outputPipe.write]
        if let inputPipe {
            childEnds.append(inputPipe.read)
            try Self.check(posix_spawn_file_actions_adddup2(&actions, inputPipe.read, 0), "dup2 stdin")
        } else {
            try Self.check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "open /dev/null")
        }
        try Self.check(posix_spawn_file_actions_adddup2(&actions, outputPipe.write, 1), "dup2 stdout")
        if let errorPipe {
            childEnds.append(errorPipe.write)
            try Self.check(posix_spawn_file_actions_adddup2(&actions, errorPipe.write, 2), "dup2 stderr")
        } else {
            try Self.check(posix_spawn_file_actions_adddup2(&actions, outputPipe.write, 2), "dup2 stderr")
        }
        try Self.check(Self.addCloseFrom(&actions, 3), "posix_spawn_file_actions_addclosefrom_np")

        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = Self.withCStrings(argv) { argvPointers in
            Self.withCStrings(envp) { envPointers in
                posix_spawn(&pid, executable, &actions, nil, argvPointers, envPointers)
            }
        }
        for descriptor in childEnds { close(descriptor) }
        guard spawned == 0 else {
            close(outputPipe.read)
            if let errorPipe { close(errorPipe.read) }
            if let inputPipe { close(inputPipe.write) }
            throw CLIError(message: "posix_spawn \(executable): \(String(cString: strerror(spawned)))")
        }
        processIdentifier = pid
        standardOutput = FileHandle(fileDescriptor: outputPipe.read, closeOnDealloc: true)
        standardError = errorPipe.map { FileHandle(fileDescriptor: $0.read, closeOnDealloc: true) }
        standardInput = inputPipe.map { FileHandle(fileDescriptor: $0.write, closeOnDealloc: true) }
    }

    /// Sends SIGTERM unless the child has been reaped.
    func terminate() { signal(SIGTERM) }

    func signal(_ number: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if status == nil { kill(processIdentifier, number) }
    }

    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if status != nil { return false }
        var raw: Int32 = 0
        if waitpid(processIdentifier, &raw, WNOHANG) == processIdentifier {
            status = raw
            return false
        }
        return true
    }

    func waitUntilExit() {
        lock.lock()
        defer { lock.unlock() }
        guard status == nil else { return }
        var raw: Int32 = 0
        while waitpid(processIdentifier, &raw, 0) == -1 && errno == EINTR {}
        status = raw
    }

    /// The exit code, or the number of the signal that ended the child, as
    /// Foundation's `Process` reports them. Call after `waitUntilExit()`.
    var terminationStatus: Int32 {
        lock.lock()
        defer { lock.unlock() }
        guard let status else { return -1 }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard Glibc.pipe(&descriptors) == 0 else {
            throw CLIError(message: "pipe: \(String(cString: strerror(errno)))")
        }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return (descriptors[0], descriptors[1])
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34, Debian 12
    /// has 2.36), looked up at run time: Swift's Glibc module is not built
    /// with `_GNU_SOURCE`, so the declaration is not visible.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later needed)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    private static func check(_ result: Int32, _ what: String) throws {
        guard result == 0 else { throw CLIError(message: "\(what): \(String(cString: strerror(result)))") }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
