import Foundation

/// A JSON value whose objects keep their keys in the order given, written
/// always the same way: two-space indentation, `"key": value`, integers
/// only. `JSONEncoder` sorts keys at best and its spacing has changed
/// between Foundation versions; an archive format should not.
indirect enum OrderedJSON {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    static func optional(_ text: String?) -> OrderedJSON { text.map(OrderedJSON.string) ?? .null }
    static func optional(_ number: Int64?) -> OrderedJSON { number.map(OrderedJSON.int) ?? .null }

    /// The text, ending with a line feed.
    var serialized: String {
        var output = ""
        write(into: &output, indent: 0)
        return output + "\n"
    }

    private func write(into output: inout String, indent: Int) {
        let padding = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .string(let value): Self.writeString(value, into: &output)
        case .array(let values):
            guard !values.isEmpty else { return output += "[]" }
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += padding
                value.write(into: &output, indent: indent + 1)
                output += index == values.count - 1 ? "\n" : ",\n"
            }
            output += closing + "]"
        case .object(let members):
            guard !members.isEmpty else { return output += "{}" }
            output += "{\n"
            for (index, (key, value)) in members.enumerated() {
                output += padding
                Self.writeString(key, into: &output)
                output += ": "
                value.write(into: &output, indent: indent + 1)
                output += index == members.count - 1 ? "\n" : ",\n"
            }
            output += closing + "}"
        }
    }

    /// RFC 8259 string escaping, plus `<`, `>`, `&`, U+2028 and U+2029 as
    /// `\u` escapes, so the text is also safe pasted into HTML or
    /// JavaScript. Other scalars are written as UTF-8.
    static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}", "\u{7F}", "\u{0}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

/// The JSON export, as docs/transcript-schema.json describes it. Times are
/// ISO 8601 with the office's offset (`2027-03-16T09:32:00+08:00`), dates
/// `YYYY-MM-DD`; optional values are present as `null`, so every object of
/// a kind has the same keys.
enum TranscriptJSON {
    static let format = "wenzheng-transcript"
    static let version: Int64 = 1

    static func render(_ document: TranscriptDocument, exportedAt: Date?) -> String {
        let interview = document.interview
        let text = TranscriptText.clean
        let line = TranscriptText.singleLine
        let time = { (date: Date) in OrderedJSON.string(OfficeDateTime.iso8601(date)) }
        let optionalTime = { (date: Date?) in date.map(time) ?? .null }
        let optionalLine = { (value: String?) in OrderedJSON.optional(value.map(line)) }
        let root: OrderedJSON = .object([
            ("format", .string(format)),
            ("version", .int(version)),
            (
                "interview",
                .object([
                    ("id", .int(interview.id)),
                    ("title", .string(line(interview.title))),
                    ("summary", .string(text(interview.summary))),
                    ("scheduledStart", time(interview.scheduledStart)),
                    ("plannedMinutes", .int(Int64(interview.plannedMinutes))),
                    ("startedAt", optionalTime(interview.startedAt)),
                    ("endedAt", optionalTime(interview.endedAt)),
                    ("publishedAt", optionalTime(interview.publishedAt)),
                    ("host", optionalLine(interview.host)),
                    (
                        "guests",
                        .array(
                            interview.guests.map { guest in
                                .object([
                                    ("name", .string(line(guest.name))), ("title", .string(line(guest.title))),
                                    ("department", .string(line(guest.department))),
                                ])
                            })
                    ),
                    ("url", optionalLine(interview.url)),
                ])
            ),
            (
                "entries",
                .array(
                    document.orderedEntries.map { entry in
                        .object([
                            ("seq", .int(entry.seq)),
                            ("kind", .string(entry.kind.rawValue)),
                            ("author", .string(line(entry.author))),
                            ("authorTitle", optionalLine(entry.authorTitle)),
                            ("questionId", .optional(entry.questionId)),
                            ("body", .string(text(entry.body))),
                            ("time", time(entry.at)),
                            ("version", .int(Int64(entry.version))),
                            ("corrected", .bool(entry.corrected)),
                        ])
                    })
            ),
            (
                "deferredReplies",
                .array(
                    document.orderedReplies.map { reply in
                        .object([
                            ("questionId", .int(reply.questionId)),
                            ("question", .string(text(reply.question))),
                            ("asker", .string(line(reply.asker))),
                            ("receivedOn", .string(reply.receivedOn.description)),
                            ("repliedOn", .string(reply.repliedOn.description)),
                            ("department", .string(line(reply.department))),
                            ("answeredBy", .string(line(reply.answeredBy))),
                            ("answeredByTitle", optionalLine(reply.answeredByTitle)),
                            ("answer", .string(text(reply.answer))),
                            ("answerVersion", .int(Int64(reply.answerVersion))),
                            ("corrected", .bool(reply.corrected)),
                        ])
                    })
            ),
            ("exportedAt", optionalTime(exportedAt)),
        ])
        return root.serialized
    }
}
