import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengServer

struct ModerationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderation",
        abstract: "Inspect the moderation word lists and try them on a text.",
        discussion: """
            Examples:
              wenzheng moderation check "我的电话是13812345678，请尽快处理"
              wenzheng moderation lists
            """,
        subcommands: [Check.self, Lists.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the word filter and personal-information detector find in a text.",
            discussion: """
                Reads the text from the argument, or from standard input when the argument is '-'.

                Examples:
                  wenzheng moderation check "我的电话是13812345678，请尽快处理"
                  wenzheng moderation check --format json - < letter.txt
                  wenzheng moderation check --moderation /srv/wenzheng/Moderation "留言内容"
                """)

        @OptionGroup var moderation: ModerationOptions

        @Argument(help: "The text to check, or - for standard input.")
        var text: String

        @Option(help: "table or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let input = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
            guard !input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("the text is empty")
            }
            let filter = try moderation.load().filter
            let result = filter.check(input)
            let utf16 = Array(input.utf16)
            func excerpt(_ start: Int, _ end: Int) -> String {
                String(decoding: utf16[start..<end], as: UTF16.self)
            }
            switch format {
            case .json:
                struct Output: Encodable {
                    var action: FilterAction?
                    var flags: [FilterFlag]
                    var personalInformation: [PersonalInformationMatch]
                    var masked: String
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let output = Output(
                    action: result.action, flags: result.flags, personalInformation: result.personalInformation,
                    masked: PersonalInformation.mask(input))
                print(String(decoding: try encoder.encode(output), as: UTF8.self))
            case .table:
                print("verdict: \(result.action?.rawValue ?? "clean")")
                if !result.flags.isEmpty {
                    let rows = result.flags.map { [$0.category, $0.action.rawValue, $0.term, excerpt($0.start, $0.end), "\($0.start)..<\($0.end)"] }
                    print(renderTable(headers: ["CATEGORY", "ACTION", "TERM", "MATCHED", "UTF-16 SPAN"], rows: rows))
                }
                if !result.personalInformation.isEmpty {
                    let rows = result.personalInformation.map { [$0.kind.rawValue, $0.text, $0.masked] }
                    print(renderTable(headers: ["PERSONAL INFORMATION", "FOUND", "MASKED AS"], rows: rows))
                }
                print("published as: \(PersonalInformation.mask(input))")
            }
        }
    }

    struct Lists: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the word lists with their actions, sources and licences.",
            discussion: """
                Examples:
                  wenzheng moderation lists
                  wenzheng moderation lists --moderation /srv/wenzheng/Moderation
                """)

        @OptionGroup var moderation: ModerationOptions

        func run() async throws {
            let library = try moderation.load()
            let rows = library.loaded.summary.map { [$0.category, $0.action.rawValue, String($0.terms), $0.licence] }
            print("from \(library.directory)")
            print(renderTable(headers: ["CATEGORY", "ACTION", "TERMS", "LICENCE"], rows: rows))
        }
    }
}
