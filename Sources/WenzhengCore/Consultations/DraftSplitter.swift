import Foundation

/// How a draft was given to the importer.
public enum DraftFormat: String, Sendable, Codable, CaseIterable {
    /// Headings may be Markdown headings (`## 第一章 总则`, `### 第一条`),
    /// labels may be in bold (`**第一条**`).
    case markdown
    case plainText = "plain_text"
}

/// The divisions above articles, outermost first: 编, 章, 节.
public enum DraftDivisionLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case part
    case chapter
    case section

    /// The character that names the level in a heading.
    public var character: Character {
        switch self {
        case .part: "编"
        case .chapter: "章"
        case .section: "节"
        }
    }

    init?(character: Character) {
        guard let level = Self.allCases.first(where: { $0.character == character }) else { return nil }
        self = level
    }

    public static func < (lhs: DraftDivisionLevel, rhs: DraftDivisionLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A 编, 章 or 节 heading: `第一章 总则`.
public struct DraftHeading: Sendable, Codable, Equatable {
    public var level: DraftDivisionLevel
    public var number: Int
    /// As written: `第一章`.
    public var label: String
    /// `总则` (spacing between CJK characters, as in `总　　则`, removed).
    public var title: String

    public init(level: DraftDivisionLevel, number: Int, label: String, title: String) {
        self.level = level
        self.number = number
        self.label = label
        self.title = title
    }
}

/// One part of a draft that citizens comment on: an article, or the whole
/// text when no articles were recognised.
public struct DraftSection: Sendable, Codable, Equatable {
    /// Stable identifier within the draft: `art-12` for 第十二条 (a repeated
    /// number gets `art-12-2`, `art-12-3`), `whole` for the single section.
    /// Comments refer to sections by this key.
    public var key: String
    /// nil for the whole-text section.
    public var articleNumber: Int?
    /// `第十二条` as written, or `全文`.
    public var label: String
    /// The rest of a Markdown heading that carried the label
    /// (`### 第一条 立法目的` → `立法目的`).
    public var title: String?
    /// The article's text without its label, paragraphs separated by `\n`.
    public var text: String
    /// Indices into `DraftSplit.headings` of the 编/章/节 it is in,
    /// outermost first.
    public var headingIndices: [Int]

    public init(key: String, articleNumber: Int?, label: String, title: String? = nil, text: String, headingIndices: [Int] = []) {
        self.key = key
        self.articleNumber = articleNumber
        self.label = label
        self.title = title
        self.text = text
        self.headingIndices = headingIndices
    }

    public static let wholeDraftKey = "whole"
}

/// Something in a draft staff should look at before confirming the split.
public struct DraftImportWarning: Sendable, Codable, Equatable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// No article was recognised: the draft is one section.
        case noArticles = "no_articles"
        /// An article number skips (第三条 after 第一条) or does not start at 1.
        case numberingGap = "numbering_gap"
        /// An article number goes back (第五条 after 第七条).
        case outOfOrder = "out_of_order"
        /// The same article number twice.
        case duplicateNumber = "duplicate_number"
        /// An article label with no text.
        case emptyArticle = "empty_article"
        /// Text between a heading and the next article belongs to no
        /// article; it was kept in the preamble.
        case textOutsideArticles = "text_outside_articles"
        /// A table of contents (目录) was recognised and left out.
        case tableOfContentsSkipped = "table_of_contents_skipped"
    }

    public var code: Code
    /// The line of the imported text (from 1) the warning is about.
    public var line: Int?
    public var message: String

    public init(code: Code, line: Int?, message: String) {
        self.code = code
        self.line = line
        self.message = message
    }
}

/// A draft split into headings and sections: what staff confirm after an
/// import, and what the consultation stores and shows.
public struct DraftSplit: Sendable, Codable, Equatable {
    /// The draft's title, when its first line (or first Markdown heading)
    /// looks like one: `江苏省法律援助条例（征求意见稿）`.
    public var title: String?
    /// Text before the first heading or article (a date, a 说明).
    public var preamble: String
    public var headings: [DraftHeading]
    public var sections: [DraftSection]
    public var warnings: [DraftImportWarning]

