import ArgumentParser

/// `wenzheng export`: documents for the office's records and spreadsheets
/// (CSV with a BOM so that Excel reads Chinese text, or JSON), and
/// interviews' transcripts (Markdown, HTML, JSON or text).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a survey's responses or a consultation's comments (CSV or JSON), an interview's transcript, or a year's events (iCalendar).",
        discussion: """
            Examples:
              wenzheng export survey 12 -o survey-12.csv
              wenzheng export consultation 3 -o consultation-3.csv
              wenzheng export calendar --year 2027 -o plan-2027.ics
            """,
        subcommands: [ExportSurveyCommand.self, ExportConsultationCommand.self, ExportTranscriptCommand.self, ExportCalendarCommand.self])
}
