import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengServer
import WenzhengStore

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage staff accounts (admins, moderators, hosts, guests, handlers, reviewers).",
        discussion: """
            Examples:
              wenzheng users add admin --role admin
              wenzheng users list
              wenzheng users reset-password zhang.wei
            """,
        subcommands: [Add.self, List.self, Disable.self, Enable.self, ResetPassword.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff account. The password is asked for, or read from standard input.",
            discussion: """
                A password never goes on the command line (where ps and the shell's history \
                would keep it): it is asked for twice on a terminal, or read from the first \
                line of standard input with --password-stdin, for scripts.

                Examples:
                  wenzheng users add admin --role admin
                  wenzheng users add zhang.wei --role handler --department "法律援助处" \\
                      --display-name "张伟" --password-stdin < zhang.wei.password
                  wenzheng users add wang.li --role host --department "宣传处" \\
                      --display-name "王丽" --db /srv/wenzheng/var/wenzheng.sqlite
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "Login name: a-z, 0-9, '.', '_' or '-'.")
        var username: String

        @Option(help: "One of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
        var role: String

        @Option(help: "Department the account belongs to; created if new.")
        var department: String = defaultDepartmentName

        @Option(name: .customLong("display-name"), help: "Name shown to others (default: the username).")
        var displayName: String?

        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
        var passwordFromStandardInput = false

        func run() async throws {
            let role: Role
            do { role = try Role(parsing: self.role) } catch { throw ValidationError(error.message) }
            do { _ = try StaffAccountRules.normalizedUsername(username) } catch { throw ValidationError(error.message) }
            let password = try PasswordInput.read(fromStandardInput: passwordFromStandardInput)
            do { try StaffAccountRules.validatePassword(password) } catch { throw CommandFailure(error.message) }
            let db = try await database.open()
            let hash = try await PasswordHasher().hash(password)
            let user = try await reportingFailures {
                try await db.accounts.createStaffUser(
                    NewStaffUser(
                        username: username, displayName: displayName ?? username, role: role, department: department,
                        passwordHash: hash),
                    actor: .commandLine(osUser: operatingSystemUser), at: Date())
            }
            print("created \(user.role.rawValue) '\(user.username)' in \(user.department)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List staff accounts.",
            discussion: """
                Examples:
                  wenzheng users list
                  wenzheng users list --format json --db /srv/wenzheng/var/wenzheng.sqlite
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "table or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let users = try await database.open().accounts.staffUsers()
            switch format {
            case .json:
                try printJSON(users)
            case .table:
                if users.isEmpty {
                    print("no staff accounts yet; create one with: wenzheng users add NAME --role admin")
                    return
                }
                let rows = users.map { user in
                    [user.username, user.displayName, user.role.rawValue, user.department, user.disabled ? "disabled" : "active"]
                }
                print(renderTable(headers: ["USERNAME", "NAME", "ROLE", "DEPARTMENT", "STATUS"], rows: rows))
            }
        }
    }

    /// The account a subcommand works on, in the database it is in.
    struct AccountArguments: ParsableArguments {
        @OptionGroup var database: DatabaseOptions

        @Argument var username: String

        /// Runs `change` on the account as the operating-system user, and
        /// returns the account as it is afterwards.
        func change(
            _ change: (any AccountsStore, String, AuditActor) async throws -> StaffUserSummary
        ) async throws -> StaffUserSummary {
            let db = try await database.open()
            return try await reportingFailures { try await change(db.accounts, username, .commandLine(osUser: operatingSystemUser)) }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account and end its sessions.",
            discussion: """
                Examples:
                  wenzheng users disable zhang.wei
                  wenzheng users disable zhang.wei --db /srv/wenzheng/var/wenzheng.sqlite
                """)

        @OptionGroup var account: AccountArguments

        func run() async throws {
            let user = try await account.change { try await $0.disableStaffUser(username: $1, actor: $2, at: Date()) }
            print("disabled '\(user.username)'; their sessions have ended")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-enable a disabled account.",
            discussion: """
                Examples:
                  wenzheng users enable zhang.wei
                  wenzheng users enable zhang.wei --db /srv/wenzheng/var/wenzheng.sqlite
                """)

        @OptionGroup var account: AccountArguments

        func run() async throws {
            let user = try await account.change { try await $0.enableStaffUser(username: $1, actor: $2, at: Date()) }
            print("enabled '\(user.username)'")
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a new password and end the account's sessions.",
            discussion: """
                The new password is asked for twice on a terminal, or read from the first line \
                of standard input with --password-stdin; never give it on the command line.

                Examples:
                  wenzheng users reset-password zhang.wei
                  wenzheng users reset-password zhang.wei --password-stdin < zhang.wei.password
                """)

        @OptionGroup var account: AccountArguments

        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
        var passwordFromStandardInput = false

        func run() async throws {
            let db = try await account.database.open()
            let username = account.username
            // Fail on an unknown user before asking for a password.
            guard try await db.accounts.staffUserForLogin(username: username) != nil else {
                throw CommandFailure("no user '\(username)'")
            }
            let password = try PasswordInput.read(fromStandardInput: passwordFromStandardInput)
            do { try StaffAccountRules.validatePassword(password) } catch { throw CommandFailure(error.message) }
            let hash = try await PasswordHasher().hash(password)
            try await reportingFailures {
                try await db.accounts.resetStaffPassword(
                    username: username, passwordHash: hash, actor: .commandLine(osUser: operatingSystemUser), at: Date())
            }
            print("password for '\(username)' changed; their sessions have ended")
        }
    }
}
