import Testing

/// The one executable and its subcommands, run as a separate process with
/// `CLI.run` (Support/CLI.swift).
@Suite("wenzheng command line", .serialized)
struct WenzhengCommandTests {
    @Test func helpListsTheSubcommands() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0)
        for subcommand in ["serve", "users", "moderation", "audit"] {
            #expect(result.output.contains(subcommand))
        }
        let users = try CLI.run(["users", "--help"])
        for subcommand in ["add", "list", "disable", "enable", "reset-password"] {
            #expect(users.output.contains(subcommand))
        }
    }
}
