import ArgumentParser

/// `wenzheng export …`: files for the office's spreadsheets and archives.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a consultation's comments (CSV with a BOM for Excel, or JSON).",
        subcommands: [ExportConsultationCommand.self])
}
