import Foundation

/// The four formats a transcript is exported in.
public enum TranscriptFormat: String, Sendable, Codable, CaseIterable {
    case markdown = "md"
    case html
    case json
    case text = "txt"

    public var fileExtension: String { rawValue }

    public var mediaType: String {
        switch self {
        case .markdown: "text/markdown; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        case .json: "application/json"
        case .text: "text/plain; charset=utf-8"
        }
    }
}

/// Exports a transcript (`wenzheng export transcript`, the archive page's
/// downloads).
///
/// Deterministic: the same document and `exportedAt` give the same bytes
/// in every format. Nothing reads the clock, the locale or the machine's
/// time zone (times are Beijing time by arithmetic, `OfficeDateTime`);
/// entries are ordered by `seq` and deferred replies by reply date and
/// question id, whatever order they come in; JSON keys are written in the
/// schema's order (docs/transcript-schema.json); numbers are integers.
/// Every format ends with one line feed.
public enum TranscriptExport {
    public static func render(_ document: TranscriptDocument, as format: TranscriptFormat, exportedAt: Date? = nil) -> String {
        let layout = TranscriptLayout(document, exportedAt: exportedAt)
        switch format {
        case .markdown: return TranscriptMarkdown.render(layout)
        case .html: return TranscriptHTML.render(layout)
        case .text: return TranscriptPlainText.render(layout)
        case .json: return TranscriptJSON.render(document, exportedAt: exportedAt)
        }
    }

    /// The UTF-8 bytes of `render`, without a byte order mark.
    public static func data(_ document: TranscriptDocument, as format: TranscriptFormat, exportedAt: Date? = nil) -> Data {
        Data(render(document, as: format, exportedAt: exportedAt).utf8)
    }

    /// A file name for downloads: `interview-12-transcript.md`.
    public static func fileName(interviewID: Int64, format: TranscriptFormat) -> String {
        "interview-\(interviewID)-transcript.\(format.fileExtension)"
    }

    static let correctedMark = "（已更正）"
}

extension TranscriptDocument {
    /// By `seq`: the order they happened in.
    var orderedEntries: [Entry] { entries.sorted { $0.seq < $1.seq } }

    /// By reply date, then question id.
    var orderedReplies: [DeferredReply] {
        deferredReplies.sorted { ($0.repliedOn, $0.questionId) < ($1.repliedOn, $1.questionId) }
    }
}

