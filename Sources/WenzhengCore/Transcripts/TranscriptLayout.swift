import Foundation

/// What every transcript format shows, worked out once: labels, times,
/// cleaned texts, in order. The four renderers only escape and arrange, so
/// they cannot disagree about content.
struct TranscriptLayout {
    struct Fact {
        var label: String
        var value: String
    }

    struct Turn {
        /// `question`, `answer`, `remark`, `system`: a CSS class and a JSON kind.
        var kind: String
        /// 问, 答, 主持人, or empty for a system line.
        var label: String
        /// `09:32`, or `3月17日 00:05` on a later day than the start.
        var time: String
        /// ISO 8601 with the office offset.
        var datetime: String
        /// 张*, 张明（副厅长）; the system line's text for a system entry.
        var speaker: String
        var paragraphs: [[String]]
        var corrected: Bool
        var anchor: String
    }

    struct Deferred {
        var question: Turn
        var facts: [Fact]
        var answer: Turn
    }

    var title: String
    var subtitle = "在线访谈实录"
    var facts: [Fact]
    var summary: [[String]]
    var turns: [Turn]
    var deferred: [Deferred]
    /// `导出时间：…`, only when the caller passed a time.
    var exportedAt: String?

    init(_ document: TranscriptDocument, exportedAt: Date?) {
        let interview = document.interview
        let startDate = OfficeDateTime(interview.startedAt ?? interview.scheduledStart).date
        title = TranscriptText.singleLine(interview.title)
        facts = [Fact(label: "时间", value: Self.when(interview))]
        if let host = interview.host.map(TranscriptText.singleLine), !host.isEmpty {
            facts.append(Fact(label: "主持人", value: host))
        }
        for guest in interview.guests {
            facts.append(Fact(label: "嘉宾", value: Self.credit(guest)))
        }
        if let url = interview.url.map(TranscriptText.singleLine), !url.isEmpty {
            facts.append(Fact(label: "网址", value: url))
        }
        summary = TranscriptText.paragraphs(interview.summary)
        turns = document.orderedEntries.map { entry in
            Self.turn(
                kind: entry.kind, author: entry.author, title: entry.authorTitle, body: entry.body, at: entry.at, startDate: startDate,
                corrected: entry.corrected, anchor: "seq-\(entry.seq)")
        }
        deferred = document.orderedReplies.map { reply in
            let question = Turn(
                kind: "question", label: "问", time: "", datetime: "", speaker: TranscriptText.singleLine(reply.asker),
                paragraphs: TranscriptText.paragraphs(reply.question), corrected: false, anchor: "question-\(reply.questionId)")
            let answer = Turn(
                kind: "answer", label: "答", time: "", datetime: "",
                speaker: Self.speaker(reply.answeredBy, title: reply.answeredByTitle),
                paragraphs: TranscriptText.paragraphs(reply.answer), corrected: reply.corrected, anchor: "reply-\(reply.questionId)")
            return Deferred(
                question: question,
                facts: [
                    Fact(label: "受理日期", value: reply.receivedOn.description),
                    Fact(label: "答复日期", value: reply.repliedOn.description),
                    Fact(label: "答复部门", value: TranscriptText.singleLine(reply.department)),
                ],
                answer: answer)
        }
        self.exportedAt = exportedAt.map { OfficeDateTime($0).description.replacingOccurrences(of: "T", with: " ") }
    }

    /// `2027年3月16日（周二）09:30—11:02`, from the actual times when the
    /// interview ran, else the planned ones marked 计划.
    static func when(_ interview: TranscriptDocument.Summary) -> String {
        let start: Date
        let end: Date?
        let planned = interview.startedAt == nil
        if let startedAt = interview.startedAt {
            (start, end) = (startedAt, interview.endedAt)
        } else {
            (start, end) = (interview.scheduledStart, interview.scheduledStart.addingTimeInterval(TimeInterval(interview.plannedMinutes * 60)))
        }
        let from = OfficeDateTime(start)
        var text = "\(TranscriptText.chineseDate(from.date))（\(from.date.chineseWeekday)）\(from.hourMinute)"
        if let end {
            let to = OfficeDateTime(end)
            text += "—" + (to.date == from.date ? to.hourMinute : "\(TranscriptText.chineseDate(to.date)) \(to.hourMinute)")
        }
        return planned ? text + "（计划）" : text
    }

    /// `张明，副厅长，江苏省司法厅`.
    static func credit(_ guest: GuestCredit) -> String {
        [guest.name, guest.title, guest.department].map(TranscriptText.singleLine).filter { !$0.isEmpty }.joined(separator: "，")
    }

    /// `张明（副厅长）`.
    static func speaker(_ name: String, title: String?) -> String {
        let name = TranscriptText.singleLine(name)
        guard let title = title.map(TranscriptText.singleLine), !title.isEmpty else { return name }
        return "\(name)（\(title)）"
    }

    static let systemTexts = [
        "started": "访谈开始", "paused": "访谈暂停", "resumed": "访谈继续", "ended": "访谈结束", "published": "实录发布",
    ]

    static func turn(
        kind: TranscriptEntryKind, author: String, title: String?, body: String, at: Date, startDate: CivilDate, corrected: Bool,
        anchor: String
    ) -> Turn {
        let time = OfficeDateTime(at)
        let timeText = time.date == startDate ? time.hourMinute : "\(time.date.month)月\(time.date.day)日 \(time.hourMinute)"
        let label: String
        var speaker = speaker(author, title: title)
        var paragraphs = TranscriptText.paragraphs(body)
        switch kind {
        case .question: label = "问"
        case .answer: label = "答"
        case .remark:
            label = "主持人"
            speaker = TranscriptText.singleLine(author)
        case .system:
            label = ""
            speaker = systemTexts[TranscriptText.singleLine(body)] ?? TranscriptText.singleLine(body)
            paragraphs = []
        }
        return Turn(
            kind: kind.rawValue, label: label, time: timeText, datetime: OfficeDateTime.iso8601(at), speaker: speaker,
            paragraphs: paragraphs, corrected: corrected, anchor: anchor)
    }
}
