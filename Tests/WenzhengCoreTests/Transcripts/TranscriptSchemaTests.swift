import Foundation
import Testing
import WenzhengCore

/// JSON as parsed here, objects keeping their key order, so the tests can
/// check the order the schema promises; Foundation's parser loses it and,
/// on Linux, cannot tell `true` from `1`.
private indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([Member])

    struct Member: Equatable {
        var key: String
        var value: JSONValue
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    var keys: [String] {
        if case .object(let members) = self { return members.map(\.key) }
        return []
    }

    var items: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let value): value == value.rounded() ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// A strict RFC 8259 reader for the tests.
    static func parse(_ text: String) throws -> JSONValue {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.scalars.count else { throw Parser.Failure(at: parser.index) }
        return value
    }

    struct Parser {
        struct Failure: Error { var at: Int }
        let scalars: [Unicode.Scalar]
        var index = 0

        mutating func skipWhitespace() {
            while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
        }

        mutating func expect(_ literal: String) throws {
            for scalar in literal.unicodeScalars {
                guard index < scalars.count, scalars[index] == scalar else { throw Failure(at: index) }
                index += 1
            }
        }

        mutating func value() throws -> JSONValue {
            skipWhitespace()
            guard index < scalars.count else { throw Failure(at: index) }
            switch scalars[index] {
            case "n": try expect("null"); return .null
            case "t": try expect("true"); return .bool(true)
            case "f": try expect("false"); return .bool(false)
            case "\"": return .string(try string())
            case "[":
                index += 1
                var items: [JSONValue] = []
                skipWhitespace()
                if scalars[index] == "]" { index += 1; return .array(items) }
                while true {
                    items.append(try value())
                    skipWhitespace()
                    if scalars[index] == "]" { index += 1; return .array(items) }
                    try expect(",")
                }
            case "{":
                index += 1
                var members: [Member] = []
                skipWhitespace()
                if scalars[index] == "}" { index += 1; return .object(members) }
                while true {
                    skipWhitespace()
                    let key = try string()
                    skipWhitespace()
                    try expect(":")
                    members.append(Member(key: key, value: try value()))
                    skipWhitespace()
                    if scalars[index] == "}" { index += 1; return .object(members) }
                    try expect(",")
                }
            default:
                let start = index
                while index < scalars.count, "-+.eE0123456789".unicodeScalars.contains(scalars[index]) { index += 1 }
                guard let number = Double(String(String.UnicodeScalarView(scalars[start..<index]))) else { throw Failure(at: start) }
                return .number(number)
            }
        }

        mutating func string() throws -> String {
            try expect("\"")
            var result = String.UnicodeScalarView()
            while true {
                guard index < scalars.count else { throw Failure(at: index) }
                let scalar = scalars[index]
                index += 1
                switch scalar {
                case "\"": return String(result)
                case "\\":
                    let escaped = scalars[index]
                    index += 1
                    switch escaped {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    case "r": result.append("\r")
                    case "b": result.append("\u{8}")
                    case "f": result.append("\u{C}")
                    case "u":
                        var code = try hex4()
                        if (0xD800...0xDBFF).contains(code) {
                            try expect("\\u")
                            code = 0x10000 + ((code - 0xD800) << 10) + (try hex4() - 0xDC00)
                        }
                        guard let decoded = Unicode.Scalar(code) else { throw Failure(at: index) }
                        result.append(decoded)
                    default: result.append(escaped)
                    }
                default:
                    guard scalar.value >= 0x20 else { throw Failure(at: index) }
                    result.append(scalar)
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= scalars.count, let value = UInt32(String(String.UnicodeScalarView(scalars[index..<index + 4])), radix: 16)
            else { throw Failure(at: index) }
            index += 4
            return value
        }
    }
}

/// docs/transcript-schema.json, read from the repository.
private func loadSchema() throws -> JSONValue {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/transcript-schema.json")
    return try JSONValue.parse(String(decoding: Data(contentsOf: url), as: UTF8.self))
}

/// The part of JSON Schema 2020-12 the transcript schema uses: `$ref` to
/// `$defs`, `type` (one or a list), `const`, `enum`, `pattern`, `minimum`,
/// `properties`, `required`, `additionalProperties: false` and `items`.
/// Returns one line per violation, with the JSON path.
private struct SchemaValidator {
    let root: JSONValue

    func resolve(_ schema: JSONValue) -> JSONValue {
        guard let reference = schema["$ref"]?.string else { return schema }
        return resolve(root["$defs"]?[String(reference.dropFirst("#/$defs/".count))] ?? .null)
    }

    func validate(_ value: JSONValue, _ rawSchema: JSONValue, path: String = "$") -> [String] {
        let schema = resolve(rawSchema)
        var problems: [String] = []
        if let expected = schema["type"] {
            let allowed = expected.string.map { [$0] } ?? expected.items.compactMap(\.string)
            if !allowed.contains(value.typeName) { return ["\(path): \(value.typeName), expected \(allowed)"] }
        }
        if let constant = schema["const"], constant != value { problems.append("\(path): not \(constant)") }
        if let options = schema["enum"], !options.items.contains(value) { problems.append("\(path): \(value) not in \(options)") }
        if let pattern = schema["pattern"]?.string, let text = value.string, (try? Regex(pattern).wholeMatch(in: text)) == nil {
            problems.append("\(path): '\(text)' does not match \(pattern)")
        }
        if case .number(let minimum)? = schema["minimum"], case .number(let number) = value, number < minimum {
            problems.append("\(path): \(number) < \(minimum)")
        }
        if case .object(let members) = value {
            let properties = schema["properties"] ?? .object([])
            for key in (schema["required"]?.items ?? []).compactMap(\.string) where value[key] == nil {
                problems.append("\(path): missing \(key)")
            }
            for member in members {
                if let property = properties[member.key] {
                    problems += validate(member.value, property, path: "\(path).\(member.key)")
                } else if schema["additionalProperties"] == .bool(false) {
                    problems.append("\(path): unexpected key \(member.key)")
                }
            }
        }
        if case .array(let array) = value, let items = schema["items"] {
            for (index, item) in array.enumerated() { problems += validate(item, items, path: "\(path)[\(index)]") }
        }
        return problems
    }

    /// Each object in `value` whose keys are not exactly its schema's
    /// `required` list, in that order.
    func keyOrderProblems(_ value: JSONValue, _ rawSchema: JSONValue, path: String = "$") -> [String] {
        let schema = resolve(rawSchema)
        var problems: [String] = []
        if case .object(let members) = value {
            let required = (schema["required"]?.items ?? []).compactMap(\.string)
            if members.map(\.key) != required { problems.append("\(path): keys \(members.map(\.key)), schema \(required)") }
            for member in members {
                problems += keyOrderProblems(member.value, schema["properties"]?[member.key] ?? .null, path: "\(path).\(member.key)")
            }
        }
        if case .array(let array) = value, let items = schema["items"] {
            for (index, item) in array.enumerated() { problems += keyOrderProblems(item, items, path: "\(path)[\(index)]") }
        }
        return problems
    }

    /// Every object schema reachable from the root, by path.
    func objectSchemas(_ rawSchema: JSONValue, path: String = "$") -> [(String, JSONValue)] {
        let schema = resolve(rawSchema)
        var found: [(String, JSONValue)] = []
        if case .object(let properties)? = schema["properties"] {
            found.append((path, schema))
            for property in properties { found += objectSchemas(property.value, path: "\(path).\(property.key)") }
        }
        if let items = schema["items"] { found += objectSchemas(items, path: "\(path)[]") }
        return found
    }
}

@Suite("Transcript JSON and its schema")
struct TranscriptSchemaTests {
    fileprivate func exported(_ document: TranscriptDocument, exportedAt: Date? = nil) throws -> JSONValue {
        try JSONValue.parse(TranscriptExport.render(document, as: .json, exportedAt: exportedAt))
    }

    @Test("the schema requires every property it names, in order, and allows no others, at every level")
    func schemaIsClosed() throws {
        let schema = try loadSchema()
        let validator = SchemaValidator(root: schema)
        let objects = validator.objectSchemas(schema)
        #expect(objects.map(\.0) == ["$", "$.interview", "$.interview.guests[]", "$.entries[]", "$.deferredReplies[]"])
        for (path, object) in objects {
            #expect((object["required"]?.items ?? []).compactMap(\.string) == object["properties"]?.keys, "\(path)")
            #expect(object["additionalProperties"] == .bool(false), "\(path)")
        }
    }

    @Test("the export's keys are the schema's, in the schema's order, and it validates, plain and hostile")
    func exportMatchesSchema() throws {
        let schema = try loadSchema()
        let validator = SchemaValidator(root: schema)
        for document in [TranscriptFixtures.small, TranscriptFixtures.everywhereHostile] {
            for exportedAt in [nil, beijing("2027-04-01T08:00")] {
                let json = try exported(document, exportedAt: exportedAt)
                #expect(validator.validate(json, schema) == [])
                #expect(validator.keyOrderProblems(json, schema) == [])
            }
        }
    }

    @Test("the validator itself catches a missing key, an extra key, a wrong type, a bad time and a wrong order")
    func validatorCatches() throws {
        let schema = try loadSchema()
        let validator = SchemaValidator(root: schema)
        guard case .object(var members) = try exported(TranscriptFixtures.small) else { Issue.record("not an object"); return }
        members.append(.init(key: "extra", value: .number(1)))
        members.removeAll { $0.key == "exportedAt" }
        let index = try #require(members.firstIndex { $0.key == "interview" })
        guard case .object(var interview) = members[index].value else { Issue.record("no interview"); return }
        interview[0].value = .string("12")
        interview[5].value = .string("2027-03-16 09:30")
        interview.swapAt(1, 2)
        members[index].value = .object(interview)
        let json = JSONValue.object(members)
        #expect(validator.validate(json, schema).count == 4)
        #expect(validator.keyOrderProblems(json, schema).count == 2)
    }

    @Test("values: office times with +08:00, nulls for what is absent, masked askers, corrections flagged, texts cleaned")
    func values() throws {
        let json = try exported(TranscriptFixtures.small)
        #expect(json["format"] == .string("wenzheng-transcript") && json["version"] == .number(1))
        #expect(json["exportedAt"] == .null)
        let entries = json["entries"]?.items ?? []
        #expect(entries.map { $0["seq"] } == [1, 2, 3, 4, 5].map { .number($0) })
        #expect(entries[2]["author"] == .string("张*"))
        #expect(entries[2]["body"] == .string("如何申请法律援助？\n需要什么材料？"))
        #expect(entries[2]["time"] == .string("2027-03-16T09:32:00+08:00"))
        #expect(entries[3]["corrected"] == .bool(true) && entries[3]["version"] == .number(2))
        #expect(entries[0]["authorTitle"] == .null && entries[0]["questionId"] == .null)
        let reply = try #require(json["deferredReplies"]?.items.first)
        #expect(reply["receivedOn"] == .string("2027-03-16") && reply["repliedOn"] == .string("2027-03-19"))
        #expect(reply["department"] == .string("法律援助处") && reply["corrected"] == .bool(false))
    }

    @Test("JSON text: fixed layout, HTML-significant characters and line separators escaped, everything else as UTF-8")
    func jsonText() throws {
        var document = TranscriptFixtures.small
        let remark = try #require(document.entries.firstIndex { $0.seq == 2 })
        document.entries[remark].body = "<b>&\"\\ \u{2028}\t中文 é 😀"
        let text = TranscriptExport.render(document, as: .json)
        #expect(text.hasPrefix("{\n  \"format\": \"wenzheng-transcript\",\n  \"version\": 1,\n  \"interview\": {\n    \"id\": 12,"))
        // U+2028 became a line break when the text was cleaned, and the
        // space before it went with the line's end.
        #expect(text.contains(#""body": "\u003cb\u003e\u0026\"\\\n\t中文 é 😀","#))
        #expect(try JSONValue.parse(text)["entries"]?.items[1]["body"] == .string("<b>&\"\\\n\t中文 é 😀"))
        #expect(text.hasSuffix("}\n"))
        let hostile = TranscriptExport.render(TranscriptFixtures.everywhereHostile, as: .json)
        #expect(!hostile.contains("<") && !hostile.contains(">") && !hostile.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }
}
