import Foundation
import GRDB
import Testing
import WenzhengCore
import WenzhengTestFixtures

@testable import WenzhengStore

/// The index against a brute-force reading of what a query means, on a few
/// hundred seeded random letters written from a small alphabet (so that
/// words overlap a lot), with punctuation, Latin words, digits and full
/// width forms.
@Suite("Letter search against brute force")
struct SearchPropertyTests {
    /// A segment of folded text: a run of CJK characters or of other letters
    /// and digits. Written independently of `SearchTokenizer`: only
    /// `TextNormalizer.fold` is shared.
    struct Segment: Equatable {
        var cjk: Bool
        var text: [UInt32]
    }

    static func isCJK(_ value: UInt32) -> Bool {
        (0x3400...0x9FFF).contains(value) || (0x20000...0x3FFFF).contains(value)
    }

    /// Words (split at folded-away characters), each as its segments.
    static func words(_ text: String) -> [[Segment]] {
        var words: [[Segment]] = [[]]
        for scalar in text.unicodeScalars {
            let folded: [UInt32]
            switch TextNormalizer.fold(scalar.value) {
            case .skip:
                if !words[words.count - 1].isEmpty { words.append([]) }
                continue
            case .one(let value): folded = [value]
            case .many(let values): folded = values
            }
            for value in folded {
                let cjk = isCJK(value)
                if var last = words[words.count - 1].last, last.cjk == cjk {
                    last.text.append(value)
                    words[words.count - 1][words[words.count - 1].count - 1] = last
                } else {
                    words[words.count - 1].append(Segment(cjk: cjk, text: [value]))
                }
            }
        }
        return words.filter { !$0.isEmpty }
    }

    /// Whether one query word occurs in a letter, by definition: its
    /// segments stand at consecutive segments of the letter; a lone segment
    /// is inside one (Chinese) or equal to one (Latin); otherwise the first
    /// ends one, the last starts one, and any between are equal to theirs.
    static func occurs(_ word: [Segment], in letter: [Segment]) -> Bool {
        guard letter.count >= word.count else { return false }
        for start in 0...(letter.count - word.count) {
            var matches = true
            for (index, part) in word.enumerated() {
                let candidate = letter[start + index]
                guard candidate.cjk == part.cjk else {
                    matches = false
                    break
                }
                let ok: Bool
                if !part.cjk {
                    ok = candidate.text == part.text
                } else if word.count == 1 {
                    ok = contains(candidate.text, part.text)
                } else if index == 0 {
                    ok = candidate.text.count >= part.text.count && Array(candidate.text.suffix(part.text.count)) == part.text
                } else if index == word.count - 1 {
                    ok = candidate.text.count >= part.text.count && Array(candidate.text.prefix(part.text.count)) == part.text
                } else {
                    ok = candidate.text == part.text
                }
                if !ok {
                    matches = false
                    break
                }
            }
            if matches { return true }
        }
        return false
    }

