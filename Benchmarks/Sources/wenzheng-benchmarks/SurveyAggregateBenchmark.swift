import ArgumentParser
import Foundation
import GRDB
import WenzhengCore
import WenzhengStore

/// The surveys issue's aggregation target: the results of a 10-question
/// survey with 100,000 responses in under 200 ms.
///
/// Fills a fresh temporary database through the store's own submission
/// path (`submitSurveyResponse`, many in flight at once so that they share
/// commits), then times `surveyResults(id:)`, which is what the results
/// page and `GET /api/v1/surveys/{id}/results` call, and checks its counts
/// against a recount of the raw `survey_response` rows with a fresh
/// `SurveyTally` (that recount is timed too, as the "from rows" cost).
///
/// `--print-survey` prints the survey and sample answers as JSON instead,
/// for the HTTP load benchmark (Benchmarks/survey-load/run.py), so both
/// benchmarks use the same survey.
struct SurveyAggregateBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "survey-aggregate",
        abstract: "Results of a 10-question survey with 100,000 responses (target < 200 ms).",
        discussion: """
            Creates the benchmark survey (10 questions: single and multiple choice with bounds, two ratings, a \
            matrix, a ranking, short and long text, two conditional questions) in a temporary database, opens \
            it, submits --responses generated responses through SurveysStore.submitSurveyResponse with \
            --concurrency submissions in flight, then times surveyResults(id:) --runs times (median and max) and \
            checks its counts against a recount of the raw response rows. Exits 1 when the check fails.
            """
    )

    @Option(help: "Responses to store.")
    var responses = 100_000

    @Option(help: "Timed calls of surveyResults.")
    var runs = 20

    @Option(help: "Submissions in flight at once while filling the database.")
    var concurrency = 64

    @Option(help: "Seed of the response generator.")
    var seed: UInt64 = 0x5EED_2026_1130

    @Option(help: "Target for the median, in milliseconds.")
    var targetMilliseconds = 200.0

    @Option(help: "Directory for the temporary database (default: the system's temporary directory).")
    var directory: String?

    @Flag(help: "Keep the database file instead of deleting it (its path is printed).")
    var keep = false

    @Flag(help: "Print the survey definition and --samples generated answers as JSON, and exit.")
    var printSurvey = false

    @Option(help: "Sample answers printed by --print-survey.")
    var samples = 256

    func validate() throws {
        guard responses >= 1, runs >= 1, concurrency >= 1, samples >= 1 else {
            throw ValidationError("--responses, --runs, --concurrency and --samples must be at least 1")
        }
    }

    func run() async throws {
        var rng = SplitMix64(seed: seed)
        if printSurvey {
            let sample = (0..<samples).map { _ in SurveyBenchmarkData.answers(using: &rng) }
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let definition = try JSONSerialization.jsonObject(with: encoder.encode(SurveyBenchmarkData.definition))
            let answers = try JSONSerialization.jsonObject(with: encoder.encode(sample))
            let object: [String: Any] = ["definition": definition, "answers": answers]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        let clock = ContinuousClock()
        let base = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
        let folder = base.appendingPathComponent("wenzheng-survey-aggregate-\(UUID().uuidString)")
        defer {
            if !keep { try? FileManager.default.removeItem(at: folder) }
        }
        let path = folder.appendingPathComponent("surveys.sqlite").path
        let database = try AppDatabase.openFile(atPath: path)
        let store = database.surveys
        let id = try await SurveyBenchmarkData.openSurvey(in: database)

        // Fill.
        print("Storing \(responses) responses to survey \(id) in \(path) (\(concurrency) in flight) …")
        let fillStart = clock.now
        let now = SurveyBenchmarkData.now
        var next = 0
        while next < responses {
            let chunk = (next..<min(responses, next + concurrency)).map { index in
                SurveySubmission(
                    surveyID: id, identity: .browserToken("survey-aggregate-\(index)"),
                    response: SurveyResponse(answers: SurveyBenchmarkData.answers(using: &rng)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for submission in chunk {
                    group.addTask { _ = try await store.submitSurveyResponse(submission, at: now) }
                }
                try await group.waitForAll()
            }
            next += chunk.count
            if next % 20_000 == 0 || next == responses {
                print("  \(next) responses, \(format(elapsed(clock.now - fillStart), 1)) s")
            }
        }
        let fillSeconds = elapsed(clock.now - fillStart)
        try database.checkpoint()

        // Time what the results page calls.
        var times: [Double] = []
        var results = try await store.surveyResults(id: id)  // untimed warm-up
        for _ in 0..<runs {
            let start = clock.now
            results = try await store.surveyResults(id: id)
            times.append(elapsed(clock.now - start) * 1000)
        }

        // Recount from the raw rows, and check.
        let recountStart = clock.now
        let raw = try await database.reader.read { db in
            try String.fetchAll(db, sql: "SELECT answers_json FROM survey_response WHERE survey_id = ?", arguments: [id])
        }
        let decoder = JSONDecoder()
        var tally = SurveyTally(definition: SurveyBenchmarkData.definition)
        var textAnswers = 0
        for json in raw {
            let response = SurveyResponse(answers: try decoder.decode([String: SurveyAnswer].self, from: Data(json.utf8)))
            tally.add(response)
            textAnswers += response.textAnswers(in: SurveyBenchmarkData.definition).count
        }
        let recountMilliseconds = elapsed(clock.now - recountStart) * 1000
        let storedTexts = try await database.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM survey_text_answer WHERE survey_id = ?", arguments: [id]) ?? 0
        }
        var failures: [String] = []
        if raw.count != responses { failures.append("\(raw.count) response rows, expected \(responses)") }
        if results.survey.responseCount != responses {
            failures.append("surveyResults counts \(results.survey.responseCount) responses, expected \(responses)")
        }
        if tally.results() != results.results { failures.append("surveyResults differ from the recount of the raw rows") }
        if storedTexts != textAnswers { failures.append("\(storedTexts) stored text answers, the rows hold \(textAnswers)") }
        if !failures.isEmpty {
            FileHandle.standardError.write(
                Data(("survey-aggregate: VERIFICATION FAILED, no time is reported\n" + failures.map { "  " + $0 }.joined(separator: "\n") + "\n").utf8))
            throw ExitCode.failure
        }

        let sorted = times.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let counters = try await database.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM survey_tally WHERE survey_id = ?", arguments: [id]) ?? 0
        }
        print("Survey aggregation: \(responses) responses, 10 questions, SQLite \(try await sqliteVersion(database))")
        print("  fill         \(format(fillSeconds, 1)) s through submitSurveyResponse: \(format(Double(responses) / fillSeconds, 0)) responses/s")
        print("  stored       \(counters) tally counters, \(storedTexts) text answers; file \(fileSize(path) / 1_048_576) MiB")
        print("  verified     surveyResults equal a recount of the \(raw.count) raw rows (counts, percentages, means, positions)")
        print(
            "  results      surveyResults(id:) \(runs) runs: median \(format(median, 3)) ms, max \(format(sorted.last ?? 0, 3)) ms, "
                + "min \(format(sorted.first ?? 0, 3)) ms (target median < \(format(targetMilliseconds, 0)) ms: "
                + (median < targetMilliseconds ? "met" : "MISSED") + ")")
        print("  recount      from the raw rows (read, decode, tally): \(format(recountMilliseconds, 1)) ms")
    }

    func sqliteVersion(_ database: AppDatabase) async throws -> String {
        try await database.reader.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") } ?? "?"
    }

    func fileSize(_ path: String) -> Int {
        let sizes = [path, path + "-wal"].map { ((try? FileManager.default.attributesOfItem(atPath: $0))?[.size] as? Int) ?? 0 }
        return sizes.reduce(0, +)
    }
}

