import Foundation

// The JSON reader and the part of JSON Schema that the transcript export's
// tests need (WenzhengCoreTests, and wenzhengTests on the CLI's output).

/// JSON as parsed here, objects keeping their key order, so the tests can
/// check the order the schema promises; Foundation's parser loses it and,
/// on Linux, cannot tell `true` from `1`.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([Member])

    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    public var keys: [String] {
        if case .object(let members) = self { return members.map(\.key) }
        return []
    }

    public var items: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var typeName: String {
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
    public static func parse(_ text: String) throws -> JSONValue {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.scalars.count else { throw Parser.Failure(at: parser.index) }
        return value
    }

    public struct Parser {
        public struct Failure: Error { public var at: Int }
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
public enum TranscriptSchema {
    /// The repository: the first folder above this file that holds Package.swift.
    public static let repository: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder
    }()

    public static func load() throws -> JSONValue {
        try JSONValue.parse(
            String(decoding: Data(contentsOf: repository.appendingPathComponent("docs/transcript-schema.json")), as: UTF8.self))
    }

    /// Every violation of the schema in `json`, and every object whose keys
    /// are not the schema's in its order: empty when the export is right.
    public static func problems(_ json: String) throws -> [String] {
        let schema = try load()
        let validator = SchemaValidator(root: schema)
        let value = try JSONValue.parse(json)
        return validator.validate(value, schema) + validator.keyOrderProblems(value, schema)
    }
}

/// The part of JSON Schema 2020-12 the transcript schema uses: `$ref` to
/// `$defs`, `type` (one or a list), `const`, `enum`, `pattern`, `minimum`,
/// `properties`, `required`, `additionalProperties: false` and `items`.
/// Returns one line per violation, with the JSON path.
public struct SchemaValidator {
    public let root: JSONValue

    public init(root: JSONValue) { self.root = root }

    public func resolve(_ schema: JSONValue) -> JSONValue {
        guard let reference = schema["$ref"]?.string else { return schema }
        return resolve(root["$defs"]?[String(reference.dropFirst("#/$defs/".count))] ?? .null)
    }

    public func validate(_ value: JSONValue, _ rawSchema: JSONValue, path: String = "$") -> [String] {
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
    public func keyOrderProblems(_ value: JSONValue, _ rawSchema: JSONValue, path: String = "$") -> [String] {
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
    public func objectSchemas(_ rawSchema: JSONValue, path: String = "$") -> [(String, JSONValue)] {
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
