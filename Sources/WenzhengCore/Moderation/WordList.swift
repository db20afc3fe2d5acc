import Foundation

/// One category's word list, as read from `Moderation/wordlists/*.txt`.
///
/// Format: UTF-8, one term per line. Lines starting with `#` are comments;
/// the header's `# key: value` comments name the list's `category`,
/// `source` and `licence`. Blank lines are ignored. Terms are matched after
/// folding (see `TextNormalizer`), so they need no variants for case,
/// width or separators.
public struct WordList: Sendable, Equatable {
    public var category: String
    public var source: String
    public var licence: String
    public var terms: [String]

    public init(category: String, source: String, licence: String, terms: [String]) {
        self.category = category
        self.source = source
        self.licence = licence
        self.terms = terms
    }

    /// A problem in a word-list or rules file, naming the file and line.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String

        public init(file: String, line: Int, message: String) {
            self.file = file
            self.line = line
            self.message = message
        }

        public var description: String { "\(file):\(line): \(message)" }
    }

    public static let maxTermLength = 64

    /// Parses a list's bytes. Invalid UTF-8 is reported with its line
    /// number rather than replaced, so a broken file never silently loses
    /// terms.
    public static func parse(_ data: Data, file: String) throws(ParseError) -> WordList {
        var category: String?
        var source: String?
        var licence: String?
        var terms: [String] = []
        var seen = Set<[UInt32]>()
        let bytes = [UInt8](data)
        var lineNumber = 0
        var lineStart = 0
        while lineStart <= bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineStart == bytes.count { break }
            let slice = bytes[lineStart..<lineEnd]
            lineStart = lineEnd + 1
            guard var line = String(validating: slice, as: UTF8.self) else {
                throw ParseError(file: file, line: lineNumber, message: "invalid UTF-8")
            }
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            line = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if let colon = body.firstIndex(of: ":") {
                    let key = body[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                    let value = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    switch key {
                    case "category": category = value
                    case "source": source = source.map { $0 + "; " + value } ?? value
                    case "licence", "license": licence = licence.map { $0 + "; " + value } ?? value
                    default: break
                    }
                }
                continue
            }
            guard line.count <= maxTermLength else {
                throw ParseError(file: file, line: lineNumber, message: "term longer than \(maxTermLength) characters")
            }
            let folded = TextNormalizer.fold(line)
            guard !folded.isEmpty else {
                throw ParseError(file: file, line: lineNumber, message: "term '\(line)' has no letters or digits to match")
            }
            if seen.insert(folded).inserted { terms.append(line) }
        }
        guard let category, !category.isEmpty else {
            throw ParseError(file: file, line: 1, message: "missing '# category: NAME' header")
        }
        guard let source, !source.isEmpty else {
            throw ParseError(file: file, line: 1, message: "missing '# source: …' header")
        }
        guard let licence, !licence.isEmpty else {
            throw ParseError(file: file, line: 1, message: "missing '# licence: …' header")
        }
        return WordList(category: category, source: source, licence: licence, terms: terms)
    }
}