    public init(title: String?, preamble: String, headings: [DraftHeading], sections: [DraftSection], warnings: [DraftImportWarning]) {
        self.title = title
        self.preamble = preamble
        self.headings = headings
        self.sections = sections
        self.warnings = warnings
    }

    public func section(withKey key: String) -> DraftSection? {
        sections.first { $0.key == key }
    }

    /// The headings a section is in, outermost first.
    public func headings(of section: DraftSection) -> [DraftHeading] {
        section.headingIndices.compactMap { headings.indices.contains($0) ? headings[$0] : nil }
    }
}

/// Splits a draft regulation or normative document into 编/章/节 headings
/// and articles (条), as drafts published for comment are written.
///
/// Recognised at the start of a line (after white space, Markdown heading
/// marks and bold marks):
/// - **Articles**: `第` + a numeral (`ChineseNumerals`: 一 … 九千九百九十九,
///   or Arabic `12`, spaces allowed around Arabic digits) + `条`. When the
///   label is followed by a space, a bracket (`【`, `（`), a colon or the end
///   of the line, it is an article. When text follows directly
///   (`第五条为了…`), it is an article only if its number is the next one
///   expected, so that a line that happens to begin with a reference
///   (`第五条规定的情形…`) is not split off mid-article.
/// - **Headings**: `第` + numeral + `编`, `章` or `节`, on a short line
///   (at most `ConsultationRules.headingMaxLength` characters) that does
///   not end like a sentence.
/// - **Table of contents**: a line `目录` (or `目　录`) before the first
///   article starts one; its entries are skipped until a heading repeats
///   one of them (same label and title), where the body starts.
/// - **Title**: the first line, if short and not a sentence, or the first
///   Markdown heading that is not a 编/章/节/条.
///
/// Everything else is text: an article's paragraphs, or the preamble
/// before the first heading. A draft with no articles becomes one section
/// with the whole text and a `noArticles` warning.
public enum DraftSplitter {
    public static func split(_ text: String, format: DraftFormat) throws(ValidationFailure) -> DraftSplit {
        let cleaned = TextRules.cleanedText(text, singleLine: false)
        var errors: [FieldError] = []
        if cleaned.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors.append(.required("draft"))
        } else if cleaned.unicodeScalars.count > ConsultationRules.draftMaxLength {
            errors.append(.tooLong("draft", max: ConsultationRules.draftMaxLength))
        }
        try ValidationFailure.check(errors)
        var splitter = Splitter(format: format)
        for (index, line) in cleaned.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            splitter.read(line, number: index + 1)
        }
        let result = splitter.finish()
        if result.sections.count > ConsultationRules.maxSections {
            throw ValidationFailure([
                FieldError(field: "draft", code: "too_many", message: "a draft can have at most \(ConsultationRules.maxSections) articles")
            ])
        }
        return result
    }

    /// White space as drafts use it: ASCII, the ideographic space U+3000,
    /// no-break spaces.
    static func isSpace(_ character: Character) -> Bool {
        character.isWhitespace
    }

    static func trimmed(_ text: some StringProtocol) -> Substring {
        let start = text.firstIndex { !isSpace($0) } ?? text.endIndex
        let end = text.lastIndex { !isSpace($0) }.map { text.index(after: $0) } ?? start
        return Substring(text[start..<max(start, end)])
    }

    /// What may follow an article label for it to count as one whatever its
    /// number.
    static func isLabelSeparator(_ character: Character) -> Bool {
        isSpace(character) || "【（(〔[:：、.．".contains(character)
    }

    /// A label `第` + numeral + one of `kinds`, at the start of `line`.
    static func label(in line: Substring, kinds: Set<Character>) -> (number: Int, label: String, kind: Character, rest: Substring)? {
        guard line.first == "第" else { return nil }
        var index = line.index(after: line.startIndex)
        var numeral = ""
        while index < line.endIndex, numeral.count <= 12 {
            let character = line[index]
            if ChineseNumerals.isNumeralCharacter(character) {
                numeral.append(character)
            } else if !(isSpace(character) && (numeral.isEmpty || ChineseNumerals.arabicValue(of: numeral) != nil)) {
                break
            }
            index = line.index(after: index)
        }
        guard index < line.endIndex, kinds.contains(line[index]), let number = ChineseNumerals.value(of: numeral) else { return nil }
        let kind = line[index]
        return (number, "第\(numeral)\(kind)", kind, line[line.index(after: index)...])
    }

    static func isTableOfContentsMarker(_ line: Substring) -> Bool {
        line.filter { !isSpace($0) } == "目录"
    }

    /// A heading's title with the spacing between CJK characters removed
    /// (`总　　则` → `总则`); other text keeps single spaces.
    static func headingTitle(_ text: Substring) -> String {
        let words = text.split(whereSeparator: isSpace)
        var result = ""
        for word in words {
            if let last = result.last, let first = word.first, !(isCJK(last) && isCJK(first)) {
                result.append(" ")
            }
            result += word
        }
        return result
    }

    static func isCJK(_ character: Character) -> Bool {
        guard let value = character.unicodeScalars.first?.value else { return false }
        return (0x3000...0x9FFF).contains(value) || (0xFF00...0xFFEF).contains(value) || (0x20000...0x3FFFF).contains(value)
    }

    /// The reading state, line by line.
    struct Splitter {
        let format: DraftFormat
        var title: String?
        var preamble: [String] = []
        var headings: [DraftHeading] = []
        var sections: [DraftSection] = []
        var warnings: [DraftImportWarning] = []
        /// Every line that is not the title, for the whole-text fallback.
        var allText: [String] = []
        var currentPath: [Int] = []
        var article: (section: DraftSection, line: Int, lines: [String])?
        var lastNumber = 0
        var seenNumbers: [Int: Int] = [:]
        var inTableOfContents = false
        var tableOfContents: Set<String> = []
        var sawAnything = false

        init(format: DraftFormat) {
            self.format = format
        }

        mutating func read(_ raw: Substring, number lineNumber: Int) {
            var line = trimmed(raw)
            var isMarkdownHeading = false
            if format == .markdown {
                let hashes = line.prefix { $0 == "#" }.count
                if (1...6).contains(hashes), line.count == hashes || isSpace(line[line.index(line.startIndex, offsetBy: hashes)]) {
                    line = trimmed(line.dropFirst(hashes))
                    isMarkdownHeading = true
                }
                while line.first == ">" { line = trimmed(line.dropFirst()) }  // block quotes
                if line.contains("**") { line = Substring(line.replacingOccurrences(of: "**", with: "")) }
                line = trimmed(line)
            }
            if line.isEmpty { return }

            if let heading = DraftSplitter.heading(in: line) {
                // An entry is matched by label and title: 第一节 repeats
                // under every chapter, 第一节 法律援助机构 does not.
                let identity = "\(heading.label)|\(heading.title)"
                if inTableOfContents {
                    if tableOfContents.insert(identity).inserted { return }
                    inTableOfContents = false
                }
                allText.append(String(line))
                sawAnything = true
                finishArticle()
                headings.append(heading)
                currentPath = currentPath.filter { headings[$0].level < heading.level } + [headings.count - 1]
                return
            }
            inTableOfContents = false

            if let found = label(in: line, kinds: ["条"]),
                found.rest.isEmpty || isLabelSeparator(found.rest.first!) || found.number == lastNumber + 1
            {
                allText.append(String(line))
                sawAnything = true
                startArticle(found.number, label: found.label, rest: found.rest, isMarkdownHeading: isMarkdownHeading, line: lineNumber)
                return
            }

            if !sawAnything && sections.isEmpty && isTableOfContentsMarker(line) {
                inTableOfContents = true
                warnings.append(
                    DraftImportWarning(code: .tableOfContentsSkipped, line: lineNumber, message: "the table of contents (目录) is not part of the text"))
                return
            }
            if !sawAnything && title == nil && (isMarkdownHeading || looksLikeTitle(line)) {
                title = String(line)
                return
            }
            allText.append(String(line))
            if article != nil {
                article!.lines.append(String(line))
                return
            }
            if !headings.isEmpty {
                warnings.append(
                    DraftImportWarning(
                        code: .textOutsideArticles, line: lineNumber, message: "text under a heading but before its first article"))
            }
            sawAnything = true
            preamble.append(String(line))
        }

        func looksLikeTitle(_ line: Substring) -> Bool {
            guard line.count <= ConsultationRules.titleMaxLength, let last = line.last else { return false }
            return !"。；，：;,:！？!?".contains(last)
        }

        mutating func startArticle(_ number: Int, label: String, rest: Substring, isMarkdownHeading: Bool, line: Int) {
            finishArticle()
            if number == lastNumber {
                // Reported below as a duplicate.
            } else if number < lastNumber {
                warnings.append(
                    DraftImportWarning(code: .outOfOrder, line: line, message: "\(label) comes after article \(lastNumber)"))
            } else if number != lastNumber + 1 {
                warnings.append(
                    DraftImportWarning(
                        code: .numberingGap, line: line,
                        message: "\(label) follows article \(lastNumber); expected 第\(ChineseNumerals.chinese(lastNumber + 1))条"))
            }
            let occurrence = (seenNumbers[number] ?? 0) + 1
            seenNumbers[number] = occurrence
            if occurrence > 1 {
                warnings.append(DraftImportWarning(code: .duplicateNumber, line: line, message: "\(label) appears \(occurrence) times"))
            }
            lastNumber = max(lastNumber, number)
            var body = trimmed(rest)
            while let first = body.first, ":：、.．".contains(first) { body = trimmed(body.dropFirst()) }
            let title = isMarkdownHeading && !body.isEmpty ? String(body) : nil
            let section = DraftSection(
                key: occurrence == 1 ? "art-\(number)" : "art-\(number)-\(occurrence)", articleNumber: number, label: label,
                title: title, text: "", headingIndices: currentPath)
            article = (section, line, isMarkdownHeading || body.isEmpty ? [] : [String(body)])
        }

        mutating func finishArticle() {
            guard var current = article else { return }
            article = nil
            current.section.text = current.lines.joined(separator: "\n")
            if current.section.text.isEmpty && current.section.title == nil {
                warnings.append(
                    DraftImportWarning(code: .emptyArticle, line: current.line, message: "\(current.section.label) has no text"))
            }
            sections.append(current.section)
        }

        mutating func finish() -> DraftSplit {
            finishArticle()
            if sections.isEmpty {
                // No articles: the whole text (headings included, as text)
                // is one section.
                let whole = DraftSection(
                    key: DraftSection.wholeDraftKey, articleNumber: nil, label: "全文", text: allText.joined(separator: "\n"))
                let warning = DraftImportWarning(
                    code: .noArticles, line: nil,
                    message: "no articles (第…条) were recognised: the draft is imported as a single section")
                return DraftSplit(
                    title: title, preamble: "", headings: [], sections: [whole],
                    warnings: warnings.filter { $0.code == .tableOfContentsSkipped } + [warning])
            }
            return DraftSplit(
                title: title, preamble: preamble.joined(separator: "\n"), headings: headings, sections: sections, warnings: warnings)
        }
    }

    /// A 编/章/节 heading at the start of a short line that is not a sentence.
    static func heading(in line: Substring) -> DraftHeading? {
        guard line.count <= ConsultationRules.headingMaxLength, let last = line.last, !"。；，;,".contains(last),
            let found = label(in: line, kinds: ["编", "章", "节"]), let level = DraftDivisionLevel(character: found.kind)
        else { return nil }
        return DraftHeading(level: level, number: found.number, label: found.label, title: headingTitle(found.rest))
    }
}
