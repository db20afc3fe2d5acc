/// Turns letter text into the tokens the full-text index stores, so that
/// two-character Chinese words (律师, 公证) can be found as well as longer
/// phrases.
///
/// Why bigrams: Chinese is written without spaces, so there are no words to
/// index without a dictionary. SQLite's `trigram` tokenizer indexes every
/// three-character window and so cannot answer a two-character query at all,
/// and a dictionary segmenter misses names and new terms and must be shipped
/// and updated. Overlapping character bigrams need no dictionary, find every
/// two-character word, and find a longer phrase as the phrase of its
/// consecutive bigrams (`法律援助` = `法律 律援 援助` at consecutive positions).
///
/// The rules, applied to the text after `TextNormalizer` folding (full width
/// to half width, lower case, NFKC for rare letters):
///
/// - White space, punctuation and symbols end a *word*: unlike the word
///   filter, search keeps word boundaries, so `法律，援助` is not `法律援助`.
/// - Inside a word, characters of scripts written without spaces (Han, kana,
///   Hangul) form *CJK segments*; other letters and digits form *plain
///   segments*. A word like `A4纸张` has two segments, `a4` and `纸张`.
/// - A plain segment is one token, the whole segment (`a4`, `wechat`): Latin
///   words match whole, as users expect.
/// - A CJK segment of n characters gives its n − 1 overlapping bigrams, then
///   its last character alone. `法律援助` gives `法律 律援 援助 助`; a lone `纸`
///   gives `纸`. The final unigram does two jobs: a run-final character can
///   be found (`A4纸` inside `白纸A4`), and it separates segments, so the last
///   bigram of one segment is never next to the first bigram of the next:
///   `法律，律师` (`法律 律 律师 师`) does not contain the phrase `法律 律师`
///   that the query `法律师` asks for. It costs one token per segment.
///
/// `SearchQuery` turns a user's query into phrases over the same tokens;
/// the two must change together (and the index must then be rebuilt).
public enum SearchTokenizer {
    /// Characters of scripts written without spaces between words, which are
    /// indexed as bigrams: Han (URO, Extension A, compatibility ideographs,
    /// the supplementary ideographic planes), kana and Hangul.
    @inline(__always)
    public static func isBigrammed(_ value: UInt32) -> Bool {
        if value >= 0x4E00 && value <= 0x9FFF || value >= 0x3400 && value <= 0x4DBF { return true }
        if value < 0x1100 { return false }
        return value >= 0x20000 && value <= 0x3FFFF
            || value >= 0xF900 && value <= 0xFAFF
            || value >= 0x3040 && value <= 0x30FF || value >= 0x31F0 && value <= 0x31FF
            || value >= 0xAC00 && value <= 0xD7AF || value >= 0x1100 && value <= 0x11FF
            || value >= 0x3130 && value <= 0x318F
    }

    /// One segment of a word: a run of CJK characters, or a run of other
    /// letters and digits, as folded scalars.
    public struct Segment: Sendable, Equatable {
        public var isCJK: Bool
        public var scalars: [UInt32]

        public var text: String {
            var result = String.UnicodeScalarView()
            for value in scalars {
                if let scalar = Unicode.Scalar(value) { result.append(scalar) }
            }
            return String(result)
        }
    }

    /// The words of `text` (split at white space, punctuation and symbols),
    /// each as its segments. Used for queries; documents go through the
    /// streaming `documentTokens`, which must agree with it.
    public static func words(_ text: String) -> [[Segment]] {
        var words: [[Segment]] = []
        var word: [Segment] = []
        func add(_ value: UInt32) {
            let cjk = isBigrammed(value)
            if let last = word.indices.last, word[last].isCJK == cjk {
                word[last].scalars.append(value)
            } else {
                word.append(Segment(isCJK: cjk, scalars: [value]))
            }
        }
        for scalar in text.unicodeScalars {
            switch TextNormalizer.fold(scalar.value) {
            case .skip:
                if !word.isEmpty {
                    words.append(word)
                    word = []
                }
            case .one(let value):
                add(value)
            case .many(let values):
                for value in values { add(value) }
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// The index tokens of a document made of several texts (a letter's
    /// subject, body and reply), space-separated, in order. A boundary
    /// between two texts is a word boundary.
    public static func documentTokens(_ texts: [String]) -> String {
        var writer = TokenWriter()
        for text in texts {
            for scalar in text.unicodeScalars {
                switch TextNormalizer.fold(scalar.value) {
                case .skip: writer.endWord()
                case .one(let value): writer.add(value)
                case .many(let values): for value in values { writer.add(value) }
                }
            }
            writer.endWord()
        }
        return writer.finish()
    }

    /// The index tokens of one text.
    public static func documentTokens(_ text: String) -> String {
        documentTokens([text])
    }
}

/// Writes tokens as UTF-8 straight into one buffer: indexing a million
/// letters tokenizes about half a billion characters, so no per-token
/// strings are made.
private struct TokenWriter {
    private var bytes: [UInt8] = []
    /// The previous character of the current CJK segment, if in one.
    private var previousCJK: UInt32?
    /// Whether a plain segment is being written (its bytes are already in
    /// `bytes`, after a separating space).
    private var inPlain = false

    init() {
        bytes.reserveCapacity(4096)
    }

    @inline(__always)
    mutating func add(_ value: UInt32) {
        if SearchTokenizer.isBigrammed(value) {
            inPlain = false
            if let previous = previousCJK {
                startToken()
                append(previous)
                append(value)
            }
            previousCJK = value
        } else {
            endCJK()
            if !inPlain {
                startToken()
                inPlain = true
            }
            append(value)
        }
    }

    /// A CJK segment ends with its last character alone.
    @inline(__always)
    private mutating func endCJK() {
        if let previous = previousCJK {
            startToken()
            append(previous)
            previousCJK = nil
        }
    }

    mutating func endWord() {
        endCJK()
        inPlain = false
    }

    mutating func finish() -> String {
        endWord()
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    private mutating func startToken() {
        if !bytes.isEmpty { bytes.append(0x20) }
    }

    @inline(__always)
    private mutating func append(_ value: UInt32) {
        switch value {
        case 0..<0x80:
            bytes.append(UInt8(value))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | value >> 6))
            bytes.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | value >> 12))
            bytes.append(UInt8(0x80 | value >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | value & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | value >> 18))
            bytes.append(UInt8(0x80 | value >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | value >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | value & 0x3F))
        }
    }
}