/// The survey both survey benchmarks use: ten questions of every kind, as
/// a justice department would ask about its public legal services.
enum SurveyBenchmarkData {
    /// Inside the window below.
    static let now = Date(timeIntervalSince1970: 1_796_119_200)  // 2026-12-01T10:00:00Z
    static let opensAt = Date(timeIntervalSince1970: 1_796_054_400)  // 2026-11-30T16:00:00Z
    static let closesAt = Date(timeIntervalSince1970: 1_798_646_400)  // 2026-12-30T16:00:00Z

    static func options(_ pairs: KeyValuePairs<String, String>) -> [ChoiceOption] {
        pairs.map { ChoiceOption(value: $0.key, label: $0.value) }
    }

    static let definition = SurveyDefinition(
        title: "2026年度公共法律服务满意度调查",
        introduction: "为了解群众对公共法律服务的评价和需求，司法厅开展本次调查。问卷匿名填写，约需5分钟，结果将用于改进服务。",
        opensAt: opensAt, closesAt: closesAt, mode: .open, isAnonymous: true,
        questions: [
            SurveyQuestion(
                key: "used", prompt: "过去一年，您是否使用过公共法律服务（法律咨询、法律援助、公证、人民调解等）？", isRequired: true,
                kind: .singleChoice(options: options(["yes": "是", "no": "否"]))),
            SurveyQuestion(
                key: "services", prompt: "您使用过哪些服务？（选一至三项）", isRequired: true,
                condition: QuestionCondition(questionKey: "used", value: "yes"),
                kind: .multipleChoice(
                    options: options([
                        "hotline": "12348热线咨询", "aid": "法律援助", "notary": "公证", "mediation": "人民调解", "online": "网上法律服务平台",
                        "station": "村居法律顾问",
                    ]), minChoices: 1, maxChoices: 3)),
            SurveyQuestion(
                key: "satisfaction", prompt: "您对所接受服务的总体满意度", isRequired: true,
                condition: QuestionCondition(questionKey: "used", value: "yes"),
                kind: .rating(RatingScale(min: 1, max: 5, minLabel: "非常不满意", maxLabel: "非常满意"))),
            SurveyQuestion(
                key: "aspects", prompt: "请评价公共法律服务的以下方面", isRequired: true,
                kind: .matrix(
                    rows: options(["attitude": "工作人员态度", "speed": "办理速度", "professional": "专业水平", "info": "信息公开"]),
                    columns: options(["good": "好", "fair": "一般", "poor": "差"]))),
            SurveyQuestion(
                key: "priorities", prompt: "您认为下列改进事项的优先顺序（最重要的排在最前）",
                kind: .ranking(options: options([
                    "coverage": "扩大法律援助范围", "online": "更多事项网上办理", "hours": "延长服务时间", "rural": "加强农村法律服务",
                    "publicity": "加强普法宣传",
                ]))),
            SurveyQuestion(
                key: "recommend", prompt: "您有多大可能向亲友推荐公共法律服务？",
                kind: .rating(RatingScale(min: 0, max: 10, minLabel: "不可能", maxLabel: "非常可能"))),
            SurveyQuestion(
                key: "age", prompt: "您的年龄段",
                kind: .singleChoice(options: options(["u30": "30岁以下", "30-44": "30至44岁", "45-59": "45至59岁", "60": "60岁及以上"]))),
            SurveyQuestion(
                key: "topics", prompt: "您希望了解哪些方面的法律知识？（可多选，至多四项）",
                kind: .multipleChoice(
                    options: options([
                        "labour": "劳动争议", "family": "婚姻家庭", "traffic": "交通事故", "debt": "借贷纠纷", "housing": "房屋租赁",
                        "consumer": "消费维权",
                    ]), minChoices: 0, maxChoices: 4)),
            SurveyQuestion(key: "suggestion", prompt: "您对公共法律服务最希望改进的一点", kind: .shortText),
            SurveyQuestion(
                key: "experience", prompt: "请具体说说您不满意的经历",
                condition: QuestionCondition(questionKey: "satisfaction", value: "1"), kind: .longText),
        ])

