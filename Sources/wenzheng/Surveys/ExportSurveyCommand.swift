import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng export survey ID [--format csv|json] [--language zh|en] [-o FILE]`.
struct ExportSurveyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "survey",
        abstract: "Export a survey's responses.",
        discussion: """
            CSV is UTF-8 with a byte-order mark, so Excel opens Chinese text correctly; \
            cells that begin with =, +, -, @, a tab or a carriage return are prefixed with ' \
            so no spreadsheet runs them as formulas. Responses are sorted by day, then by \
            their random id: never in the order they arrived. The same data gives the same bytes.

            Examples:
              wenzheng export survey 12 -o survey-12.csv
              wenzheng export survey 12 --format json --language en -o survey-12.json
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The survey's number.")
    var id: Int64

    @OptionGroup var document: ExportOptions

    func validate() throws {
        guard id > 0 else { throw ValidationError("the survey number must be positive, not \(id)") }
    }

    func run() async throws {
        let db = try await database.open()
        let data = try await reportingFailures {
            try await db.surveys.surveyExport(id: id, format: document.format, language: document.language)
        }
        try OutputFile(path: document.output).write(data)
    }
}
