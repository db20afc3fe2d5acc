import Foundation
import Testing

/// Issue 12: `--help` shows examples for every subcommand. The commands are
/// found by walking the built executable's own help (each SUBCOMMANDS
/// section, recursively), so a subcommand added later without examples
/// fails here without anyone listing it.
@Suite("--help examples")
struct HelpExamplesTests {
    /// The names in a help text's SUBCOMMANDS section (`help` left out).
    static func subcommands(inHelp help: String) -> [String] {
        var names: [String] = []
        var inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "SUBCOMMANDS:" {
                inSection = true
                continue
            }
            guard inSection else { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            // A name is indented two spaces; its abstract's wrapped lines more.
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            let name = line.dropFirst(2).prefix { !$0.isWhitespace }
            if !name.isEmpty, name != "help" { names.append(String(name)) }
        }
        return names
    }

    /// Every command under the root, groups and leaves, as argument paths:
    /// ["users"], ["users", "add"], …
    static func commandTree() throws -> (groups: [[String]], leaves: [[String]]) {
        var groups: [[String]] = []
        var leaves: [[String]] = []
        var pending: [[String]] = [[]]
        while let path = pending.popLast() {
            let help = try CLI.run(path + ["--help"])
            #expect(help.status == 0, "\(path): \(help.error)")
            let children = subcommands(inHelp: help.output)
            if children.isEmpty {
                leaves.append(path)
            } else {
                if !path.isEmpty { groups.append(path) }
                pending += children.map { path + [$0] }
            }
        }
        return (groups.sorted { $0.lexicographicallyPrecedes($1) }, leaves.sorted { $0.lexicographicallyPrecedes($1) })
    }

    /// The lines of the Examples block, up to the blank line that ends it.
    static func exampleLines(inHelp help: String) -> [Substring] {
        guard let start = help.range(of: "Examples:\n") else { return [] }
        return Array(help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty })
    }

    @Test("the walk finds the commands, leaves and groups apart")
    func walkFindsTheTree() throws {
        let tree = try Self.commandTree()
        for leaf in [["serve"], ["users", "add"], ["users", "reset-password"], ["calendar", "import"], ["export", "survey"], ["demo"]] {
            #expect(tree.leaves.contains(leaf), "\(leaf)")
        }
        for group in [["users"], ["moderation"], ["calendar"], ["survey"], ["export"]] {
            #expect(tree.groups.contains(group), "\(group)")
        }
        #expect(tree.leaves.count >= 25, "\(tree.leaves)")
    }

    @Test("every subcommand's --help shows examples of itself, unwrapped")
    func everySubcommandHasExamples() throws {
        let tree = try Self.commandTree()
        for path in tree.leaves + tree.groups {
            let help = try CLI.run(path + ["--help"])
            #expect(help.status == 0, "\(path)")
            let command = path.joined(separator: " ")
            #expect(help.output.contains("Examples:\n  wenzheng \(command)"), "wenzheng \(command) --help has no examples of itself")
            // A line the help wraps at 80 columns would lose its indentation
            // and no longer paste as one command.
            for line in Self.exampleLines(inHelp: help.output) {
                #expect(line.hasPrefix("  "), "wenzheng \(command) --help: example wrapped at '\(line)'")
            }
            // Passwords are piped in, never given in argv.
            #expect(!help.output.contains("--password "), "\(path)")
        }
    }

    @Test("the examples of the newer commands, and the base URL's default, stay in their help")
    func eventCommandsHaveExamples() throws {
        for command in [
            ["schedule", "interview"], ["schedule", "open-day"], ["events", "list"], ["events", "reschedule"], ["events", "cancel"],
            ["plan", "check"], ["export", "calendar"],
        ] {
            let help = try CLI.run(command + ["--help"])
            #expect(help.status == 0)
            #expect(help.output.contains("Examples:\n  wenzheng \(command.joined(separator: " "))"), "\(command)")
        }
        let top = try CLI.run(["--help"])
        #expect(top.output.contains("schedule") && top.output.contains("events") && top.output.contains("plan"))
        #expect(try CLI.run(["export", "--help"]).output.contains("calendar"))
        let baseURL = try CLI.run(["schedule", "interview", "--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(baseURL.contains("[env: WENZHENG_BASE_URL, default: http://127.0.0.1:8080/]"))
    }
}
