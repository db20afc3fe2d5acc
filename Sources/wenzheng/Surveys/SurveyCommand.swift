import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng survey`: work on surveys that the builder cannot do in a page.
struct SurveyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "survey",
        abstract: "Survey tools: invitation tokens for closed samples.",
        discussion: """
            Examples:
              wenzheng survey tokens 12 --count 500 -o survey-12-tokens.txt
            """,
        subcommands: [SurveyTokensCommand.self])
}

/// `wenzheng survey tokens ID --count N [-o FILE]`.
struct SurveyTokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Make single-use invitation tokens for a survey in invitation mode.",
        discussion: """
            Prints one token a line (XXXX-XXXX-XXXX-XXXX; O and 0, I, L and 1 are read \
            as the same). Only a digest of each is stored, so the tokens are shown this \
            once: keep the output. With -o the file is created with permissions 0600 and \
            an existing file is never replaced.

            Examples:
              wenzheng survey tokens 12 --count 500 -o survey-12-tokens.txt
              wenzheng survey tokens 12 --count 50 --db /srv/wenzheng/var/wenzheng.sqlite \\
                  -o survey-12-more-tokens.txt
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The survey's number.")
    var id: Int64

    @Option(help: ArgumentHelp("How many tokens to make (1…\(SurveyInvitationTokens.maxCountPerBatch)).", valueName: "n"))
    var count: Int

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the tokens to this file instead of standard output.", valueName: "file"))
    var output: String?

    func validate() throws {
        guard id > 0 else { throw ValidationError("the survey number must be positive, not \(id)") }
        guard (1...SurveyInvitationTokens.maxCountPerBatch).contains(count) else {
            throw ValidationError("--count must be 1 to \(SurveyInvitationTokens.maxCountPerBatch), not \(count)")
        }
    }

    func run() async throws {
        let db = try await database.open()
        let tokens = SurveyInvitationTokens.generate(count: count)
        let destination = OutputFile(path: output, keepExisting: true, permissions: 0o600)
        // Refuse before storing tokens that could then not be written.
        try destination.check()
        let total = try await reportingFailures {
            try await db.surveys.addSurveyInvitations(
                id: id, tokens: tokens, actor: .commandLine(osUser: operatingSystemUser), at: Date())
        }
        try destination.write(Data((tokens.joined(separator: "\n") + "\n").utf8))
        let destinationNote = destination.isStandardOutput ? "" : "; written to \(output ?? "")"
        let message = "\(count) invitation tokens made for survey \(id) (\(total) in all)\(destinationNote)\n"
        FileHandle.standardError.write(Data(message.utf8))
    }
}