enum TranscriptMarkdown {
    static func render(_ layout: TranscriptLayout) -> String {
        var blocks: [String] = ["# \(MarkdownText.escapeLine(layout.title))", MarkdownText.escapeLine(layout.subtitle)]
        blocks.append(layout.facts.map { "- \(MarkdownText.escapeLine("\($0.label)：\($0.value)"))" }.joined(separator: "\n"))
        if !layout.summary.isEmpty {
            blocks.append("## 简介")
            blocks += layout.summary.map(paragraph)
        }
        blocks.append("## 实录")
        for turn in layout.turns {
            if turn.kind == "system" {
                blocks.append("*\(MarkdownText.escapeLine("\(turn.time) \(turn.speaker)"))*")
            } else {
                blocks.append(heading(turn))
                blocks += turn.paragraphs.map(paragraph)
            }
        }
        if !layout.deferred.isEmpty {
            blocks.append("## 补录")
            for item in layout.deferred {
                blocks.append(heading(item.question))
                blocks += item.question.paragraphs.map(paragraph)
                blocks.append(item.facts.map { "- \(MarkdownText.escapeLine("\($0.label)：\($0.value)"))" }.joined(separator: "\n"))
                blocks.append(heading(item.answer))
                blocks += item.answer.paragraphs.map(paragraph)
            }
        }
        if let exportedAt = layout.exportedAt {
            blocks.append("---")
            blocks.append(MarkdownText.escapeLine("导出时间：\(exportedAt)"))
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// `**答** 09:35 张明（副厅长）（已更正）`.
    static func heading(_ turn: TranscriptLayout.Turn) -> String {
        let rest = [turn.time, turn.speaker].filter { !$0.isEmpty }.joined(separator: " ")
            + (turn.corrected ? TranscriptExport.correctedMark : "")
        return "**\(turn.label)** \(MarkdownText.escapeLine(rest))"
    }

    /// Lines of one paragraph joined by CommonMark hard breaks (a backslash
    /// at the end of a line).
    static func paragraph(_ lines: [String]) -> String {
        lines.map(MarkdownText.escapeLine).joined(separator: "\\\n")
    }
}

enum TranscriptPlainText {
    static func render(_ layout: TranscriptLayout) -> String {
        var blocks: [String] = [layout.title + "\n" + layout.subtitle]
        blocks.append(layout.facts.map { "\($0.label)：\($0.value)" }.joined(separator: "\n"))
        if !layout.summary.isEmpty {
            blocks.append(section("简介", layout.summary.map { $0.joined(separator: "\n") }))
        }
        blocks.append(section("实录", layout.turns.map { $0.kind == "system" ? "[\($0.time)] —— \($0.speaker) ——" : entry($0) }))
        if !layout.deferred.isEmpty {
            blocks.append(
                section(
                    "补录",
                    layout.deferred.flatMap { item in
                        [entry(item.question), item.facts.map { "\($0.label)：\($0.value)" }.joined(separator: "　"), entry(item.answer)]
                    }))
        }
        if let exportedAt = layout.exportedAt {
            blocks.append("导出时间：\(exportedAt)")
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// `【实录】` over its items, a blank line between them.
    static func section(_ heading: String, _ items: [String]) -> String {
        "【\(heading)】\n" + items.joined(separator: "\n\n")
    }

    /// `[09:35] 答 张明（副厅长）（已更正）：` and the text below it.
    static func entry(_ turn: TranscriptLayout.Turn) -> String {
        let time = turn.time.isEmpty ? "" : "[\(turn.time)] "
        let head = "\(time)\(turn.label) \(turn.speaker)\(turn.corrected ? TranscriptExport.correctedMark : "")："
        return ([head] + turn.paragraphs.map { $0.joined(separator: "\n") }).joined(separator: "\n")
    }
}

enum TranscriptHTML {
    /// Print first: black on white, serif body for long reading, entries
    /// not split across pages, headings kept with what follows, the page
    /// size and margins set.
    static let style = """
        :root{color-scheme:light}
        body{margin:0;background:#fff;color:#111;font:16px/1.75 "Noto Serif CJK SC","Source Han Serif SC","Songti SC",SimSun,serif}
        article{max-width:46rem;margin:0 auto;padding:2rem 1.25rem}
        h1{font-size:1.6rem;line-height:1.3;margin:0 0 .25rem}
        h2{font-size:1.15rem;border-bottom:1px solid #999;padding-bottom:.2rem;margin:2rem 0 1rem;break-after:avoid}
        .subtitle{margin:0 0 1rem;color:#444}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}
        dl.facts dt{font-weight:bold}dl.facts dd{margin:0}
        .turn{margin:0 0 1rem;break-inside:avoid}
        .turn p{margin:.2rem 0}
        .who{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;font-size:.9rem;color:#333}
        .label{display:inline-block;min-width:2.5em;font-weight:bold}
        .question .label{color:#8a1c1c}.answer .label{color:#1c3f8a}
        .system{text-align:center;color:#555;font-size:.9rem}
        .corrected{font-size:.85rem;color:#555}
        .deferred{border-left:3px solid #bbb;padding-left:1rem;margin-bottom:1.5rem;break-inside:avoid}
        footer{margin-top:2rem;font-size:.85rem;color:#555}
        @page{size:A4;margin:20mm 18mm}
        @media print{body{font-size:11pt}article{max-width:none;padding:0}}
        """

    static func render(_ layout: TranscriptLayout) -> String {
        let e = HTMLText.escape
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>\(e(layout.title))（\(e(layout.subtitle))）</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <article>
            <header>
            <h1>\(e(layout.title))</h1>
            <p class="subtitle">\(e(layout.subtitle))</p>
            <dl class="facts">

            """
        for fact in layout.facts {
            html += "<dt>\(e(fact.label))</dt><dd>\(e(fact.value))</dd>\n"
        }
        html += "</dl>\n</header>\n"
        if !layout.summary.isEmpty {
            html += "<section class=\"summary\">\n<h2>简介</h2>\n" + layout.summary.map(paragraph).joined() + "</section>\n"
        }
        html += "<section class=\"transcript\">\n<h2>实录</h2>\n"
        for turn in layout.turns {
            html += self.turn(turn)
        }
        html += "</section>\n"
        if !layout.deferred.isEmpty {
            html += "<section class=\"deferred-replies\">\n<h2>补录</h2>\n"
            for item in layout.deferred {
                html += "<div class=\"deferred\">\n" + self.turn(item.question) + "<dl class=\"facts\">"
                html += item.facts.map { "<dt>\(e($0.label))</dt><dd>\(e($0.value))</dd>" }.joined()
                html += "</dl>\n" + self.turn(item.answer) + "</div>\n"
            }
            html += "</section>\n"
        }
        if let exportedAt = layout.exportedAt {
            html += "<footer>导出时间：\(e(exportedAt))</footer>\n"
        }
        return html + "</article>\n</body>\n</html>\n"
    }

    static func turn(_ turn: TranscriptLayout.Turn) -> String {
        let e = HTMLText.escape
        let time = turn.time.isEmpty ? "" : "<time datetime=\"\(e(turn.datetime))\">\(e(turn.time))</time> "
        if turn.kind == "system" {
            return "<p class=\"turn system\" id=\"\(e(turn.anchor))\">\(time)\(e(turn.speaker))</p>\n"
        }
        let corrected = turn.corrected ? " <span class=\"corrected\">\(e(TranscriptExport.correctedMark))</span>" : ""
        return "<div class=\"turn \(e(turn.kind))\" id=\"\(e(turn.anchor))\">\n"
            + "<p class=\"who\"><span class=\"label\">\(e(turn.label))</span> \(time)\(e(turn.speaker))\(corrected)</p>\n"
            + turn.paragraphs.map(paragraph).joined() + "</div>\n"
    }

    static func paragraph(_ lines: [String]) -> String {
        "<p>" + lines.map(HTMLText.escape).joined(separator: "<br>\n") + "</p>\n"
    }
}
