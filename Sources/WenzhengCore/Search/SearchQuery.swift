/// A user's search text, checked and turned into phrases over the tokens
/// `SearchTokenizer` indexes, and from those into an FTS5 `MATCH`
/// expression.
///
/// Each word of the query (split, like documents, at white space and
/// punctuation) must occur in one word of a letter; all words must occur
/// (AND). Inside a word:
///
/// - A plain segment (`wechat`, `a4`) must equal a whole plain segment.
/// - A CJK segment must be contiguous: `法律援助` becomes the phrase
///   `法律 律援 援助`, which matches only where those bigrams stand at
///   consecutive positions, that is where the four characters are adjacent.
///   A two-character query is a single bigram.
/// - Where a word has several segments (`A4纸张`, `微信abc`), each inner
///   boundary must also be one in the letter: a CJK segment that is followed
///   by another segment in the query ends with its final unigram (so it must
///   end there in the letter too); the last segment of a word may continue
///   in the letter. A last CJK segment of one character (`A4纸`) becomes a
///   prefix token (`纸*`, any token starting with 纸).
///   One imprecision: punctuation between a Latin and a Chinese segment is
///   not recorded, so `微信abc` also finds `微信，abc` (between two Chinese or
///   two Latin segments it is, by the final unigram or by the whole-word
///   tokens).
/// - A word that is one CJK character alone is refused: it would match
///   almost every letter, and as a prefix over the whole index it is the
///   one query whose cost grows with the index without bound.
///
/// Nothing the user typed reaches `MATCH` as syntax: the expression is built
/// only from tokens this type made (folded letters, digits and CJK
/// characters, never quotes or operators), each phrase double-quoted, so
/// `"`, `*`, `OR`, `NEAR(`, `-` and `:` in the input are just text (and
/// punctuation is a word boundary).
public struct SearchQuery: Sendable, Equatable {
    /// The longest query accepted, in Unicode scalars.
    public static let maxLength = 50
    /// The name of the query field in errors.
    public static let field = "q"

    /// Tokens that must stand at consecutive positions in one letter.
    public struct Phrase: Sendable, Equatable, Hashable {
        public var tokens: [String]
        /// The last token matches any token that starts with it.
        public var lastIsPrefix: Bool

        public init(tokens: [String], lastIsPrefix: Bool = false) {
            self.tokens = tokens
            self.lastIsPrefix = lastIsPrefix
        }
    }

    /// The query text as given, trimmed.
    public let text: String
    /// One phrase per distinct query word, in the order typed; all must match.
    public let phrases: [Phrase]

    /// - Throws: `ValidationFailure` (field `q`): `required` when blank,
    ///   `too_long` past `maxLength`, `invalid` when there is nothing to
    ///   search for (only punctuation), `too_short` for a lone Chinese
    ///   character.
    public init(_ text: String) throws(ValidationFailure) {
        var errors: [FieldError] = []
        let trimmed = TextRules.requiredText(text, field: Self.field, maxLength: Self.maxLength, into: &errors)
        try ValidationFailure.check(errors)

        var phrases: [Phrase] = []
        var seen: Set<Phrase> = []
        for word in SearchTokenizer.words(trimmed) {
            guard let phrase = Self.phrase(word) else {
                errors.append(
                    FieldError(
                        field: Self.field, code: "too_short",
                        message: "a Chinese search word must have at least two characters"))
                continue
            }
            if seen.insert(phrase).inserted { phrases.append(phrase) }
        }
        if errors.isEmpty && phrases.isEmpty {
            errors.append(.invalid(Self.field, "\(Self.field) has no letters, digits or Chinese characters to search for"))
        }
        try ValidationFailure.check(errors)
        self.text = trimmed
        self.phrases = phrases
    }

    /// The phrase for one word; nil for a lone CJK character.
    static func phrase(_ word: [SearchTokenizer.Segment]) -> Phrase? {
        var tokens: [String] = []
        var lastIsPrefix = false
        for (index, segment) in word.enumerated() {
            let isLast = index == word.count - 1
            guard segment.isCJK else {
                tokens.append(segment.text)
                continue
            }
            let characters = segment.scalars.map { String(Unicode.Scalar($0)!) }
            if characters.count == 1 {
                if word.count == 1 { return nil }
                tokens.append(characters[0])
                lastIsPrefix = isLast
                continue
            }
            for position in 1..<characters.count {
                tokens.append(characters[position - 1] + characters[position])
            }
            // Followed by another segment in the query: the letter's segment
            // must end here too, which its final unigram marks.
            if !isLast { tokens.append(characters[characters.count - 1]) }
        }
        return Phrase(tokens: tokens, lastIsPrefix: lastIsPrefix)
    }

    /// The FTS5 query: each phrase double-quoted (a `"` inside is doubled,
    /// though tokens never contain one), a prefix marked with ` *` after the
    /// closing quote, phrases joined with `AND`.
    public var matchExpression: String {
        phrases.map { phrase in
            var quoted = "\""
            for character in phrase.tokens.joined(separator: " ") {
                if character == "\"" { quoted.append("\"") }
                quoted.append(character)
            }
            return quoted + "\"" + (phrase.lastIsPrefix ? " *" : "")
        }
        .joined(separator: " AND ")
    }
}
