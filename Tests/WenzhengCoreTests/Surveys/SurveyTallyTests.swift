import Foundation
import Testing
import WenzhengCore
import WenzhengTestFixtures

@Suite("Survey aggregation")
struct SurveyTallyTests {
    typealias F = SurveyFixtures
    let survey = F.legalAidSurvey()

    static func responses(_ count: Int, seed: UInt64) -> [SurveyResponse] {
        let survey = F.legalAidSurvey()
        var random = FixtureRandom(seed: seed)
        return (0..<count).map { _ in F.randomResponse(to: survey, using: &random) }
    }

    /// The results counted the slow, obvious way, straight from the
    /// responses: the reference the tally must match.
    static func reference(_ survey: SurveyDefinition, _ responses: [SurveyResponse]) -> SurveyResults {
        let shown = responses.map { survey.shownQuestions(given: $0.answers) }
        let questions = survey.questions.enumerated().map { index, question -> QuestionResults in
            let answers = responses.compactMap { $0.answers[question.key] }
            var result = QuestionResults(
                key: question.key, prompt: question.prompt, type: question.kind.type, shown: shown.filter { $0[index] }.count,
                answered: answers.count)
            func option(_ option: ChoiceOption, _ count: Int, of total: Int) -> OptionResult {
                OptionResult(value: option.value, label: option.label, count: count, percent: Percentage(count, of: total))
            }
            switch question.kind {
            case .singleChoice(let options):
                result.options = options.map { o in option(o, answers.filter { $0 == .choice(o.value) }.count, of: answers.count) }
            case .multipleChoice(let options, _, _):
                result.options = options.map { o in
                    option(o, answers.filter { if case .choices(let c) = $0 { c.contains(o.value) } else { false } }.count, of: answers.count)
                }
            case .rating(let scale):
                let values = answers.compactMap { if case .rating(let v) = $0 { v } else { nil } }
                result.options = (scale.min...scale.max).map { point in
                    var label = "\(point)"
                    if point == scale.min, let words = scale.minLabel { label += " " + words }
                    if point == scale.max, let words = scale.maxLabel { label += " " + words }
                    return option(ChoiceOption(value: "\(point)", label: label), values.filter { $0 == point }.count, of: values.count)
                }
                result.mean = Average(sum: values.reduce(0, +), count: values.count)
            case .ranking(let options):
                let orders = answers.compactMap { if case .ranking(let order) = $0 { order } else { nil } }
                result.ranking = options.map { o in
                    let positions = orders.map { $0.firstIndex(of: o.value)! + 1 }
                    return RankingResult(
                        value: o.value, label: o.label, averagePosition: Average(sum: positions.reduce(0, +), count: positions.count),
                        positions: (1...options.count).map { p in positions.filter { $0 == p }.count })
                }
            case .matrix(let rows, let columns):
                let grids = answers.compactMap { if case .matrix(let cells) = $0 { cells } else { nil } }
                result.matrix = rows.map { row in
                    let chosen = grids.compactMap { $0[row.value] }
                    return MatrixRowResult(
                        value: row.value, label: row.label, answered: chosen.count,
                        columns: columns.map { c in option(c, chosen.filter { $0 == c.value }.count, of: chosen.count) })
                }
            case .shortText, .longText:
                break
            }
            return result
        }
        return SurveyResults(responseCount: responses.count, questions: questions)
    }

    @Test("100,000 generated responses to a ten-question survey: the tally matches counting by hand")
    func matchesReferenceOnGeneratedData() {
        #expect(survey.questions.count == 10)
        let responses = Self.responses(100_000, seed: 11)
        var tally = SurveyTally(definition: survey)
        for response in responses { tally.add(response) }
        let results = tally.results()
        let expected = Self.reference(survey, responses)
        #expect(results.responseCount == 100_000)
        for (got, want) in zip(results.questions, expected.questions) {
            #expect(got == want, "\(want.key)")
        }
        // The conditional questions were shown to some and not others.
        let channels = results.questions[1]
        #expect(channels.shown > 0 && channels.shown < 100_000)
        #expect(results.questions[3].shown < channels.shown)
    }

    @Test("a small case by hand: percentages of those who answered, mean, positions and matrix rows")
    func smallCaseByHand() throws {
        let complete = SurveyAnsweringTests.complete
        var answers = [complete, complete, complete]
        answers[0]["satisfaction"] = .rating(5)
        answers[1]["satisfaction"] = .rating(4)
        answers[2]["satisfaction"] = .rating(1)
        answers[2]["reason"] = .text("等太久")
        answers[0]["priorities"] = .ranking(["speed", "quality", "access", "cost"])
        answers[1]["priorities"] = .ranking(["quality", "speed", "access", "cost"])
        answers[2]["aspects"] = .matrix(["staff": "poor", "process": "poor", "info": "fair"])
        let notUsed: [String: SurveyAnswer] = ["used": .choice("no"), "aspects": .matrix(["staff": "good", "process": "good", "info": "good"])]
        var tally = SurveyTally(definition: survey)
        for answers in answers + [notUsed] {
            tally.add(try SurveyAnswering.response(to: survey, answers: answers))
        }
        let results = tally.results()
        #expect(results.responseCount == 4)
        let used = results.questions[0]
        #expect(used.options.map(\.count) == [3, 1])
        #expect(used.options.map(\.percent.description) == ["75.0%", "25.0%"])
        let satisfaction = results.questions[2]
        #expect(satisfaction.shown == 3 && satisfaction.answered == 3)
        #expect(satisfaction.options.map(\.count) == [1, 0, 0, 1, 1])
        #expect(satisfaction.options.first?.label == "1 非常不满意")
        #expect(satisfaction.options.map(\.percent.description) == ["33.3%", "0.0%", "0.0%", "33.3%", "33.3%"])
        #expect(satisfaction.mean?.description == "3.33")
        let reason = results.questions[3]
        #expect(reason.shown == 1 && reason.answered == 1)
        let priorities = results.questions[4]
        #expect(priorities.shown == 4 && priorities.answered == 2)
        #expect(priorities.ranking.map(\.averagePosition?.description) == ["1.50", "1.50", "3.00", "4.00"])
        #expect(priorities.ranking[0].positions == [1, 1, 0, 0])
        let staff = results.questions[5].matrix[0]
        #expect(staff.answered == 4)
        #expect(staff.columns.map(\.count) == [3, 0, 1])
        #expect(results.questions[6].answered == 0)
        #expect(results.questions[6].options.isEmpty)
    }

