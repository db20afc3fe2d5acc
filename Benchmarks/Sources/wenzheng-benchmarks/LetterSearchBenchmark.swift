import ArgumentParser
import Foundation
import GRDB
import WenzhengCore
import WenzhengStore

/// The mailbox issue's benchmark: search latency over a million published
/// letters, target p95 under 10 ms for two-character and for longer queries.
///
/// Letters are generated deterministically (letter i from the seed and i
/// alone, so any letter can be regenerated to check a result), indexed
/// through `LetterSearchIndex.indexLetterForSearch` in batch transactions into a
/// fresh temporary database file, checked, then searched through the public
/// `searchLetters` (page of 20, first page) in a seeded order.
struct LetterSearchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "letter-search",
        abstract: "Letter search latency over 1,000,000 generated letters (target p95 < 10 ms).",
        discussion: """
            Generates --letters letters of 300–600 characters (subject, body and reply) from a vocabulary of \
            justice-department topics, indexes them in transactions of --batch letters into a temporary \
            database file, reports build time and file size, verifies the search (every top result contains \
            the query; totals equal a brute-force count over the first --verify-letters letters), then times \
            searchLetters(limit: 20, offset: 0) for each query --rounds times in a seeded order. Exits 1 when \
            verification fails.
            """
    )

    @Option(help: "Number of letters to generate and index.")
    var letters = 1_000_000

    @Option(help: "Letters per indexing transaction.")
    var batch = 2_000

    @Option(help: "Timed searches of each query.")
    var rounds = 50

    @Option(help: "Letters (from the first) over which totals are checked by brute force.")
    var verifyLetters = 20_000

    @Option(help: "Seed of the letter generator and the query order.")
    var seed: UInt64 = 0x5EED_2026_1129

    @Option(help: "p95 target in milliseconds.")
    var targetMilliseconds = 10.0

    @Option(help: "Directory for the temporary database (default: the system's temporary directory).")
    var directory: String?

    @Flag(help: "Keep the database file instead of deleting it (its path is printed).")
    var keep = false

    @Option(help: ArgumentHelp("Search an existing database built by --keep instead of building one.", visibility: .hidden))
    var reuse: String?

    func validate() throws {
        guard letters >= 1 else { throw ValidationError("--letters must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
    }

    static let twoCharacterQueries = ["律师", "公证", "调解", "鉴定", "复议", "工资", "拆迁", "矫正", "仲裁", "赔偿"]
    static let longerQueries = [
        "法律援助", "拖欠工资", "行政复议申请", "人民调解委员会", "司法鉴定机构", "劳动争议仲裁", "房屋拆迁补偿",
        "公证处", "社区矫正对象", "律师事务所",
    ]

    func run() async throws {
        let clock = ContinuousClock()
        let generator = LetterGenerator(seed: seed)
        let base = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
        let folder = base.appendingPathComponent("wenzheng-letter-search-\(UUID().uuidString)")
        let path = reuse ?? folder.appendingPathComponent("letters.sqlite").path
        defer {
            if !keep && reuse == nil { try? FileManager.default.removeItem(at: folder) }
        }

        // Build.
        let database = try AppDatabase.openFile(atPath: path)
        var buildSeconds = 0.0
        var characters = 0
        if reuse == nil {
            print("Indexing \(letters) letters into \(path) …")
            let start = clock.now
            var next = 0
            while next < letters {
                let end = min(letters, next + batch)
                let range = next..<end
                characters += try await database.writer.write { db in
                    var count = 0
                    for index in range {
                        let letter = generator.letter(index)
                        count += letter.subject.count + letter.body.count + letter.reply.count
                        try LetterSearchIndex.indexLetterForSearch(
                            db, letterID: Int64(index + 1), subject: letter.subject, body: letter.body, reply: letter.reply)
                    }
                    return count
                }
                next = end
                if next % 100_000 == 0 || next == letters {
                    print("  \(next) letters, \(fmt(seconds(clock.now - start), 1)) s")
                }
            }
            buildSeconds = seconds(clock.now - start)
            try database.checkpoint()
        }
        let fileBytes = Self.fileSize(path)
        let indexed = try await database.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM letter_search_document") ?? 0
        }
        let segments = try await database.reader.read { db in
            // The FTS5 structure record is not readable from SQL; the
            // distinct segment ids of the %_idx table count the segments.
            try Int.fetchOne(db, sql: "SELECT count(DISTINCT segid) FROM letter_search_idx") ?? 0
        }

        // Verify before timing.
        let failures = try await verify(database: database, generator: generator, indexed: indexed)
        if !failures.isEmpty {
            FileHandle.standardError.write(
                Data(
                    ("letter-search benchmark: VERIFICATION FAILED, no latency is reported\n"
                        + failures.map { "  " + $0 }.joined(separator: "\n") + "\n").utf8))
            throw ExitCode.failure
        }
        print(
            "Verified: totals over the first \(min(verifyLetters, indexed)) letters equal a brute-force count; "
                + "each top result contains its query, and the page is the best 20 of the newest \(LetterSearchIndex.letterSearchWindow) matches by a score recomputed from the letters' text."
        )

        // Exact match counts (untimed, for the report), then the timed runs
        // in a seeded order.
        let queries = Self.allQueries
        var matches: [String: Int] = [:]
        for (query, _) in queries {
            matches[query] = try await Self.exactCount(database, query)
        }
        var order: [Int] = []
        for _ in 0..<rounds { order += queries.indices }
        var rng = SplitMix64(seed: seed ^ 0xA11CE)
        for position in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(position, rng.below(position + 1))
        }
        var samples: [QueryClass: [Double]] = [:]
        var perQuery: [String: [Double]] = [:]
        for index in order {
            let (query, queryClass) = queries[index]
            let start = clock.now
            let result = try await database.mailbox.searchLetters(query, limit: 20, offset: 0)
            let elapsed = seconds(clock.now - start) * 1e3
            precondition(result.total == min(matches[query]!, LetterSearchIndex.letterSearchWindow))
            samples[queryClass, default: []].append(elapsed)
            perQuery[query, default: []].append(elapsed)
        }

        // Report.
        print("")
        print("Letter search: \(indexed) letters, \(characters > 0 ? "\(characters) characters, " : "")seed 0x\(String(seed, radix: 16))")
        if reuse == nil {
            print(
                "  build          \(fmt(buildSeconds, 1)) s (\(fmt(Double(indexed) / buildSeconds, 0)) letters/s, transactions of \(batch))"
            )
        }
        print("  database file  \(fmt(Double(fileBytes) / 1e6, 1)) MB after checkpoint (\(segments) FTS5 segments)")
        print(
            "  search         searchLetters(limit: 20, offset: 0), window \(LetterSearchIndex.letterSearchWindow), \(rounds) runs of each query")
        for queryClass in QueryClass.allCases {
            let values = samples[queryClass] ?? []
            let p95 = percentile(values, 0.95)
            let verdict =
                queryClass == .other
                ? "(not in the verdict)" : (p95 < targetMilliseconds ? "PASS" : "FAIL") + " (p95 < \(fmt(targetMilliseconds, 0)) ms)"
            print(
                "  \(queryClass.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0))  p50 \(fmt(percentile(values, 0.5), 2)) ms, "
                    + "p95 \(fmt(p95, 2)) ms, p99 \(fmt(percentile(values, 0.99), 2)) ms, max \(fmt(values.max() ?? 0, 2)) ms "
                    + "(\(values.count) searches): \(verdict)")
        }
        print("  per query: matching letters (share), p50 / p95 ms")
        for (query, _) in queries {
            let values = perQuery[query] ?? []
            let count = matches[query]!
            print(
                "    \(query)  \(count) (\(fmt(Double(count) * 100 / Double(max(indexed, 1)), 1)) %): "
                    + "\(fmt(percentile(values, 0.5), 2)) / \(fmt(percentile(values, 0.95), 2))")
        }
        if keep && reuse == nil { print("Kept \(path)") }
    }

    enum QueryClass: String, CaseIterable {
        case two = "two-character"
        case longer = "longer"
        /// A phrase of two common bigrams that is itself rare (FTS5 must
        /// check positions in every letter holding both), an AND of two
        /// words, and a number.
        case other = "other"
    }

    static let otherQueries = ["法律师", "律师 拖欠工资", "12348"]

    static var allQueries: [(String, QueryClass)] {
        twoCharacterQueries.map { ($0, QueryClass.two) } + longerQueries.map { ($0, QueryClass.longer) }
            + otherQueries.map { ($0, QueryClass.other) }
    }

    static func exactCount(_ database: AppDatabase, _ query: String, upTo last: Int = Int.max) async throws -> Int {
        let match = try SearchQuery(query).matchExpression
        return try await database.reader.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM letter_search WHERE letter_search MATCH ? AND rowid <= ?",
                arguments: [match, last]) ?? 0
        }
    }

    /// Checks, for every query: the count over letters 1…verifyLetters
    /// equals a brute-force count over the regenerated letters; each of the
    /// top 20 results really contains the query; the page is what plain SQL
    /// says the BM25 order of the newest window matches is; and the total
    /// and its "more" flag agree with an exact count.
    func verify(database: AppDatabase, generator: LetterGenerator, indexed: Int) async throws -> [String] {
        var failures: [String] = []
        let queries = Self.allQueries.map(\.0)
        let checked = min(verifyLetters, indexed)
        var bruteForce = [Int](repeating: 0, count: queries.count)
        let needles = queries.map { $0.split(separator: " ").map(String.init) }
        for index in 0..<checked {
            let words = Self.words(generator.letter(index))
            for (number, parts) in needles.enumerated()
            where parts.allSatisfy({ part in words.contains { $0.contains(part) } }) {
                bruteForce[number] += 1
            }
        }
        let window = LetterSearchIndex.letterSearchWindow
        // FTS5's average document length: tokens per indexed letter.
        let averageLength = try await database.reader.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT avg(CASE WHEN content = '' THEN 0 ELSE length(content) - length(replace(content, ' ', '')) + 1 END)
                    FROM letter_search_document
                    """) ?? 1
        }
        for (number, query) in queries.enumerated() {
            let counted = try await Self.exactCount(database, query, upTo: checked)
            if counted != bruteForce[number] {
                failures.append("'\(query)': index finds \(counted) of the first \(checked) letters, brute force \(bruteForce[number])")
            }
            let all = try await Self.exactCount(database, query)
            let result = try await database.mailbox.searchLetters(query, limit: 20, offset: 0)
            if result.total != min(all, window) || result.moreThanTotal != (all > window) {
                failures.append("'\(query)': total \(result.total) (more: \(result.moreThanTotal)) but \(all) match")
            }
            // The page must be the best of the window by an independent
            // computation of the score from the regenerated letters.
            let parsed = try SearchQuery(query)
            let windowIDs = try await database.reader.read { db in
                try Int64.fetchAll(
                    db, sql: "SELECT rowid FROM letter_search WHERE letter_search MATCH ? ORDER BY rowid DESC LIMIT ?",
                    arguments: [parsed.matchExpression, window])
            }
            var scores: [Int64: Double] = [:]
            for id in windowIDs {
                scores[id] = Self.score(generator.letter(Int(id) - 1), query: parsed, averageLength: averageLength)
            }
            let pageScores = result.ids.map { scores[$0] ?? -1 }
            let cutoff = pageScores.min() ?? 0
            let better = scores.filter { !result.ids.contains($0.key) && $0.value > cutoff + 1e-9 }
            if pageScores.contains(-1) || zip(pageScores, pageScores.dropFirst()).contains(where: { $0 + 1e-9 < $1 })
                || !better.isEmpty || result.ids.count != min(20, windowIDs.count)
            {
                failures.append("'\(query)': page \(result.ids.prefix(5))… is not the best 20 of the newest \(windowIDs.count) matches")
            }
            if result.ids.isEmpty && Self.otherQueries.contains(query) == false {
                failures.append("'\(query)': no results")
            }
            for id in result.ids {
                let words = Self.words(generator.letter(Int(id) - 1))
                if !needles[number].allSatisfy({ part in words.contains { $0.contains(part) } }) {
                    failures.append("'\(query)': result \(id) does not contain it")
                }
            }
        }
        return failures
    }

    /// The ranking score (`letter_rank`) of a letter, from its tokens: per
    /// query phrase, its occurrences at consecutive token positions, weighted
    /// as in BM25 (k1 = 1.2, b = 0.75) without IDF.
    static func score(_ letter: GeneratedLetter, query: SearchQuery, averageLength: Double) -> Double {
        let tokens = SearchTokenizer.documentTokens([letter.subject, letter.body, letter.reply])
            .split(separator: " ").map(String.init)
        let norm = 1.2 * (1 - 0.75 + 0.75 * Double(tokens.count) / max(1, averageLength))
        var score = 0.0
        for phrase in query.phrases {
            var frequency = 0
            let size = phrase.tokens.count
            if size <= tokens.count {
                for start in 0...(tokens.count - size) {
                    var found = true
                    for (offset, token) in phrase.tokens.enumerated() {
                        let candidate = tokens[start + offset]
                        let last = offset == size - 1 && phrase.lastIsPrefix
                        if last ? !candidate.hasPrefix(token) : candidate != token {
                            found = false
                            break
                        }
                    }
                    if found { frequency += 1 }
                }
            }
            if frequency > 0 { score += Double(frequency) * 2.2 / (Double(frequency) + norm) }
        }
        return score
    }

    /// A letter's words as the search sees them: split at anything that is
    /// not a letter or digit (the generator writes no full-width or upper
    /// case, so no folding is needed).
    static func words(_ letter: GeneratedLetter) -> [Substring] {
        (letter.subject + "\n" + letter.body + "\n" + letter.reply)
            .split { !($0.isLetter || $0.isNumber) }
    }

    static func fileSize(_ path: String) -> Int {
        ["", "-wal", "-shm"].reduce(0) { sum, suffix in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            return sum + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }
}

struct GeneratedLetter {
    var subject: String
    var body: String
    var reply: String
}

/// Letters to a justice bureau's mailbox: a main topic chosen with Zipf-like
/// weights, a subject from that topic, a body of sentences mostly about the
/// topic with some about a second one and some everyday filler, and an
/// office reply. 300–600 characters in all.
struct LetterGenerator: Sendable {
    let seed: UInt64

    struct Topic {
        var subjects: [String]
        var clauses: [String]
        var reply: [String]
    }

    static let topics: [Topic] = [
        Topic(
            subjects: ["关于申请法律援助的咨询", "法律援助申请被拒怎么办", "请求提供法律援助", "残疾人能否获得法律援助"],
            clauses: [
                "我家经济困难，想申请法律援助", "听说法律援助中心可以免费指派律师", "法律援助的申请条件是什么",
                "需要提交哪些经济困难证明材料", "我父亲是低保户，符合法律援助条件吗", "法律援助中心的工作人员让我回去等通知",
                "申请法律援助后多久能指派律师", "农民工讨薪能不能申请法律援助",
            ],
            reply: ["经济困难的公民可以向法律援助机构申请法律援助", "请携带身份证明和经济困难证明到县法律援助中心窗口申请"]),
        Topic(
            subjects: ["拖欠工资问题反映", "工地老板拖欠工资", "讨要被拖欠的工资", "关于劳动争议的咨询"],
            clauses: [
                "包工头拖欠我们工资已经半年", "我们一共十二个人被拖欠工资三万多元", "公司以效益不好为由拖欠工资",
                "去劳动监察大队反映过但没有结果", "想申请劳动争议仲裁但不知道流程", "老板不签劳动合同也不交社保",
                "被公司无故辞退没有任何经济补偿", "工伤认定之后单位拒绝支付赔偿",
            ],
            reply: ["可以向劳动人事争议仲裁委员会申请仲裁", "拖欠工资的情况可向人力资源社会保障部门劳动保障监察机构投诉"]),
        Topic(
            subjects: ["投诉律师收费不合理", "律师不尽职如何投诉", "关于律师事务所的投诉", "咨询律师代理费用标准"],
            clauses: [
                "我委托的律师收了代理费却不出庭", "律师事务所收费没有开具发票", "律师在开庭前一天才看案卷",
                "想投诉这名律师的执业行为", "律师承诺包赢官司后来败诉了", "请问律师代理费用有没有统一标准",
                "律师泄露了我的个人隐私", "更换律师之后原来的律师不退费用",
            ],
            reply: ["对律师执业行为的投诉可向律师事务所所在地的司法行政机关或律师协会提出", "律师服务收费应当与委托人签订书面合同"]),
        Topic(
            subjects: ["公证处办事效率低", "办理公证需要哪些材料", "关于继承公证的咨询", "公证费用是否合理"],
            clauses: [
                "去公证处办理继承公证跑了三趟", "公证员要求提供的材料太多", "办理出国留学的学历公证需要多久",
                "房产继承公证需要所有继承人到场吗", "公证处收费标准在哪里可以查到", "委托公证能不能在网上办理",
                "公证书上的名字写错了需要更正", "遗嘱公证和自书遗嘱的效力有什么区别",
            ],
            reply: ["办理继承公证需提交被继承人死亡证明、亲属关系证明和财产权利凭证", "公证收费按照省价格主管部门核定的标准执行"]),
        Topic(
            subjects: ["邻里纠纷请求调解", "人民调解委员会不作为", "关于婚姻家庭纠纷调解", "调解协议对方不履行"],
            clauses: [
                "邻居在楼道堆放杂物多次协商无果", "村里的人民调解委员会调解了两次都没有结果", "希望司法所组织双方调解",
                "调解协议签了以后对方不履行", "婆媳矛盾已经影响到正常生活", "宅基地边界纠纷想请调解员上门",
                "楼上漏水造成损失对方拒绝赔偿", "物业纠纷能不能申请人民调解",
            ],
            reply: ["人民调解委员会调解民间纠纷不收取任何费用", "经人民调解达成的调解协议可以申请司法确认"]),
        Topic(
            subjects: ["社区矫正人员请假外出", "关于社区矫正的咨询", "社区矫正对象报到问题", "社区矫正期间能否就业"],
            clauses: [
                "我弟弟是社区矫正对象需要外出务工", "社区矫正期间每个月要到司法所报到", "社区矫正对象请假外出需要什么手续",
                "社区矫正机构要求佩戴电子定位装置", "希望社区矫正工作人员考虑家庭实际困难", "社区矫正期满后如何解除",
            ],
            reply: ["社区矫正对象因正当理由需要外出的应当经执行地社区矫正机构批准", "社区矫正期满由社区矫正机构依法宣告解除"]),
        Topic(
            subjects: ["司法鉴定结论有异议", "投诉司法鉴定机构", "关于伤残鉴定的咨询", "申请重新鉴定"],
            clauses: [
                "交通事故伤残等级鉴定结论明显偏低", "司法鉴定机构收费过高而且出具报告很慢", "对亲子鉴定结果有疑问",
                "鉴定人没有出庭接受质询", "想知道哪些司法鉴定机构具有资质", "申请重新鉴定需要什么条件",
            ],
            reply: ["对司法鉴定机构和鉴定人的投诉可向省司法厅或市司法局提出", "对鉴定意见有异议的可以依法申请重新鉴定"]),
        Topic(
            subjects: ["行政复议申请咨询", "对行政处罚不服申请复议", "行政复议期限是多久", "关于行政复议决定的意见"],
            clauses: [
                "对区市场监管局的罚款决定不服", "想申请行政复议但不知道向哪个机关提出", "行政复议申请已经超过六十天还没有答复",
                "行政复议决定维持了原处罚", "行政复议和行政诉讼应该先选哪一个", "交警的处罚决定能否申请行政复议",
            ],
            reply: ["公民认为行政行为侵犯其合法权益的，可以自知道之日起六十日内提出行政复议申请", "行政复议机关应当自受理申请之日起六十日内作出行政复议决定"]),
        Topic(
            subjects: ["房屋拆迁补偿不合理", "征收补偿标准咨询", "关于强制拆迁的反映", "拆迁安置房迟迟不交付"],
            clauses: [
                "我家的房屋被列入征收范围", "拆迁补偿标准比周边低很多", "房屋拆迁补偿款至今没有到位",
                "拆迁办工作人员多次上门施压", "安置房交付时间一拖再拖", "没有签协议房子就被强制拆除了",
            ],
            reply: ["国有土地上房屋征收与补偿应当依照国家有关规定执行", "对征收补偿决定不服的可以依法申请行政复议或者提起行政诉讼"]),
        Topic(
            subjects: ["建议加强普法宣传", "关于法治宣传进社区的建议", "希望开展法律知识讲座"],
            clauses: [
                "建议在社区多开展法治宣传活动", "老年人容易上当受骗需要普法", "学校应该请法律工作者讲解防范校园欺凌",
                "希望通过短视频普及民法典知识", "农村地区法律知识比较缺乏",
            ],
            reply: ["感谢您对普法工作的关心和建议", "我们将结合八五普法规划组织法律知识进社区活动"]),
        Topic(
            subjects: ["监狱会见安排咨询", "关于服刑人员减刑的咨询", "申请远程视频会见"],
            clauses: [
                "我丈夫在监狱服刑想预约会见", "远程视频会见怎么预约", "服刑人员减刑假释的条件是什么",
                "家属寄送的生活用品被退回", "监狱会见需要提前多少天预约",
            ],
            reply: ["监狱会见实行预约制度，家属可通过官方渠道预约", "减刑假释依照刑法和有关规定办理"]),
        Topic(
            subjects: ["法律职业资格考试报名问题", "基层法律服务所收费咨询", "商事仲裁相关问题"],
            clauses: [
                "法律职业资格考试报名系统无法上传照片", "基层法律服务工作者能否代理诉讼", "合同约定了仲裁条款还能起诉吗",
                "仲裁委员会受理后一直没有开庭", "想咨询法律职业资格证书领取时间",
            ],
            reply: ["法律职业资格考试相关事项以司法部公告为准", "当事人达成书面仲裁协议的应当向仲裁机构申请仲裁"]),
    ]

    /// Zipf-like topic weights: 1/(rank+1)^0.8.
    static let topicWeights: [Double] = {
        var cumulative: [Double] = []
        var total = 0.0
        for rank in topics.indices {
            total += 1 / pow(Double(rank + 1), 0.8)
            cumulative.append(total)
        }
        return cumulative.map { $0 / total }
    }()

    static let openings = [
        "尊敬的领导：您好！", "局长您好：", "您好，", "尊敬的司法局领导：", "领导好！我是本市居民，", "你好，我想反映一个问题。",
    ]
    static let filler = [
        "这件事情已经拖了很长时间", "我们全家都很着急", "前后找了好几个部门", "一直没有得到明确答复",
        "希望领导能够重视", "我今年六十多岁身体也不好", "孩子还在上学需要用钱", "实在没有办法才写信反映",
        "相关部门互相推诿", "打了很多次电话都没人接", "我已经准备好了相关证据材料", "请问下一步应该怎么办",
        "2025年3月开始出现这个问题", "涉及金额大约2万元", "当时对方口头答应会处理", "家里老人常年卧病在床",
        "网上查到的信息前后不一致", "我们是外地来打工的", "周围很多人都遇到了类似情况", "希望尽快给予答复",
        "我住在城关镇东风村三组", "去年冬天的时候", "我是一名退休教师", "事情的经过是这样的", "对方态度非常恶劣",
        "我们多次找到有关单位", "当地派出所也出过警", "现在每天都睡不好觉", "家里的积蓄都花光了", "我不知道该找谁",
        "听朋友说可以在网上给领导写信", "我们只是想讨个说法", "这种做法明显不合理", "这个问题影响了很多家庭",
        "工作人员说要等上级通知", "我上个月已经打过市民热线", "麻烦领导帮忙协调一下", "我的手机号码一直没有变",
    ]
    static let closings = ["谢谢！", "盼复。", "此致敬礼！", "恳请领导帮助解决。", "感谢您在百忙之中阅读此信。"]
    static let replyOpenings = ["您好！您的来信已收悉。", "来信人您好：", "您好，您反映的问题我们已经了解。"]
    static let replyClosings = [
        "如有疑问，可拨打12348公共法律服务热线咨询。", "感谢您对司法行政工作的支持。", "如仍有疑问，欢迎来电咨询。",
    ]

    func letter(_ index: Int) -> GeneratedLetter {
        var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        let main = Self.pickTopic(&rng)
        // About a third of letters touch a second topic in passing.
        var other: Int? = rng.chance(0.35) ? Self.pickTopic(&rng) : nil
        if other == main { other = (main + 1) % Self.topics.count }
        let topic = Self.topics[main]

        let subject = rng.pick(topic.subjects)
        let targetLength = 300 + rng.below(301)
        let replyLength = 60 + rng.below(60)
        var body = rng.pick(Self.openings)
        while body.count < targetLength - replyLength - subject.count {
            var sentence: [String] = []
            for _ in 0..<(2 + rng.below(3)) {
                let roll = rng.unit()
                let clause =
                    roll < 0.5
                    ? rng.pick(topic.clauses)
                    : roll < 0.56 && other != nil ? rng.pick(Self.topics[other!].clauses) : rng.pick(Self.filler)
                sentence.append(clause)
            }
            body += sentence.joined(separator: "，") + (rng.chance(0.15) ? "？" : "。")
        }
        body += rng.pick(Self.closings)

        var reply = rng.pick(Self.replyOpenings)
        while reply.count < replyLength {
            reply += rng.pick(topic.reply) + "。"
        }
        reply += rng.pick(Self.replyClosings)
        return GeneratedLetter(subject: subject, body: body, reply: reply)
    }

    static func pickTopic(_ rng: inout SplitMix64) -> Int {
        let roll = rng.unit()
        return topicWeights.firstIndex { roll < $0 } ?? topics.count - 1
    }
}

/// The "physical anchor" for submission throughput: what one SQLite file on
/// this disk can commit, one row per transaction, in WAL mode with
/// `synchronous=FULL` (the settings `AppDatabase.openFile` uses).
struct SQLiteInsertBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sqlite-insert",
        abstract: "Single-row INSERT transactions per second in WAL mode with synchronous=FULL (the commit anchor).",
        discussion: """
            Opens a fresh temporary SQLite file (WAL, synchronous=FULL), then for --seconds runs \
            BEGIN IMMEDIATE; INSERT one ~300-byte row; COMMIT, one transaction after another on one \
            connection, and reports inserts per second and the latency of the whole transaction and of \
            the COMMIT alone (where the fsync happens).
            """
    )

    @Option(help: "How long to insert, in seconds.")
    var seconds = 5.0

    @Option(help: "Directory for the temporary database (default: the system's temporary directory).")
    var directory: String?

    func run() throws {
        let base = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
        let folder = base.appendingPathComponent("wenzheng-sqlite-insert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("anchor.sqlite").path

        let queue = try DatabaseQueue(path: path)
        let clock = ContinuousClock()
        let payload = String(repeating: "市民来信内容", count: 16)  // 288 bytes of UTF-8
        var transactions: [Double] = []
        var commits: [Double] = []
        let (journal, synchronous) = try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(
                sql: "CREATE TABLE anchor (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, created_at TEXT NOT NULL)")
            let begin = try db.makeStatement(sql: "BEGIN IMMEDIATE")
            let insert = try db.makeStatement(sql: "INSERT INTO anchor (payload, created_at) VALUES (?, ?)")
            let commit = try db.makeStatement(sql: "COMMIT")
            let stop = clock.now + .milliseconds(Int(seconds * 1000))
            var number = 0
            while clock.now < stop {
                let start = clock.now
                try begin.execute()
                try insert.execute(arguments: [payload, "2026-11-29T10:00:00.\(number)Z"])
                let beforeCommit = clock.now
                try commit.execute()
                let end = clock.now
                transactions.append(Self.seconds(end - start) * 1e3)
                commits.append(Self.seconds(end - beforeCommit) * 1e3)
                number += 1
            }
            let journal = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM anchor") ?? 0
            precondition(rows == number, "inserted \(number) rows but the table has \(rows)")
            return (journal, synchronous)
        }
        let total = transactions.reduce(0, +) / 1e3
        print("SQLite commit anchor: \(path) (removed afterwards)")
        print("  settings     journal_mode=\(journal), synchronous=\(synchronous) (2 = FULL), SQLite \(sqliteVersion())")
        print(
            "  inserts      \(transactions.count) in \(fmt(total, 2)) s: \(fmt(Double(transactions.count) / total, 0)) inserts/s (one row per transaction)"
        )
        print(
            "  transaction  p50 \(fmt(percentile(transactions, 0.5), 3)) ms, p99 \(fmt(percentile(transactions, 0.99), 3)) ms, "
                + "max \(fmt(transactions.max() ?? 0, 3)) ms")
        print(
            "  COMMIT       p50 \(fmt(percentile(commits, 0.5), 3)) ms, p99 \(fmt(percentile(commits, 0.99), 3)) ms, "
                + "max \(fmt(commits.max() ?? 0, 3)) ms")
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    func sqliteVersion() -> String {
        (try? DatabaseQueue().read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") }) ?? nil ?? "?"
    }
}

/// Nearest-rank percentile.
private func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count - 1, max(0, rank - 1))]
}

private func seconds(_ duration: Duration) -> Double {
    SQLiteInsertBenchmark.seconds(duration)
}

private func fmt(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}
