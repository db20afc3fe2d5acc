import Foundation
import GRDB
import Testing
import WenzhengCore

@testable import WenzhengStore

/// A database with the letters given (id, text), each indexed as one
/// letter's body.
private func indexed(_ letters: [(Int64, String)]) throws -> AppDatabase {
    let database = try AppDatabase.inMemory()
    try database.writer.write { db in
        for (id, text) in letters {
            try LetterSearchIndex.indexLetterForSearch(db, letterID: id, subject: "", body: text, reply: "")
        }
    }
    return database
}

private func ids(_ database: AppDatabase, _ query: String) async throws -> [Int64] {
    try await database.mailbox.searchLetters(query, limit: 100, offset: 0).ids.sorted()
}

@Suite("Letter search in the store")
struct SearchStoreTests {
    @Test func theMigrationRunsOnAPlainQueue() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try MailboxSchema.createLetterSearch(db)
            try LetterSearchIndex.indexLetterForSearch(db, letterID: 7, subject: "咨询", body: "律师", reply: "")
            let found = try Int64.fetchAll(db, sql: "SELECT rowid FROM letter_search WHERE letter_search MATCH '\"律师\"'")
            #expect(found == [7])
        }
    }

    @Test func twoCharacterWordsAreFound() async throws {
        // Given letters about a lawyer, a notary, and neither
        let database = try indexed([
            (1, "我委托的律师不出庭。"), (2, "去公证处办理继承公证。"), (3, "邻里纠纷请求调解。"), (4, "律师和公证员都来了"),
        ])
        // Then two-character words find exactly their letters
        #expect(try await ids(database, "律师") == [1, 4])
        #expect(try await ids(database, "公证") == [2, 4])
        #expect(try await ids(database, "调解") == [3])
        #expect(try await ids(database, "仲裁") == [])
        // and a word at the very end of a letter or a sentence too
        #expect(try await ids(database, "出庭") == [1])
        #expect(try await ids(database, "来了") == [4])
    }

    @Test("a phrase matches only where its characters are contiguous")
    func phrasesMustBeContiguous() async throws {
        let database = try indexed([
            (1, "我想申请法律援助。"),
            (2, "这是法律问题，需要援助。"),
            (3, "法律，援助"),
            (4, "援助法律"),
            (5, "关于法律援助中心的意见"),
        ])
        #expect(try await ids(database, "法律援助") == [1, 5])
        #expect(try await ids(database, "法律 援助") == [1, 2, 3, 4, 5])
        // Bigrams at a sentence boundary are not adjacent: 法律，律师 is not 法律师.
        let boundary = try indexed([(1, "法律，律师"), (2, "法律师")])
        #expect(try await ids(boundary, "法律师") == [2])
    }

    @Test func latinWordsMatchWhole() async throws {
        let database = try indexed([(1, "请下载WeChat后联系"), (2, "chat room"), (3, "拨打12348热线"), (4, "A4纸张")])
        #expect(try await ids(database, "wechat") == [1])
        #expect(try await ids(database, "WECHAT") == [1])
        #expect(try await ids(database, "chat") == [2])
        #expect(try await ids(database, "12348") == [3])
        #expect(try await ids(database, "A4纸") == [4])
        #expect(try await ids(database, "a4纸张") == [4])
        #expect(try await ids(database, "纸张") == [4])
    }

    @Test func fullWidthAndCaseAreFoldedBothWays() async throws {
        let database = try indexed([(1, "请下载ＡＰＰ办理"), (2, "请下载app办理"), (3, "拨打１２３４８")])
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
        ])
    func injectionIsHarmless(query: String) async throws {
        let database = try indexed([(1, "律师和公证"), (2, "律师 or 公证 near"), (3, "律师"), (4, "公证")])
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

    @Test func operatorWordsAreOrdinaryWords() async throws {
        let database = try indexed([(1, "律师和公证"), (2, "律师 or 公证"), (3, "律师"), (4, "公证")])
        // Not "律师 OR 公证" (1, 2, 3, 4): all three words, "or" included.
        #expect(try await ids(database, "律师 OR 公证") == [2])
        #expect(try await ids(database, "律师 -公证") == [1, 2])
    }

    @Test func badQueriesAndPagesAreRefused() async throws {
        let database = try indexed([(1, "律师")])
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

    @Test func reindexingReplacesAndRemovingForgets() async throws {
        // Given letter 1 indexed about a lawyer
        let database = try indexed([(1, "律师不出庭"), (2, "律师收费")])
        // When it is indexed again with other text
        try await database.writer.write { db in
            try LetterSearchIndex.indexLetterForSearch(db, letterID: 1, subject: "公证", body: "公证处", reply: "已答复")
        }
        // Then only the new text finds it
        #expect(try await ids(database, "律师") == [2])
        #expect(try await ids(database, "公证处") == [1])
        #expect(try await ids(database, "答复") == [1])
        // When letter 2 is removed (twice: removing is idempotent)
        try await database.writer.write { db in
            try LetterSearchIndex.removeLetterFromSearch(db, letterID: 2)
            try LetterSearchIndex.removeLetterFromSearch(db, letterID: 2)
            try LetterSearchIndex.removeLetterFromSearch(db, letterID: 99)
        }
        // Then it is gone, and the index agrees with its content table
        #expect(try await ids(database, "律师") == [])
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO letter_search(letter_search) VALUES ('integrity-check')")
        }
        let rows = try await database.reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM letter_search_document") }
        #expect(rows == 1)
    }

    @Test("FTS5 stores exactly our tokens: each bigram is one token")
    func ftsTokensAreOurTokens() throws {
        let text = "申请法律援助，ＡＰＰ下载A4纸张；拨打12348。我"
        let database = try indexed([(1, text)])
        let stored = try database.writer.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE temp.search_vocab USING fts5vocab(main, letter_search, instance)")
            return try String.fetchAll(db, sql: "SELECT term FROM temp.search_vocab WHERE doc = 1 ORDER BY offset")
        }
        let ours = SearchTokenizer.documentTokens(text).split(separator: " ").map(String.init)
        #expect(stored == ours)
        #expect(ours == ["申请", "请法", "法律", "律援", "援助", "助", "app", "下载", "载", "a4", "纸张", "张", "拨打", "打", "12348", "我"])
    }

    @Test func resultsAreRankedAndPaged() async throws {
        // Letter 2 says 公证 three times in a short text; letter 1 once in a
        // long one; letters 3 and 4 tie, and the newer (higher id) comes first.
        let filler = String(repeating: "其他内容，", count: 40)
        let database = try indexed([(1, "公证" + filler), (2, "公证，公证，公证"), (3, "公证处"), (4, "公证处")])
        let page = try await database.mailbox.searchLetters("公证", limit: 100, offset: 0)
        #expect(page.ids == [2, 4, 3, 1])
        #expect(page.total == 4 && !page.moreThanTotal)
        let second = try await database.mailbox.searchLetters("公证", limit: 2, offset: 2)
        #expect(second.ids == [3, 1])
        #expect(second.total == 4)
    }

    @Test func onlyTheNewestWindowIsConsideredAndTheTotalSaysMore() throws {
        let database = try indexed((1...30).map { (Int64($0), $0 == 3 ? "律师，律师，律师" : "律师和其他内容") })
        let query = try SearchQuery("律师")
        let (small, all) = try database.reader.read { db in
            (
                try LetterSearchIndex.searchLetters(db, query: query, limit: 100, offset: 0, window: 10),
                try LetterSearchIndex.searchLetters(db, query: query, limit: 100, offset: 0, window: 100)
            )
        }
        // The newest ten (21…30), newest first among equal scores
        #expect(small.ids == Array((21...30).reversed()))
        #expect(small.total == 10 && small.moreThanTotal)
        // With a wide window, letter 3 ranks first
        #expect(all.ids.first == 3)
        #expect(all.total == 30 && !all.moreThanTotal)
    }

    @Test func theSearchQueryUsesRowidOrderNotASort() throws {
        let database = try indexed([(1, "律师")])
        let plan = try database.reader.read { db in
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
