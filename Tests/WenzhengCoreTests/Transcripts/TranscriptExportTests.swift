import Foundation
import Testing
import WenzhengCore

@Suite("Transcript export (实录)")
struct TranscriptExportTests {
    let small = TranscriptFixtures.small

    @Test("Markdown, byte for byte")
    func markdown() {
        let expected = """
            # 法律援助与你同行

            在线访谈实录

            - 时间：2027年3月16日（周二）09:30—11:02
            - 主持人：李华
            - 嘉宾：张明，副厅长，江苏省司法厅
            - 网址：https://wenzheng.example/interviews/12

            ## 简介

            介绍法律援助。

            申请流程

            ## 实录

            *09:30 访谈开始*

            **主持人** 09:30 李华

            各位网友好！

            **问** 09:32 张\\*

            如何申请法律援助？\\
            需要什么材料？

            **答** 09:35 张明（副厅长）（已更正）

            携带身份证明。

            *11:02 访谈结束*

            ## 补录

            **问** 网友

            异地可以申请吗？

            - 受理日期：2027-03-16
            - 答复日期：2027-03-19
            - 答复部门：法律援助处

            **答** 张明（副厅长）

            可以。

            """
        #expect(TranscriptExport.render(small, as: .markdown) == expected)
    }

    @Test("plain text, byte for byte")
    func plainText() {
        let expected = """
            法律援助与你同行
            在线访谈实录

            时间：2027年3月16日（周二）09:30—11:02
            主持人：李华
            嘉宾：张明，副厅长，江苏省司法厅
            网址：https://wenzheng.example/interviews/12

            【简介】
            介绍法律援助。

            申请流程

            【实录】
            [09:30] —— 访谈开始 ——

            [09:30] 主持人 李华：
            各位网友好！

            [09:32] 问 张*：
            如何申请法律援助？
            需要什么材料？

            [09:35] 答 张明（副厅长）（已更正）：
            携带身份证明。

            [11:02] —— 访谈结束 ——

            【补录】
            问 网友：
            异地可以申请吗？

            受理日期：2027-03-16　答复日期：2027-03-19　答复部门：法律援助处

            答 张明（副厅长）：
            可以。

            """
        #expect(TranscriptExport.render(small, as: .text) == expected)
    }