    @Test("percentages round half up to a tenth, averages to a hundredth, in integers")
    func rounding() {
        #expect(Percentage(1, of: 3).description == "33.3%")
        #expect(Percentage(2, of: 3).description == "66.7%")
        #expect(Percentage(1, of: 8).description == "12.5%")
        #expect(Percentage(1, of: 16).description == "6.3%")
        #expect(Percentage(1, of: 2000).description == "0.1%")
        #expect(Percentage(1, of: 2001).description == "0.0%")
        #expect(Percentage(5, of: 0).description == "0.0%")
        #expect(Percentage(7, of: 7).description == "100.0%")
        #expect(Average(sum: 7, count: 3)?.description == "2.33")
        #expect(Average(sum: 17, count: 8)?.description == "2.13")
        #expect(Average(sum: 1, count: 200)?.description == "0.01")
        #expect(Average(sum: 1, count: 201)?.description == "0.00")
        #expect(Average(sum: 5, count: 0) == nil)
        #expect(Average(sum: 20, count: 2)?.description == "10.00")
    }

    @Test("counters round-trip through storage, and per-response increments add up to the tally")
    func countersRoundTrip() throws {
        let responses = Self.responses(500, seed: 3)
        var tally = SurveyTally(definition: survey)
        var stored: [String: Int] = [:]
        for response in responses {
            tally.add(response)
            for counter in tally.increments(for: response) {
                stored["\(counter.questionKey)|\(counter.slot.storageKey)", default: 0] += counter.count
            }
        }
        let counters = stored.map { key, count in
            let parts = key.split(separator: "|").map(String.init)
            return TallyCounter(questionKey: parts[0], slot: TallySlot(storageKey: parts[1])!, count: count)
        }
        let rebuilt = SurveyTally(definition: survey, responseCount: responses.count, counters: counters)
        #expect(rebuilt == tally)
        #expect(rebuilt.results() == tally.results())
        #expect(Set(tally.counters) == Set(counters))
        let data = try JSONEncoder().encode(tally.counters)
        #expect(try JSONDecoder().decode([TallyCounter].self, from: data) == tally.counters)
    }

    @Test("slots have a stable text form; malformed ones are refused")
    func slotKeys() {
        let slots: [TallySlot] = [
            .shown, .answered, .option("a"), .rating(0), .rank(option: "b", position: 3), .cell(row: "r", column: "c"), .rowAnswered("r"),
        ]
        #expect(slots.map(\.storageKey) == ["shown", "answered", "option:a", "rating:0", "rank:b:3", "cell:r:c", "row:r"])
        for slot in slots { #expect(TallySlot(storageKey: slot.storageKey) == slot) }
        for bad in ["", "option", "rating:x", "rank:b", "rank:b:x", "cell:r", "shown:1", "unknown:1"] {
            #expect(TallySlot(storageKey: bad) == nil, "\(bad)")
        }
    }

    @Test("counters for unknown questions or slots are ignored when rebuilding")
    func unknownCounters() {
        let rebuilt = SurveyTally(definition: survey, responseCount: 1, counters: [
            TallyCounter(questionKey: "gone", slot: .shown, count: 5),
            TallyCounter(questionKey: "used", slot: .option("maybe"), count: 5),
            TallyCounter(questionKey: "used", slot: .rating(3), count: 5),
            TallyCounter(questionKey: "satisfaction", slot: .rating(9), count: 5),
            TallyCounter(questionKey: "priorities", slot: .rank(option: "speed", position: 5), count: 5),
            TallyCounter(questionKey: "aspects", slot: .rowAnswered("lobby"), count: 5),
        ])
        #expect(rebuilt.counters.isEmpty)
    }

    @Test("tallies of slices merge into the tally of the whole; removing takes a response back")
    func mergeAndRemove() {
        let responses = Self.responses(300, seed: 5)
        var whole = SurveyTally(definition: survey)
        var first = SurveyTally(definition: survey)
        var second = SurveyTally(definition: survey)
        for (index, response) in responses.enumerated() {
            whole.add(response)
            if index < 120 { first.add(response) } else { second.add(response) }
        }
        first.merge(second)
        #expect(first == whole)
        for response in responses[120...] { whole.remove(response) }
        var expected = SurveyTally(definition: survey)
        for response in responses[..<120] { expected.add(response) }
        #expect(whole == expected)
    }

    @Test("answers that do not fit the definition are not counted")
    func misfitsIgnored() {
        var tally = SurveyTally(definition: survey)
        tally.add(SurveyResponse(answers: [
            "used": .choice("maybe"), "priorities": .ranking(["speed"]), "age": .rating(3), "recommend": .rating(11),
            "topics": .choices(["labour", "nope"]), "aspects": .matrix(["lobby": "good"]),
        ]))
        let results = tally.results()
        #expect(results.questions.map(\.answered).allSatisfy { $0 == 0 })
        #expect(results.questions[0].shown == 1)
    }
}