    static let suggestions = [
        "希望周末也能办理公证", "热线经常占线，希望增加接线人员", "法律援助审批太慢", "希望网上平台更简单易用", "村里的法律顾问很少来",
        "希望多开展普法讲座", "材料清单写得更清楚一些", "窗口工作人员态度很好",
    ]
    static let experiences = [
        "去年申请法律援助，材料交了三次才受理，前后等了一个多月，期间没有人告诉我进度。",
        "拨打12348热线咨询劳动仲裁的问题，等了二十分钟才接通，回答也比较笼统，没有解决我的问题。",
        "办理公证时被要求补充一份与本事项无关的证明，来回跑了好几趟。",
    ]

    /// A valid set of answers: conditions respected, optional questions
    /// sometimes skipped, free text now and then.
    static func answers(using rng: inout SplitMix64) -> [String: SurveyAnswer] {
        var answers: [String: SurveyAnswer] = [:]
        for (index, question) in definition.questions.enumerated() {
            guard definition.shownQuestions(given: answers)[index] else { continue }
            if !question.isRequired {
                let skip = question.kind.type == .shortText || question.kind.type == .longText ? 2 : 8  // of 10
                if rng.below(10) < skip { continue }
            }
            switch question.kind {
            case .singleChoice(let options):
                answers[question.key] = .choice(options[rng.below(options.count)].value)
            case .multipleChoice(let options, let minChoices, let maxChoices):
                let count = max(1, minChoices) + rng.below(maxChoices - max(1, minChoices) + 1)
                let chosen = Set(options.shuffled(using: &rng).prefix(count).map(\.value))
                answers[question.key] = .choices(options.map(\.value).filter(chosen.contains))
            case .rating(let scale):
                // Skewed towards the top, as satisfaction surveys are.
                let top = scale.max - rng.below(rng.below(scale.pointCount) + 1)
                answers[question.key] = .rating(top)
            case .shortText:
                answers[question.key] = .text(suggestions[rng.below(suggestions.count)])
            case .longText:
                answers[question.key] = .text(experiences[rng.below(experiences.count)])
            case .ranking(let options):
                answers[question.key] = .ranking(options.shuffled(using: &rng).map(\.value))
            case .matrix(let rows, let columns):
                answers[question.key] = .matrix(
                    Dictionary(uniqueKeysWithValues: rows.map { ($0.value, columns[rng.below(columns.count)].value) }))
            }
        }
        return answers
    }

