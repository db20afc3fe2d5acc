import ArgumentParser

/// `wenzheng export`: documents for the office's records and spreadsheets
/// (CSV with a BOM so that Excel reads Chinese text, or JSON), and
/// interviews' transcripts (Markdown, HTML, JSON or text).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a survey's responses, a consultation's comments or an interview's transcript.",
        subcommands: [ExportSurveyCommand.self, ExportConsultationCommand.self, ExportTranscriptCommand.self])
}
