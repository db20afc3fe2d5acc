import Foundation

/// Text as every transcript format receives it: one kind of line break, no
/// characters that could act on a terminal, a printer or the reader's eye
/// instead of being read.
public enum TranscriptText {
    /// - CRLF, CR, NEL (U+0085), U+2028 and U+2029 become `\n`;
    /// - other C0 and C1 controls and DEL are dropped (an ESC sequence in a
    ///   `.txt` export would otherwise drive the terminal that `cat`s it),
    ///   TAB kept;
    /// - bidirectional embeddings, overrides and isolates (U+202A–U+202E,
    ///   U+2066–U+2069) are dropped, so a line cannot be shown reordered
    ///   ("Trojan Source"); U+200D (ZWJ) and variation selectors, which
    ///   emoji need, are kept;
    /// - U+FEFF is dropped (a BOM pasted into the middle of a text);
    /// - white space at the ends of each line and blank lines at the ends
    ///   of the text are removed.
    public static func clean(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar.value {
            case 0x0A where previousWasCR: continue
            case 0x0D, 0x0A, 0x85, 0x2028, 0x2029: scalars.append("\n")
            case 0x09: scalars.append(scalar)
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: continue
            default: scalars.append(scalar)
            }
        }
        let lines = String(scalars).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.reversed().drop(while: \.isWhitespace).reversed())
        }
        return Array(lines.drop(while: \.isEmpty).reversed().drop(while: \.isEmpty).reversed()).joined(separator: "\n")
    }

    /// The cleaned text as paragraphs (split at blank lines), each a list
    /// of lines (split at single line breaks).
    public static func paragraphs(_ text: String) -> [[String]] {
        var paragraphs: [[String]] = []
        var current: [String] = []
        for line in clean(text).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
            } else {
                current.append(String(line))
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }

    /// The cleaned text on one line: line breaks become spaces. For names,
    /// titles and other one-line fields.
    public static func singleLine(_ text: String) -> String {
        clean(text).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }

    /// `2027年3月16日`.
    public static func chineseDate(_ date: CivilDate) -> String {
        "\(date.year)年\(date.month)月\(date.day)日"
    }
}

/// HTML escaping by byte, for the standalone HTML export.
///
/// Escaping per `Character` (grapheme cluster) is not enough: `"` followed
/// by U+0301 (a combining acute), U+200D (ZWJ) or U+FE0F is one
/// `Character` that is not equal to `"`, and a library that compared
/// characters let the quote through into an attribute. The five
/// significant characters are ASCII, and an ASCII byte never occurs inside
/// the UTF-8 encoding of another scalar, so replacing bytes replaces
/// exactly those scalars, whatever follows them.
public enum HTMLText {
    /// `<` `>` `&` `"` `'` as character references; every other byte kept.
    public static func escape(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "<"): bytes += "&lt;".utf8
            case UInt8(ascii: ">"): bytes += "&gt;".utf8
            case UInt8(ascii: "&"): bytes += "&amp;".utf8
            case UInt8(ascii: "\""): bytes += "&quot;".utf8
            case UInt8(ascii: "'"): bytes += "&#39;".utf8
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Markdown (CommonMark and GitHub's dialect) escaping for the `.md`
/// export: a citizen's text must read as text, never as a heading, a
/// list, a link, an image or raw HTML.
///
/// CommonMark lets a backslash escape any ASCII punctuation. Escaped
/// everywhere: `\` `` ` `` `*` `_` `[` `]` `<` `>` `&` `~` `|` `$` (emphasis,
/// code, links and images, raw HTML and entities, strikethrough, tables,
/// maths). Escaped at the start of a line, where they open a block:
/// `#` `+` `-` `=` (headings, lists, rules, setext underlines) and the `.`
/// or `)` after leading digits (ordered lists). Leading spaces are dropped
/// (four would make a code block). Times and dates in the middle of a line
/// (`09:30`, `2027-03-16`) stay readable.
public enum MarkdownText {
    static let inline: Set<UInt8> = Set("\\`*_[]<>&~|$".utf8)
    static let lineStart: Set<UInt8> = Set("#+-=".utf8)

    /// One line of text (no line breaks), escaped.
    public static func escapeLine(_ line: String) -> String {
        let bytes = Array(line.utf8.drop(while: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }))
        let leadingDigits = bytes.prefix(while: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }).count
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 8)
        for (index, byte) in bytes.enumerated() {
            let opensBlock =
                (index == 0 && lineStart.contains(byte))
                || (index == leadingDigits && leadingDigits > 0 && (byte == UInt8(ascii: ".") || byte == UInt8(ascii: ")")))
            if inline.contains(byte) || opensBlock { result.append(UInt8(ascii: "\\")) }
            result.append(byte)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
