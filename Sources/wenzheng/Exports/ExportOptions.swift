import ArgumentParser
import WenzhengCore

extension SurveyExport.Format: ExpressibleByArgument {}

/// What every `wenzheng export …` document takes: its encoding, the
/// language of its headings and where it goes.
struct ExportOptions: ParsableArguments {
    @Option(help: "csv (UTF-8 with a BOM, for Excel) or json.")
    var format: SurveyExport.Format = .csv

    @Option(name: .customLong("language"), help: ArgumentHelp("Headings in zh or en.", valueName: "zh|en"))
    var languageCode: String = "zh"

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (whole, then renamed) instead of standard output.", valueName: "file"))
    var output: String?

    var language: Language { Language(code: languageCode) ?? .zh }

    func validate() throws {
        guard Language(code: languageCode) != nil else { throw ValidationError("--language must be zh or en, not '\(languageCode)'") }
    }
}
