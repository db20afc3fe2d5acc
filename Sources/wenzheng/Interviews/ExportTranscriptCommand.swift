import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

extension TranscriptFormat: ExpressibleByArgument {}

/// `wenzheng export transcript ID [--format md|html|json|txt] [--site URL] [-o FILE]`:
/// the published transcript (实录), the same bytes as the archive page's
/// downloads (without `--site`).
struct ExportTranscriptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcript",
        abstract: "Export an ended interview's published transcript (实录) as Markdown, HTML, JSON or plain text.",
        discussion: """
            The transcript as the public archive page shows it: questions with the askers' \
            masked names, answers and remarks with corrections applied, and the answers given \
            after the interview to deferred questions (补录) with 受理日期, 答复日期 and 答复部门. \
            Withdrawn entries are left out. Times are Beijing time. Only an ended or published \
            interview has one.

            md (the default) is CommonMark; html is one standalone page with its style inline, \
            no scripts and nothing fetched, that prints on A4; json follows \
            docs/transcript-schema.json; txt is plain UTF-8 text.

            The output is deterministic: it carries no export time, so the same transcript \
            gives the same bytes every time and exports can be diffed and archived. It changes \
            only when the transcript does (a correction, a withdrawal, a late answer).

            Examples:
              wenzheng export transcript 12 > interview-12.md
              wenzheng export transcript 12 --format html -o interview-12-transcript.html
              wenzheng export transcript 12 --format json --site https://wz.example.cn
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The interview's id (the number in /interviews/ID).")
    var id: Int64

    @Option(help: "md (Markdown), html (standalone, printable), json (docs/transcript-schema.json) or txt.")
    var format: TranscriptFormat = .markdown

    @Option(
        help: ArgumentHelp(
            "The site's public address; the export then names the archive page (SITE/interviews/ID).", valueName: "https://…"))
    var site: String?

    @Option(
        name: .shortAndLong, help: ArgumentHelp("Write to this file (whole, then renamed) instead of standard output.", valueName: "file"))
    var output: String?

    func validate() throws {
        guard id > 0 else { throw ValidationError("the interview id is a positive number, not \(id)") }
        if let site, archiveURL(site: site) == nil {
            throw ValidationError("--site must be an http:// or https:// address such as https://wenzheng.example.gov.cn, not '\(site)'")
        }
    }

    /// `https://host/interviews/ID`, or nil for a site that is not a plain
    /// web address.
    func archiveURL(site: String) -> String? {
        let trimmed = site.hasSuffix("/") ? String(site.dropLast()) : site
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
            url.query == nil, url.fragment == nil, !trimmed.contains(where: { $0.isWhitespace })
        else { return nil }
        return "\(trimmed)/interviews/\(id)"
    }

    func run() async throws {
        let file = OutputFile(path: output)
        try file.check()
        let db = try await database.open()
        var document = try await reportingFailures {
            do {
                return try await db.interviews.publishedTranscript(interviewID: id)
            } catch let refusal as TranscriptNotAvailable {
                throw CommandFailure(refusal.description)
            }
        }
        document.interview.url = site.flatMap(archiveURL(site:))
        try file.write(TranscriptExport.data(document, as: format))
        if !file.isStandardOutput {
            FileHandle.standardError.write(
                Data(
                    "wrote the transcript of interview \(id) (\(document.entries.count) entries, \(document.deferredReplies.count) later answers) to \(file.path!)\n"
                        .utf8))
        }
    }
}