    static func contains(_ haystack: [UInt32], _ needle: [UInt32]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<start + needle.count]) == needle {
            return true
        }
        return false
    }

    static let pieces = [
        "法", "律", "援", "助", "师", "公", "证", "调", "解", "法律", "律师", "援助", "公证", "调解", "法律援助",
        "，", "。", " ", "、", "“", "”", "ab", "AB", "ｃｄ", "12", "１２", "x", "\u{3000}",
    ]

    static func letter(_ generator: inout FixtureRandom) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 5..<35, using: &generator) { text += pieces.randomElement(using: &generator)! }
        return text
    }

    @Test(arguments: StoreBackend.underTest, [0x5EED_0001, 0x5EED_0002, 0x5EED_0003] as [UInt64])
    func resultsEqualBruteForce(_ backend: StoreBackend, seed: UInt64) async throws {
        var generator = FixtureRandom(seed: seed)
        // Given 300 letters, each split over subject, body and reply
        var letters: [Int64: [String]] = [:]
        for id in 1...300 {
            letters[Int64(id)] = [Self.letter(&generator), Self.letter(&generator), Self.letter(&generator)]
        }
        let database = try await backend.makeDatabase()
        try await database.indexForSearch(letters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        // The letters' segments in order; a text boundary is a word boundary,
        // which `occurs` treats like any other.
        let segments = letters.mapValues { parts in parts.flatMap { Self.words($0).flatMap { $0 } } }

        // Queries: pieces of the letters themselves (so most match
        // something) and random strings of pieces.
        var queries: [String] = []
        for _ in 0..<300 {
            let source = Array(letters[Int64.random(in: 1...300, using: &generator)]!.randomElement(using: &generator)!)
            guard !source.isEmpty else { continue }
            let start = Int.random(in: 0..<source.count, using: &generator)
            let length = Int.random(in: 1...min(8, source.count - start), using: &generator)
            queries.append(String(source[start..<start + length]))
        }
        for _ in 0..<100 {
            var query = ""
            for _ in 0..<Int.random(in: 1...4, using: &generator) { query += Self.pieces.randomElement(using: &generator)! }
            queries.append(query)
        }

        var compared = 0
        var nonEmpty = 0
        for query in queries {
            let queryWords = Self.words(query)
            let parsed: SearchQuery
            do {
                parsed = try SearchQuery(query)
            } catch {
                // Refused only when there is nothing to search for, or a
                // word is a lone Chinese character.
                let lone = queryWords.contains { (word: [Segment]) -> Bool in
                    word.count == 1 && word[0].cjk && word[0].text.count == 1
                }
                let codes: [String] = error.errors.map(\.code)
                #expect(queryWords.isEmpty || lone, "'\(query)' refused: \(codes)")
                continue
            }
            let expected = Set(
                letters.keys.filter { id in queryWords.allSatisfy { Self.occurs($0, in: segments[id]!) } })
            let found = try await database.searchIndex(parsed, limit: 1_000, offset: 0, window: 1_000)
            #expect(Set(found.ids) == expected, "'\(query)' → \(parsed.matchExpression)")
            #expect(found.ids.count == found.total)
            compared += 1
            if !expected.isEmpty { nonEmpty += 1 }
        }
        #expect(compared >= 200)
        #expect(nonEmpty >= 100)
    }

    /// The ranking is the same on both backends: on SQLite, FTS5's
    /// `letter_rank` gives the order that the Swift scoring the PostgreSQL
    /// store uses (`PostgresLetterSearchIndex.score`) gives over the same
    /// token strings; on PostgreSQL, the store's pages equal SQLite's, page
    /// by page, for the same letters and queries.
    @Test(arguments: StoreBackend.underTest)
    func rankingIsTheSameOnBothBackends(_ backend: StoreBackend) async throws {
        var generator = FixtureRandom(seed: 0x5EED_0101)
        var letters: [(Int64, [String])] = []
        for id in 1...200 {
            letters.append((Int64(id), [Self.letter(&generator), Self.letter(&generator), Self.letter(&generator)]))
        }
        let reference = try AppDatabase.inMemory()
        try await reference.indexForSearch(letters)
        let database = backend == .sqlite ? reference : try await backend.makeDatabase()
        if backend == .postgres { try await database.indexForSearch(letters) }
        let queries = ["法律", "律师", "公证", "援助", "ab", "12", "法律援助", "调解 公证", "律师 ab", "cd", "x", "助师", "法律 援助 律师"]
        var compared = 0
        for query in queries {
            let parsed = try SearchQuery(query)
            let expected = try await reference.searchIndex(parsed, limit: 100, offset: 0, window: 1_000)
            switch backend {
            case .sqlite:
                // FTS5's order against the Swift scoring of the same tokens.
                let documents = Dictionary(uniqueKeysWithValues: letters.map { ($0.0, SearchTokenizer.documentTokens($0.1)) })
                let totalTokens = documents.values.reduce(0) { $0 + ($1.isEmpty ? 0 : $1.split(separator: " ").count) }
                let scored = expected.ids.map { id -> (Int64, Double) in
                    let tokens = documents[id]!.utf8.split(separator: UInt8(ascii: " "))
                    let frequencies = parsed.phrases.map { PostgresLetterSearchIndex.instances(of: $0, in: tokens) }
                    #expect(frequencies.allSatisfy { $0 > 0 }, "\(query): \(id) found without every phrase")
                    return (
                        id,
                        PostgresLetterSearchIndex.score(
                            frequencies: frequencies, length: tokens.count, rows: Int64(documents.count), tokens: Int64(totalTokens))
                    )
                }
                let swiftOrder = scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 > $1.0 }.map(\.0)
                #expect(swiftOrder == expected.ids, "\(query)")
            case .postgres:
                for (limit, offset) in [(100, 0), (7, 0), (7, 7), (3, 20)] {
                    let mine = try await database.mailbox.searchLetters(query, limit: limit, offset: offset)
                    let theirs = try await reference.mailbox.searchLetters(query, limit: limit, offset: offset)
                    #expect(mine == theirs, "\(query) \(limit)@\(offset)")
                }
            }
            if expected.ids.count > 1 { compared += 1 }
        }
        #expect(compared >= 8)
    }
}