    /// A staff account, and the survey created and opened by it.
    static func openSurvey(in database: AppDatabase) async throws -> Int64 {
        let user = try await database.accounts.createStaffUser(
            NewStaffUser(
                username: "bench", displayName: "基准测试", role: .admin, department: defaultDepartmentName,
                passwordHash: "$2b$12$benchmark.account.without.a.usable.password.hash.x"),
            actor: .commandLine(osUser: "bench"), at: now)
        let token = UUID().uuidString
        try await database.accounts.startSession(
            userID: user.id, tokenHash: token, csrfToken: token, expiresAt: now.addingTimeInterval(3600), clientAddress: nil,
            userAgent: nil, at: now)
        guard let staff = try await database.accounts.activeSession(tokenHash: token, at: now) else {
            throw ValidationError("could not start a staff session")
        }
        let survey = try await database.surveys.createSurvey(definition, actor: staff, at: now)
        // Opening checks nothing against the word lists (closing does): an empty filter.
        let filter = ContentFilter(
            rules: ModerationRules(
                categories: [:], singleCharacterAction: .flag, personalInformationAction: .flag, allowListFile: nil, contentKinds: [:],
                rejectionReasons: []), lists: [], allowList: [])
        _ = try await database.surveys.changeSurveyState(id: survey.id, to: .open, filter: filter, actor: staff, at: now)
        return survey.id
    }
}

extension SplitMix64: RandomNumberGenerator {}

private func elapsed(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

private func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}
