import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng export consultation ID [--format csv|json] [--language zh|en] [-o FILE]`: the same
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

            Examples:
              wenzheng export consultation 3 -o consultation-3.csv
              wenzheng export consultation 3 --format json -o consultation-3.json
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The consultation's id (the number in /staff/consultations/ID).")
    var id: Int64

    @OptionGroup var document: ExportOptions

    func validate() throws {
        guard id > 0 else { throw ValidationError("the consultation id is a positive number, not \(id)") }
    }

    func run() async throws {
        let db = try await database.open()
        let input = try await reportingFailures { try await db.consultations.reportInput(consultationID: id) }
        let data = document.format == .csv ? input.csv(language: document.language) : try input.json(generatedAt: Date())
        let file = OutputFile(path: document.output)
        try file.write(data)
        if !file.isStandardOutput {
            FileHandle.standardError.write(Data("wrote \(input.comments.count) comment(s) of consultation \(id) to \(file.path!)\n".utf8))
        }
    }
}
