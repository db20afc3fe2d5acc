import Foundation
import GRDB
import PostgresNIO
import Testing
import WenzhengCore

@testable import WenzhengStore

/// A database of `backend` with the letters given (id, text), each indexed
/// as one letter's body.
private func indexed(_ letters: [(Int64, String)], on backend: StoreBackend) async throws -> AppDatabase {
    let database = try await backend.makeDatabase()
    try await database.indexForSearch(letters.map { ($0.0, ["", $0.1, ""]) })
    return database
}

private func ids(_ database: AppDatabase, _ query: String) async throws -> [Int64] {
    try await database.mailbox.searchLetters(query, limit: 100, offset: 0).ids.sorted()
}

@Suite("Letter search in the store")
struct SearchStoreTests {
    /// SQLite only: FTS5's own migration on a bare queue.
    @Test func theMigrationRunsOnAPlainQueue() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try MailboxSchema.createLetterSearch(db)
            try LetterSearchIndex.indexLetterForSearch(db, letterID: 7, subject: "咨询", body: "律师", reply: "")
            let found = try Int64.fetchAll(db, sql: "SELECT rowid FROM letter_search WHERE letter_search MATCH '\"律师\"'")
            #expect(found == [7])
        }
    }

    @Test(arguments: StoreBackend.underTest) func twoCharacterWordsAreFound(_ backend: StoreBackend) async throws {
        // Given letters about a lawyer, a notary, and neither
        let database = try await indexed([
            (1, "我委托的律师不出庭。"), (2, "去公证处办理继承公证。"), (3, "邻里纠纷请求调解。"), (4, "律师和公证员都来了"),
        ], on: backend)
        // Then two-character words find exactly their letters
        #expect(try await ids(database, "律师") == [1, 4])
        #expect(try await ids(database, "公证") == [2, 4])
        #expect(try await ids(database, "调解") == [3])
        #expect(try await ids(database, "仲裁") == [])
        // and a word at the very end of a letter or a sentence too
        #expect(try await ids(database, "出庭") == [1])
        #expect(try await ids(database, "来了") == [4])
    }

    @Test("a phrase matches only where its characters are contiguous", arguments: StoreBackend.underTest)
    func phrasesMustBeContiguous(_ backend: StoreBackend) async throws {
        let database = try await indexed([
            (1, "我想申请法律援助。"),
            (2, "这是法律问题，需要援助。"),
            (3, "法律，援助"),
            (4, "援助法律"),
            (5, "关于法律援助中心的意见"),
        ], on: backend)
        #expect(try await ids(database, "法律援助") == [1, 5])
        #expect(try await ids(database, "法律 援助") == [1, 2, 3, 4, 5])
        // Bigrams at a sentence boundary are not adjacent: 法律，律师 is not 法律师.
        let boundary = try await indexed([(1, "法律，律师"), (2, "法律师")], on: backend)
        #expect(try await ids(boundary, "法律师") == [2])
    }

    @Test(arguments: StoreBackend.underTest) func latinWordsMatchWhole(_ backend: StoreBackend) async throws {
        let database = try await indexed([(1, "请下载WeChat后联系"), (2, "chat room"), (3, "拨打12348热线"), (4, "A4纸张")], on: backend)
        #expect(try await ids(database, "wechat") == [1])
        #expect(try await ids(database, "WECHAT") == [1])
        #expect(try await ids(database, "chat") == [2])
        #expect(try await ids(database, "12348") == [3])
        #expect(try await ids(database, "A4纸") == [4])
        #expect(try await ids(database, "a4纸张") == [4])
        #expect(try await ids(database, "纸张") == [4])
    }

    @Test(arguments: StoreBackend.underTest) func fullWidthAndCaseAreFoldedBothWays(_ backend: StoreBackend) async throws {
        let database = try await indexed([(1, "请下载ＡＰＰ办理"), (2, "请下载app办理"), (3, "拨打１２３４８")], on: backend)
        #expect(try await ids(database, "app") == [1, 2])
        #expect(try await ids(database, "ＡＰＰ") == [1, 2])
        #expect(try await ids(database, "12348") == [3])
        #expect(try await ids(database, "下载ａｐｐ办理") == [1, 2])
    }

    @Test(
        "FTS5 syntax in a query is searched as text, never as syntax",
        arguments: [
            "\"", "*", "OR", "NEAR(", "-", "律师\" OR \"公证", "NEAR(律师 公证)", "律师*", "-公证", "律师 -公证",
            "content:律师", "^律师", "律师 AND", "(", ")", "'", "\\", "\"\"\"", "律师 NOT 公证", "{content}:律师",
            // tsquery syntax too
            "律师 & 公证", "律师 | 公证", "!公证", "律师:*", "律师 <-> 公证", "'律师' | '公证'", "律师\\ 公证",
        ])
    func injectionIsHarmless(query: String) async throws {
        for backend in StoreBackend.underTest { try await injectionIsHarmless(query: query, on: backend) }
    }

    func injectionIsHarmless(query: String, on backend: StoreBackend) async throws {
        let database = try await indexed([(1, "律师和公证"), (2, "律师 or 公证 near"), (3, "律师"), (4, "公证")], on: backend)
        do {
            let page = try await database.mailbox.searchLetters(query, limit: 100, offset: 0)
            // Every word of the query, operators included, must be in each result.
            let words = SearchTokenizer.words(query).map { $0.map(\.text).joined() }
            let texts: [Int64: String] = [1: "律师和公证", 2: "律师 or 公证 near", 3: "律师", 4: "公证"]
            for id in page.ids {
                let folded = texts[id]!.lowercased()
                #expect(words.allSatisfy { folded.contains($0) }, "\(query) found \(id)")
            }
        } catch let error as StoreError {
            guard case .invalid(let failure) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(failure.errors.map(\.field) == ["q"])
        }
    }

    @Test(arguments: StoreBackend.underTest) func operatorWordsAreOrdinaryWords(_ backend: StoreBackend) async throws {
        let database = try await indexed([(1, "律师和公证"), (2, "律师 or 公证"), (3, "律师"), (4, "公证")], on: backend)
        // Not "律师 OR 公证" (1, 2, 3, 4): all three words, "or" included.
        #expect(try await ids(database, "律师 OR 公证") == [2])
        #expect(try await ids(database, "律师 -公证") == [1, 2])
    }

    @Test(arguments: StoreBackend.underTest) func badQueriesAndPagesAreRefused(_ backend: StoreBackend) async throws {
        let database = try await indexed([(1, "律师")], on: backend)
        for (query, limit, offset, field) in [
            ("", 20, 0, "q"), ("法", 20, 0, "q"), (String(repeating: "律", count: 51), 20, 0, "q"),
            ("律师", 0, 0, "limit"), ("律师", 101, 0, "limit"), ("律师", 20, -1, "offset"),
            ("律师", 20, LetterSearchIndex.letterSearchWindow, "offset"),
        ] {
            let error = await #expect(throws: StoreError.self, "\(query) \(limit) \(offset)") {
                _ = try await database.mailbox.searchLetters(query, limit: limit, offset: offset)
            }
            guard case .invalid(let failure) = error else {
                Issue.record("\(query) \(limit) \(offset): \(String(describing: error))")
                continue
            }
            #expect(failure.errors.map(\.field) == [field])
        }
    }

    @Test(arguments: StoreBackend.underTest) func reindexingReplacesAndRemovingForgets(_ backend: StoreBackend) async throws {
        // Given letter 1 indexed about a lawyer
        let database = try await indexed([(1, "律师不出庭"), (2, "律师收费")], on: backend)
        // When it is indexed again with other text
        try await database.indexForSearch([(1, ["公证", "公证处", "已答复"])])
        // Then only the new text finds it
        #expect(try await ids(database, "律师") == [2])
        #expect(try await ids(database, "公证处") == [1])
        #expect(try await ids(database, "答复") == [1])
        // When letter 2 is removed (twice: removing is idempotent)
        try await database.removeFromSearch([2, 2, 99])
        // Then it is gone, and the index agrees with its content table
        #expect(try await ids(database, "律师") == [])
        if case .sqlite(let writer) = database.backend {
            try await writer.write { db in
                try db.execute(sql: "INSERT INTO letter_search(letter_search) VALUES ('integrity-check')")
            }
        }
        #expect(try await database.rawInt("SELECT count(*) FROM letter_search_document") == 1)
        // PostgreSQL has no separate index to disagree: the document column
        // is the row's own; it holds the new tokens only.
        if case .postgres = database.backend {
            #expect(try await database.rawInt("SELECT count(*) FROM letter_search_document WHERE document @@ '律师'::tsquery") == 0)
            #expect(try await database.rawInt("SELECT count(*) FROM letter_search_document WHERE document @@ '公证'::tsquery") == 1)
        }
    }

    @Test("the index stores exactly our tokens: each bigram is one token (FTS5 term, tsvector lexeme)", arguments: StoreBackend.underTest)
    func ftsTokensAreOurTokens(_ backend: StoreBackend) async throws {
        // A CJK Extension H bigram (U+31350, U+31351) too: PostgreSQL's text
        // parser would drop it under C.UTF-8; the stored vector keeps it.
        let text = "申请法律援助，ＡＰＰ下载A4纸张；拨打12348。我\u{31350}\u{31351}"
        let database = try await indexed([(1, text)], on: backend)
        let ours = SearchTokenizer.documentTokens(text).split(separator: " ").map(String.init)
        switch database.backend {
        case .sqlite(let writer):
            let stored = try await writer.write { db in
                try db.execute(sql: "CREATE VIRTUAL TABLE temp.search_vocab USING fts5vocab(main, letter_search, instance)")
                return try String.fetchAll(db, sql: "SELECT term FROM temp.search_vocab WHERE doc = 1 ORDER BY offset")
            }
            #expect(stored == ours)
        case .postgres(let postgres):
            // Each lexeme with its positions, in position order.
            let stored = try await postgres.read { tx in
                try await tx.rows(
                    "SELECT lexeme, positions FROM unnest((SELECT document FROM letter_search_document WHERE letter_id = 1))"
                ).map { (try $0.value("lexeme", as: String.self), try $0.value("positions", as: [Int16].self)) }
            }
            let byPosition = stored.flatMap { lexeme, positions in positions.map { (Int($0), lexeme) } }.sorted { $0.0 < $1.0 }
            #expect(byPosition.map(\.1) == ours)
            #expect(byPosition.map(\.0) == Array(1...ours.count))
        }
        #expect(try await ids(database, "\u{31350}\u{31351}") == [1])
        #expect(
            ours == [
                "申请", "请法", "法律", "律援", "援助", "助", "app", "下载", "载", "a4", "纸张", "张", "拨打", "打", "12348", "我\u{31350}",
                "\u{31350}\u{31351}", "\u{31351}",
            ])
    }

    @Test(arguments: StoreBackend.underTest) func resultsAreRankedAndPaged(_ backend: StoreBackend) async throws {
        // Letter 2 says 公证 three times in a short text; letter 1 once in a
        // long one; letters 3 and 4 tie, and the newer (higher id) comes first.
        let filler = String(repeating: "其他内容，", count: 40)
        let database = try await indexed([(1, "公证" + filler), (2, "公证，公证，公证"), (3, "公证处"), (4, "公证处")], on: backend)
        let page = try await database.mailbox.searchLetters("公证", limit: 100, offset: 0)
        #expect(page.ids == [2, 4, 3, 1])
        #expect(page.total == 4 && !page.moreThanTotal)
        let second = try await database.mailbox.searchLetters("公证", limit: 2, offset: 2)
        #expect(second.ids == [3, 1])
        #expect(second.total == 4)
    }

    @Test(arguments: StoreBackend.underTest)
    func onlyTheNewestWindowIsConsideredAndTheTotalSaysMore(_ backend: StoreBackend) async throws {
        let database = try await indexed((1...30).map { (Int64($0), $0 == 3 ? "律师，律师，律师" : "律师和其他内容") }, on: backend)
        let query = try SearchQuery("律师")
        let small = try await database.searchIndex(query, limit: 100, offset: 0, window: 10)
        let all = try await database.searchIndex(query, limit: 100, offset: 0, window: 100)
        // The newest ten (21…30), newest first among equal scores
        #expect(small.ids == Array((21...30).reversed()))
        #expect(small.total == 10 && small.moreThanTotal)
        // With a wide window, letter 3 ranks first
        #expect(all.ids.first == 3)
        #expect(all.total == 30 && !all.moreThanTotal)
    }

    /// SQLite only: FTS5's query plan.
    @Test func theSearchQueryUsesRowidOrderNotASort() async throws {
        let database = try await indexed([(1, "律师")], on: .sqlite)
        let plan = try await database.reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    EXPLAIN QUERY PLAN SELECT rowid FROM letter_search WHERE letter_search MATCH ?
                    ORDER BY rowid DESC LIMIT ?
                    """,
                arguments: ["\"律师\"", 1001]
            ).map { $0["detail"] as String }
        }
        // FTS5 consumes the ORDER BY: no temporary B-tree for sorting.
        #expect(!plan.joined().contains("TEMP B-TREE"))
    }
}
