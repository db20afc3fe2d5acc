import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng export consultation ID --format csv|json [-o FILE]`: the same
/// file as the office's export button.
struct ExportConsultationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consultation",
        abstract: "Export a consultation's published comments with their groups and decisions.",
        discussion: """
            CSV is UTF-8 with a byte order mark (so that Excel reads Chinese correctly), one \
            row per published comment; cells that start with =, +, -, @, a tab or a carriage \
            return are prefixed with ' so that no spreadsheet runs them as formulas. JSON \
            holds the consultation, the counts per article, the comments, the groups and the \
            adoption report when it can be made.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv
        case json
    }

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The consultation's id (the number in /staff/consultations/ID).")
    var id: Int64

    @Option(help: "csv or json.")
    var format: Format = .csv

    @Option(name: .customLong("lang"), help: "The CSV headers' language: zh-CN or en.")
    var language: String = Language.zh.rawValue

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    func validate() throws {
        guard id > 0 else { throw ValidationError("the consultation id is a positive number, not \(id)") }
        guard Language(rawValue: language) != nil else {
            throw ValidationError("--lang must be \(Language.allCases.map(\.rawValue).joined(separator: " or ")), not '\(language)'")
        }
    }

    func run() async throws {
        let db = try database.open()
        let input = try await reportingFailures { try await db.consultations.reportInput(consultationID: id) }
        let data = format == .csv ? input.csv(language: Language(rawValue: language)!) : try input.json(generatedAt: Date())
        guard let output else {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("wrote \(input.comments.count) comment(s) of consultation \(id) to \(output)\n".utf8))
    }
}
