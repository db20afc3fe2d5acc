import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// `wenzheng demo`: fills an empty database with sample data, marked as
/// such, so a newcomer sees a living site.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fill an empty database with demo data (interviews, letters, a survey, a consultation, an open day).",
        discussion: """
            Every title starts with 【示例】 and every text says it is demo data. The demo's staff \
            accounts (demo-admin, demo-moderator, demo-host, demo-handler, demo-reviewer) get \
            random passwords, printed once at the end, or one password read with --password-stdin. \
            Dates are relative to now. Only an empty database is filled: to try the demo next to \
            real data, give it a database of its own.

            Examples:
              wenzheng demo --db ./var/demo.sqlite --seed 7
              wenzheng demo --db ./var/demo.sqlite --password-stdin < demo-password.txt
              wenzheng serve --db ./var/demo.sqlite
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var moderation: ModerationOptions

    @Option(help: "Seed for the demo's random choices (names, answers, votes), to make the same demo again. Default: random.")
    var seed: UInt64?

    @Option(name: .customLong("base-url"), help: "The site's address, as `wenzheng serve` prints it, for the links in the summary.")
    var baseURL = "http://127.0.0.1:8080/"

    @Flag(name: .customLong("password-stdin"), help: "Read one password for every demo account from the first line of standard input.")
    var passwordFromStandardInput = false

    func validate() throws {
        guard let url = URL(string: baseURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--base-url must be an http(s) address, for example http://127.0.0.1:8080/")
        }
    }

    func run() async throws {
        let library = try moderation.load()
        let db = try await database.open()
        if let contents = try await Self.contents(of: db) {
            throw CommandFailure(
                """
                the database \(database.resolvedPath) is not empty (\(contents)); the demo fills only an empty database. \
                Start fresh with a new file: wenzheng demo --db ./var/demo.sqlite
                """)
        }
        let shared = try passwordFromStandardInput ? PasswordInput.read(fromStandardInput: true) : nil
        if let shared {
            do { try StaffAccountRules.validatePassword(shared) } catch { throw CommandFailure(error.message) }
        }
        var passwords: [String: String] = [:]
        var hashes: [String: String] = [:]
        let hasher = PasswordHasher()
        var sharedHash: String?
        if let shared { sharedHash = try await hasher.hash(shared) }
        for account in DemoFill.accounts {
            let password = shared ?? DemoSecrets.password()
            passwords[account.username] = password
            if let sharedHash {
                hashes[account.username] = sharedHash
            } else {
                hashes[account.username] = try await hasher.hash(password)
            }
        }
        // Nobody is told the letters' query password: the demo's citizens are made up.
        let letterHash = try await hasher.hash(DemoSecrets.password())

        let seed = seed ?? UInt64.random(in: 0...999_999)
        let now = Date()
        var fill = DemoFill(
            database: db, filter: library.filter, allowedReasons: Set(library.filter.rules.rejectionReasons.map(\.code)), now: now,
            random: SplitMix64(seed: seed))
        let items: [DemoFill.Item]
        do {
            items = try await fill.run(passwordHashes: hashes, letterPasswordHash: letterHash)
        } catch {
            throw CommandFailure(
                "the demo stopped half way: \(error); the database \(database.resolvedPath) holds part of it: remove it and run again")
        }
        try await db.audit.recordStaffAction(
            actor: .commandLine(osUser: operatingSystemUser), action: "demo.fill", subjectType: "database", subjectID: nil,
            after: DemoAudit(seed: seed, items: items), at: now)

        let base = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        print("Demo data made (seed \(seed); --seed \(seed) makes the same demo again, dated from the day it runs):\n")
        print(
            renderTable(
                headers: ["WHAT", "TITLE", "STATUS", "OPEN"],
                rows: items.map { [$0.kind, $0.title, $0.status, $0.path.map { base + $0 } ?? "-"] }))
        print("\nStaff accounts (sign in at \(base)login):\n")
        print(
            renderTable(
                headers: ["USERNAME", "ROLE", "PASSWORD"],
                rows: DemoFill.accounts.map { account in
                    [
                        account.username, account.role.rawValue,
                        shared == nil ? passwords[account.username]! : "(the one from standard input)",
                    ]
                }))
        if shared == nil { print("\nThe passwords are shown only this once.") }
        print("Start the server on this database with: wenzheng serve --db \(database.resolvedPath)")
    }

    /// What the database holds already, in words; nil when it is empty.
    static func contents(of db: AppDatabase) async throws -> String? {
        let kinds: [(Bool, String)] = [
            (try await !db.accounts.staffUsers().isEmpty, "staff accounts"),
            (try await !db.mailbox.letters(states: [], departmentID: nil, limit: 1, offset: 0).isEmpty, "letters"),
            (try await !db.interviews.interviews(publicOnly: false).isEmpty, "interviews"),
            (try await !db.surveys.surveys(states: []).isEmpty, "surveys"),
            (try await !db.consultations.consultations().isEmpty, "consultations"),
            (try await !db.events.openDays(year: nil, at: Date()).isEmpty, "open days"),
        ]
        let present = kinds.filter(\.0).map(\.1)
        return present.isEmpty ? nil : "it has " + present.joined(separator: ", ")
    }
}

/// What the `demo.fill` audit entry records.
struct DemoAudit: Encodable, Sendable {
    var seed: UInt64
    var items: [DemoFill.Item]
}