    @Test("HTML: standalone, no scripts, print styles, every part of the transcript there")
    func html() {
        let html = TranscriptExport.render(small, as: .html)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">"))
        #expect(html.hasSuffix("</article>\n</body>\n</html>\n"))
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"))
        #expect(!html.lowercased().contains("<script") && !html.contains("src=") && !html.contains("<link"))
        #expect(html.contains("@page{size:A4") && html.contains("@media print") && html.contains("break-inside:avoid"))
        #expect(html.contains("<title>法律援助与你同行（在线访谈实录）</title>"))
        #expect(html.contains("<dt>时间</dt><dd>2027年3月16日（周二）09:30—11:02</dd>"))
        #expect(html.contains("<div class=\"turn question\" id=\"seq-3\">"))
        #expect(html.contains("<time datetime=\"2027-03-16T09:32:00+08:00\">09:32</time> 张*"))
        #expect(html.contains("<p>如何申请法律援助？<br>\n需要什么材料？</p>"))
        #expect(html.contains("张明（副厅长） <span class=\"corrected\">（已更正）</span>"))
        #expect(html.contains("<p class=\"turn system\" id=\"seq-1\"><time datetime=\"2027-03-16T09:30:00+08:00\">09:30</time> 访谈开始</p>"))
        #expect(html.contains("<dt>受理日期</dt><dd>2027-03-16</dd><dt>答复日期</dt><dd>2027-03-19</dd><dt>答复部门</dt><dd>法律援助处</dd>"))
        #expect(!html.contains("导出时间"))
    }

    @Test("hostile text in every field is escaped in HTML: no tag, attribute or reference gets through")
    func hostileHTML() {
        let html = TranscriptExport.render(TranscriptFixtures.everywhereHostile, as: .html)
        #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<\u{FE0F}b>"))
        #expect(!html.contains("\"\u{301}") && !html.contains("'\u{200D}"))
        #expect(html.contains("&quot;\u{301} onmouseover=&quot;x &#39;\u{200D}&lt;img src=x onerror=y&gt; &lt;\u{FE0F}b&gt;"))
        #expect(html.contains("&amp;amp;"))
        #expect(!html.contains("\u{1B}") && !html.contains("\u{202E}"))
        // Every tag in the page is one the exporter writes.
        let tags = Set(html.matches(of: /<\/?([a-zA-Z0-9!]+)/).map { String($0.output.1).lowercased() })
        #expect(tags.isSubset(of: ["!doctype", "html", "head", "meta", "title", "style", "body", "article", "header", "h1", "h2", "p", "dl", "dt", "dd", "section", "div", "span", "time", "br", "footer"]))
    }

    @Test("hostile text in Markdown cannot open a heading, a list, a link, an image or raw HTML")
    func hostileMarkdown() {
        let markdown = TranscriptExport.render(TranscriptFixtures.everywhereHostile, as: .markdown)
        for line in markdown.split(separator: "\n") {
            // Only the exporter's own headings start with #; the title's
            // own # is escaped.
            if line.hasPrefix("#") { #expect(line.hasPrefix("# \\#") || ["## 简介", "## 实录", "## 补录"].contains(line)) }
            #expect(!line.hasPrefix(" ") && !line.hasPrefix("1.") && !line.hasPrefix(">"))
        }
        // Every inline-significant character is preceded by a backslash,
        // outside the exporter's own **labels** and *system lines*.
        var bytes = Array(markdown.utf8)
        for own in ["**问**", "**答**", "**主持人**", "*09:30 访谈开始*", "*11:02 访谈结束*"] {
            bytes = bytes.replacing(Array(own.utf8), with: [])
        }
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            #expect(!"<>[]*_`&|~$".utf8.contains(bytes[index]), "unescaped \(Unicode.Scalar(bytes[index])) at \(index)")
            index += 1
        }
        #expect(!markdown.contains("\u{1B}") && !markdown.contains("\u{202E}"))
    }

    @Test("hostile text leaves no terminal escapes or bidi overrides in plain text")
    func hostileText() {
        let text = TranscriptExport.render(TranscriptFixtures.everywhereHostile, as: .text)
        #expect(!text.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" })
        #expect(!text.contains("\u{202E}"))
        #expect(text.contains("<script>alert(1)</script>"))  // plain text shows it as text
    }

    @Test("deterministic: two runs, and entries given in any order, give the same bytes in every format")
    func deterministic() {
        var shuffled = small
        shuffled.entries.reverse()
        shuffled.deferredReplies = [
            .init(
                questionId: 10, question: "还有问题", asker: "王*", receivedOn: CivilDate(year: 2027, month: 3, day: 16),
                repliedOn: CivilDate(year: 2027, month: 3, day: 18), department: "法律援助处", answeredBy: "张明", answer: "答复")
        ] + small.deferredReplies
        var ordered = shuffled
        ordered.deferredReplies.reverse()
        for format in TranscriptFormat.allCases {
            let first = TranscriptExport.data(small, as: format)
            #expect(first == TranscriptExport.data(small, as: format))
            #expect(TranscriptExport.render(shuffled, as: format) == TranscriptExport.render(ordered, as: format))
            #expect(TranscriptExport.render(small.withEntriesReversed, as: format) == TranscriptExport.render(small, as: format))
            #expect(first.last == UInt8(ascii: "\n") && !first.starts(with: [0xEF, 0xBB, 0xBF]))
        }
    }

    @Test("the export time appears only when passed in, in every format")
    func exportedAt() {
        let at = beijing("2027-04-01T08:00")
        for format in TranscriptFormat.allCases {
            let without = TranscriptExport.render(small, as: format)
            let with = TranscriptExport.render(small, as: format, exportedAt: at)
            #expect(without != with)
            #expect(with.contains(format == .json ? "2027-04-01T08:00:00+08:00" : "2027-04-01 08:00"))
        }
    }

    @Test("times: an entry after midnight shows its date; an interview never started shows the planned time")
    func times() {
        var late = small
        late.entries.append(.init(seq: 6, kind: .remark, author: "李华", body: "补充说明", at: beijing("2027-03-17T00:05")))
        #expect(TranscriptExport.render(late, as: .text).contains("[3月17日 00:05] 主持人 李华："))
        var planned = small
        planned.interview.startedAt = nil
        planned.interview.endedAt = nil
        #expect(TranscriptExport.render(planned, as: .text).contains("时间：2027年3月16日（周二）09:30—11:00（计划）"))
        var overnight = small
        overnight.interview.endedAt = beijing("2027-03-17T00:10")
        #expect(TranscriptExport.render(overnight, as: .text).contains("09:30—2027年3月17日 00:10"))
    }

    @Test("formats name their files and media types")
    func formats() {
        #expect(TranscriptFormat(rawValue: "md") == .markdown && TranscriptFormat(rawValue: "txt") == .text)
        #expect(TranscriptExport.fileName(interviewID: 12, format: .html) == "interview-12-transcript.html")
        #expect(TranscriptFormat.json.mediaType == "application/json")
    }
}

extension TranscriptDocument {
    fileprivate var withEntriesReversed: TranscriptDocument {
        var copy = self
        copy.entries.reverse()
        return copy
    }
}
