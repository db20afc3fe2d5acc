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

    @Test(arguments: [0x5EED_0001, 0x5EED_0002, 0x5EED_0003] as [UInt64])
    func resultsEqualBruteForce(seed: UInt64) throws {
        var generator = FixtureRandom(seed: seed)
        // Given 300 letters, each split over subject, body and reply
        var letters: [Int64: [String]] = [:]
        for id in 1...300 {
            letters[Int64(id)] = [Self.letter(&generator), Self.letter(&generator), Self.letter(&generator)]
        }
        let database = try AppDatabase.inMemory()
        try database.writer.write { db in
            for (id, parts) in letters {
                try LetterSearchIndex.indexLetterForSearch(db, letterID: id, subject: parts[0], body: parts[1], reply: parts[2])
            }
        }
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
            let found = try database.reader.read { db in
                try LetterSearchIndex.searchLetters(db, query: parsed, limit: 1_000, offset: 0, window: 1_000)
            }
            #expect(Set(found.ids) == expected, "'\(query)' → \(parsed.matchExpression)")
            #expect(found.ids.count == found.total)
            compared += 1
            if !expected.isEmpty { nonEmpty += 1 }
        }
        #expect(compared >= 200)
        #expect(nonEmpty >= 100)
    }
}
