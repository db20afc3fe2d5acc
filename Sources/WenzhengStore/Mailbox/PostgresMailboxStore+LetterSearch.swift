import Foundation
import PostgresNIO
import WenzhengCore

// Full-text search over published letters on PostgreSQL: the same tokens
// as on SQLite (`SearchTokenizer`, computed in Swift, see
// `LetterSearchIndex`), the same matches and the same ranking.
//
// - `letter_search_document.content` is the token string SQLite stores;
//   `document` is its tsvector, built here from exactly those tokens (each
//   token one lexeme, at its position) rather than by `to_tsvector`:
//   PostgreSQL's default parser splits text at more than spaces and
//   classifies characters with the server's locale tables, which drop
//   characters newer than them (a CJK Extension H bigram vanishes under
//   C.UTF-8), so `to_tsvector('simple', content)` would not always hold our
//   tokens. A tsvector literal is taken verbatim.
// - The GIN index on `document` finds candidates: every token of every
//   query phrase present (`&`, a prefix token as `:*`). That is exact for
//   presence, but not for adjacency: a tsvector keeps at most 256 positions
//   per lexeme and none past 16,383, and a letter with its replies can be
//   longer. So each candidate's phrases are matched on its token string in
//   Swift, as FTS5 matches them, and the same pass counts the instances
//   that rank it.
// - Ranking is `LetterRankFunction`'s BM25 without IDF, computed here from
//   the same figures FTS5 hands that function: each phrase's instances in
//   the row, the row's token count, and the index's average token count.
public enum PostgresLetterSearchIndex {
    /// A tsvector lexeme is at most 2,047 bytes; a longer token (a Latin
    /// "word" of thousands of letters) cannot be a query's token anyway
    /// (`SearchQuery.maxLength`) and is left out of the vector, as
    /// `to_tsvector` leaves it out.
    static let maxLexemeBytes = 2_047
    /// The last position a tsvector records; later ones are clamped to it.
    static let maxPosition = 16_383
    /// The most positions a tsvector keeps per lexeme.
    static let maxPositionsPerLexeme = 256

    /// Puts a published letter into the search index, replacing what was
    /// indexed for it before (inside the transaction that publishes it).
    public static func indexLetterForSearch(_ tx: PostgresTransaction, letterID: Int64, subject: String, body: String, reply: String)
        async throws
    {
        let tokens = SearchTokenizer.documentTokens([subject, body, reply])
        let vector = tsvectorLiteral(tokens)
        try await tx.execute(
            """
            INSERT INTO letter_search_document (letter_id, content, document) VALUES (\(letterID), \(tokens), \(vector)::tsvector)
            ON CONFLICT (letter_id) DO UPDATE SET content = excluded.content, document = excluded.document
            """)
    }

    /// Takes a letter out of the search index. Nothing happens if it is not
    /// there.
    public static func removeLetterFromSearch(_ tx: PostgresTransaction, letterID: Int64) async throws {
        try await tx.execute("DELETE FROM letter_search_document WHERE letter_id = \(letterID)")
    }

