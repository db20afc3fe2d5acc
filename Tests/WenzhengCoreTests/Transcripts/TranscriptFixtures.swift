import Foundation
import WenzhengCore

/// A Beijing time for transcript tests.
func beijing(_ text: String) -> Date {
    guard let date = try? OfficeTimeText.parse(text) else { fatalError("bad test time \(text)") }
    return date
}

enum TranscriptFixtures {
    /// A short published interview: a remark, a question and its corrected
    /// answer between the start and end, and one deferred question answered
    /// three days later.
    static let small = TranscriptDocument(
        interview: .init(
            id: 12, title: "法律援助与你同行", summary: "介绍法律援助。\n\n申请流程", scheduledStart: beijing("2027-03-16T09:30"), plannedMinutes: 90,
            startedAt: beijing("2027-03-16T09:30"), endedAt: beijing("2027-03-16T11:02"), publishedAt: beijing("2027-03-20T10:00"),
            host: "李华", guests: [GuestCredit(name: "张明", title: "副厅长", department: "江苏省司法厅")],
            url: "https://wenzheng.example/interviews/12"),
        entries: [
            .init(seq: 5, kind: .system, author: "系统", body: "ended", at: beijing("2027-03-16T11:02")),
            .init(seq: 1, kind: .system, author: "系统", body: "started", at: beijing("2027-03-16T09:30")),
            .init(seq: 2, kind: .remark, author: "李华", authorTitle: "主持人", body: "各位网友好！", at: beijing("2027-03-16T09:30:20")),
            .init(seq: 3, kind: .question, author: "张*", questionId: 7, body: "如何申请法律援助？\r\n需要什么材料？", at: beijing("2027-03-16T09:32")),
            .init(
                seq: 4, kind: .answer, author: "张明", authorTitle: "副厅长", questionId: 7, body: "携带身份证明。", at: beijing("2027-03-16T09:35"),
                version: 2),
        ],
        deferredReplies: [
            .init(
                questionId: 9, question: "异地可以申请吗？", asker: "网友", receivedOn: CivilDate(year: 2027, month: 3, day: 16),
                repliedOn: CivilDate(year: 2027, month: 3, day: 19), department: "法律援助处", answeredBy: "张明", answeredByTitle: "副厅长",
                answer: "可以。")
        ])

    /// Text that attacks every format at once: HTML tags and attributes,
    /// quotes followed by a combining mark, a ZWJ and a variation selector,
    /// Markdown syntax at the start of lines, JSON and iCalendar
    /// separators, terminal escapes and bidi overrides.
    static let hostile =
        "# <script>alert(1)</script>\n1. \"\u{301} onmouseover=\"x '\u{200D}<img src=x onerror=y> <\u{FE0F}b>\n- [链接](javascript:alert(1)) **粗** `code` &amp;\u{1B}[2J\u{202E}txt.exe\n    indented | a \\ b"

    /// Every text field of `small` replaced by `hostile`.
    static var everywhereHostile: TranscriptDocument {
        var document = small
        document.interview.title = hostile
        document.interview.summary = hostile
        document.interview.host = hostile
        document.interview.guests = [GuestCredit(name: hostile, title: hostile, department: hostile)]
        document.interview.url = hostile
        for index in document.entries.indices where document.entries[index].kind != .system {
            document.entries[index].author = hostile
            document.entries[index].authorTitle = hostile
            document.entries[index].body = hostile
        }
        document.deferredReplies[0].question = hostile
        document.deferredReplies[0].asker = hostile
        document.deferredReplies[0].department = hostile
        document.deferredReplies[0].answeredBy = hostile
        document.deferredReplies[0].answer = hostile
        return document
    }
}
