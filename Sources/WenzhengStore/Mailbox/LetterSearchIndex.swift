import GRDB
import WenzhengCore

// Full-text search over published letters (migration `v6-letter-search`).
//
// The text is tokenized in Swift (`SearchTokenizer`: CJK bigrams plus whole
// Latin words, see there for why) and stored as a space-separated token
// string; FTS5 only splits that string at spaces and indexes it.
//
// Schema choices:
//
// - FTS5 tokenizer `ascii`, not `unicode61`: both split our token string
//   into exactly our tokens today (each bigram is one token; checked by a
//   test against `fts5vocab`), but `unicode61` also classifies non-ASCII
//   characters with the Unicode tables compiled into SQLite, folds case and
//   strips diacritics. A character newer than those tables (a recent CJK
//   extension) would count as a separator and split a bigram. `ascii` treats
//   every non-ASCII character as part of a token, so all normalisation stays
//   in one place, Swift, tested there and identical for letters and queries.
// - External content (`letter_search_document`, one row per letter: the
//   token string) rather than contentless. SQLite here is 3.40; deleting
//   from a contentless table before 3.43 (`contentless_delete`) needs the
//   exact tokens that were indexed, and wrong ones silently corrupt the
//   index. With external content, triggers on the document table keep the
//   index in step, so removal and re-indexing need only the letter id, and
//   `INSERT INTO letter_search(letter_search) VALUES('rebuild')` and
//   `'integrity-check'` work. The cost is the stored token string (about
//   6 bytes per character of letter text, 3.1 GB of the 5.3 GB file at a
//   million letters); docs/benchmarks.md has the figures.
// - No foreign key to `letter`: letters are never deleted, and the letters
//   code decides when a letter enters (published) and leaves (unpublished)
//   the index, inside its own transactions.
// - `detail=full` (the default): phrases need token positions.
/// The bigram full-text index of published letters: the SQL behind
/// `MailboxStore.searchLetters`, called inside the transactions that
/// publish and withdraw letters.
public enum LetterSearchIndex {
    /// Puts a published letter into the search index, replacing what was
    /// indexed for it before. Call it inside the transaction that publishes
    /// the letter, with the texts the public page shows (the masked body).
    public static func indexLetterForSearch(
        _ db: Database, letterID: Int64, subject: String, body: String, reply: String
    ) throws {
        let tokens = SearchTokenizer.documentTokens([subject, body, reply])
        // An upsert: the UPDATE trigger removes the old tokens first.
        try db.execute(
            sql: """
                INSERT INTO letter_search_document (letter_id, content) VALUES (?, ?)
                ON CONFLICT (letter_id) DO UPDATE SET content = excluded.content
                """,
            arguments: [letterID, tokens])
    }

    /// Takes a letter out of the search index (unpublished). Nothing happens
    /// if it is not there.
    public static func removeLetterFromSearch(_ db: Database, letterID: Int64) throws {
        try db.execute(sql: "DELETE FROM letter_search_document WHERE letter_id = ?", arguments: [letterID])
    }

    /// How many matching letters one search considers: the newest this many
    /// are ranked, and the total is counted up to here.
    ///
    /// Why a bound: FTS5 can stream the matches of a query newest first and
    /// stop, but ranking all of them (a score reads each match's positions
    /// and its length row) or counting all of them costs time in proportion
    /// to how many letters match. Measured on 100,000 generated letters,
    /// FTS5's bm25() over all matches took about 1.2 µs per match and an exact count
    /// 0.04 µs (two characters) to 0.36 µs (a four-character phrase) per
    /// match; at a million letters a common word matches hundreds of
    /// thousands and the page would take hundreds of milliseconds. Bounded,
    /// a search costs about the same at any size: see docs/benchmarks.md.
    /// For the public list of replies, the most relevant of the newest
    /// thousand matches is also a sensible answer: the office's recent
    /// replies reflect current rules.
    public static let letterSearchWindow = 1_000
    /// The largest page of results.
    public static let letterSearchPageSizeRange = 1...100

    /// The search itself: one pass over the newest `window + 1` matches
    /// (FTS5 streams them in descending rowid order and stops), scored with
    /// `letter_rank` (BM25 without IDF, see `LetterRankFunction`), then
    /// sorted and paged here; the extra row only tells whether more match.
    static func searchLetters(_ db: Database, query: SearchQuery, limit: Int, offset: Int, window: Int) throws
        -> LetterSearchPage
    {
        var scored: [(id: Int64, score: Double)]
        do {
            scored = try scoredWindow(db, query: query, window: window)
        } catch  where LetterRankFunction.isMissing(error) {
            try LetterRankFunction.register(db)
            scored = try scoredWindow(db, query: query, window: window)
        }
        let more = scored.count > window
        if more { scored.removeLast() }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id > $1.id }
        let page = scored.dropFirst(offset).prefix(limit).map(\.id)
        return LetterSearchPage(ids: page, total: scored.count, moreThanTotal: more)
    }

    private static func scoredWindow(_ db: Database, query: SearchQuery, window: Int) throws -> [(id: Int64, score: Double)] {
        var scored: [(id: Int64, score: Double)] = []
        scored.reserveCapacity(min(window + 1, 4096))
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT rowid, \(LetterRankFunction.name)(letter_search) FROM letter_search
                WHERE letter_search MATCH ? ORDER BY rowid DESC LIMIT ?
                """,
            arguments: [query.matchExpression, window + 1])
        while let row = try rows.next() {
            scored.append((row[0], row[1]))
        }
        return scored
    }
}

/// One page of letter search results.
public struct LetterSearchPage: Sendable, Equatable {
    /// Letter ids, most relevant first.
    public var ids: [Int64]
    /// How many letters match, counted up to `LetterSearchIndex.letterSearchWindow`.
    public var total: Int
    /// More letters match than `total` (show "1,000+").
    public var moreThanTotal: Bool

    public init(ids: [Int64], total: Int, moreThanTotal: Bool) {
        self.ids = ids
        self.total = total
        self.moreThanTotal = moreThanTotal
    }
}

extension GRDBMailboxStore {
    /// Published letters matching `query` (see `SearchQuery` for what
    /// matches): of the newest `letterSearchWindow` matches, the most
    /// relevant first (BM25 weighting, see `LetterRankFunction`; newer first
    /// among equals), `limit` from `offset`.
    ///
    /// - Throws: `StoreError.invalid` for a blank, too long or unusable query
    ///   (field `q`), a page size out of `letterSearchPageSizeRange` or an
    ///   offset outside `0..<letterSearchWindow`.
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
        return try await reader.read { db in
            try LetterSearchIndex.searchLetters(db, query: parsed, limit: limit, offset: offset, window: LetterSearchIndex.letterSearchWindow)
        }
    }
}