    /// The search (see `LetterSearchIndex.searchLetters`): the newest
    /// `window + 1` matches, ranked, sorted and paged here.
    static func searchLetters(_ tx: PostgresTransaction, query: SearchQuery, limit: Int, offset: Int, window: Int) async throws
        -> LetterSearchPage
    {
        let prefilter = candidateQueryLiteral(query)
        var matches: [(id: Int64, frequencies: [Int], length: Int)] = []
        var before = Int64.max
        // Candidates newest first, in batches, until window + 1 rows match
        // their phrases or none are left.
        let batch = window + 1
        while matches.count <= window {
            let rows = try await tx.rows(
                """
                SELECT letter_id, content FROM letter_search_document
                WHERE document @@ \(prefilter)::tsquery AND letter_id < \(before)
                ORDER BY letter_id DESC LIMIT \(batch)
                """)
            for row in rows {
                let id = try row.value("letter_id", as: Int64.self)
                before = id
                let tokens = try row.value("content", as: String.self).utf8.split(separator: UInt8(ascii: " "))
                let frequencies = query.phrases.map { instances(of: $0, in: tokens) }
                if frequencies.allSatisfy({ $0 > 0 }) {
                    matches.append((id, frequencies, tokens.count))
                    if matches.count > window { break }
                }
            }
            if rows.count < batch { break }
        }
        var scored: [(id: Int64, score: Double)]
        if matches.count < 2 {
            // One match or none: nothing to order, no average to read.
            scored = matches.map { ($0.id, 0) }
        } else {
            let totals = try await tx.row(
                """
                SELECT COUNT(*) AS rows,
                       COALESCE(SUM(CASE WHEN content = '' THEN 0
                                         ELSE LENGTH(content) - LENGTH(REPLACE(content, ' ', '')) + 1 END), 0)::bigint AS tokens
                FROM letter_search_document
                """)
            let rows = try totals?.value("rows", as: Int64.self) ?? 0
            let tokens = try totals?.value("tokens", as: Int64.self) ?? 0
            scored = matches.map { ($0.id, score(frequencies: $0.frequencies, length: $0.length, rows: rows, tokens: tokens)) }
        }
        let more = scored.count > window
        if more { scored.removeLast() }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id > $1.id }
        let page = scored.dropFirst(offset).prefix(limit).map(\.id)
        return LetterSearchPage(ids: Array(page), total: scored.count, moreThanTotal: more)
    }

    // MARK: Matching and ranking as FTS5 does

    /// How many times a phrase occurs in a token sequence: at each start
    /// where its tokens stand at consecutive positions (the last one, if a
    /// prefix, as the start of a token). Tokens compare as bytes, as FTS5's
    /// `ascii` tokenizer stores them.
    static func instances(of phrase: SearchQuery.Phrase, in tokens: [Substring.UTF8View.SubSequence]) -> Int {
        let wanted = phrase.tokens.map { Array($0.utf8) }
        guard !wanted.isEmpty, tokens.count >= wanted.count else { return 0 }
        var count = 0
        for start in 0...(tokens.count - wanted.count) {
            var matches = true
            for (index, token) in wanted.enumerated() {
                let candidate = tokens[start + index]
                let isPrefix = phrase.lastIsPrefix && index == wanted.count - 1
                if isPrefix ? !candidate.starts(with: token) : !candidate.elementsEqual(token) {
                    matches = false
                    break
                }
            }
            if matches { count += 1 }
        }
        return count
    }

    /// `LetterRankFunction`'s score, operation for operation, so equal
    /// inputs give equal doubles and the same order.
    static func score(frequencies: [Int], length: Int, rows: Int64, tokens: Int64) -> Double {
        let k1 = 1.2
        let b = 0.75
        let average = rows > 0 ? max(1, Double(tokens) / Double(rows)) : 1
        let norm = k1 * (1 - b + b * Double(length) / average)
        var score = 0.0
        for frequency in frequencies where frequency > 0 {
            let tf = Double(frequency)
            score += tf * (k1 + 1) / (tf + norm)
        }
        return score
    }

    // MARK: Literals

    /// A tsvector literal holding each token as one lexeme at its 1-based
    /// position (clamped and capped as PostgreSQL does).
    static func tsvectorLiteral(_ tokens: String) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        var position = 0
        for token in tokens.split(separator: " ") {
            position += 1
            guard token.utf8.count <= maxLexemeBytes else { continue }
            let lexeme = String(token)
            if positions[lexeme] == nil {
                order.append(lexeme)
                positions[lexeme] = []
            }
            if positions[lexeme]!.count < maxPositionsPerLexeme { positions[lexeme]!.append(min(position, maxPosition)) }
        }
        return order.map { lexeme in
            quotedLexeme(lexeme) + ":" + positions[lexeme]!.map(String.init).joined(separator: ",")
        }.joined(separator: " ")
    }

    /// The candidates' tsquery literal: every token of every phrase, the
    /// last of a prefix phrase as a prefix, all required.
    static func candidateQueryLiteral(_ query: SearchQuery) -> String {
        query.phrases.flatMap { phrase in
            phrase.tokens.enumerated().map { index, token in
                quotedLexeme(token) + (phrase.lastIsPrefix && index == phrase.tokens.count - 1 ? ":*" : "")
            }
        }.joined(separator: " & ")
    }

    /// A lexeme quoted for tsvector and tsquery input: in single quotes,
    /// with `'` doubled and `\` escaped, so no token is ever read as syntax.
    static func quotedLexeme(_ token: String) -> String {
        var quoted = "'"
        for character in token {
            if character == "'" { quoted.append("'") }
            if character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "'"
    }
}

extension PostgresMailboxStore {
    func searchLetters(_ query: String, limit: Int, offset: Int) async throws -> LetterSearchPage {
        let parsed: SearchQuery
        do {
            parsed = try SearchQuery(query)
        } catch {
            throw StoreError.invalid(error)
        }
        var errors: [FieldError] = []
        let sizes = LetterSearchIndex.letterSearchPageSizeRange
        if !sizes.contains(limit) {
            errors.append(.invalid("limit", "limit must be between \(sizes.lowerBound) and \(sizes.upperBound)"))
        }
        if offset < 0 || offset >= LetterSearchIndex.letterSearchWindow {
            errors.append(.invalid("offset", "offset must be between 0 and \(LetterSearchIndex.letterSearchWindow - 1)"))
        }
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        return try await backend.read { tx in
            try await PostgresLetterSearchIndex.searchLetters(
                tx, query: parsed, limit: limit, offset: offset, window: LetterSearchIndex.letterSearchWindow)
        }
    }
}
