import ArgumentParser

/// `wenzheng export`: documents for the office's records.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a survey's responses as CSV or JSON.",
        subcommands: [ExportSurveyCommand.self])
}
