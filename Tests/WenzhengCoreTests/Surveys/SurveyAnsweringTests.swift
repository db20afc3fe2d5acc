import Foundation
import Testing
import WenzhengCore
import WenzhengTestFixtures

@Suite("Answering a survey")
struct SurveyAnsweringTests {
    typealias F = SurveyFixtures
    let survey = F.legalAidSurvey()

    /// A complete, valid set of answers for someone who used legal aid.
    static let complete: [String: SurveyAnswer] = [
        "used": .choice("yes"),
        "channels": .choices(["web", "tv"]),
        "satisfaction": .rating(4),
        "aspects": .matrix(["staff": "good", "process": "fair", "info": "good"]),
    ]

    func failure(_ answers: [String: SurveyAnswer]) -> [FieldError] {
        do {
            _ = try SurveyAnswering.response(to: survey, answers: answers)
            return []
        } catch {
            return error.errors
        }
    }

    func failure(form: [(name: String, value: String)]) -> [FieldError] {
        do {
            _ = try SurveyAnswering.response(to: survey, form: form)
            return []
        } catch {
            return error.errors
        }
    }

    func with(_ changes: [String: SurveyAnswer?]) -> [String: SurveyAnswer] {
        var answers = Self.complete
        for (key, value) in changes { answers[key] = value }
        return answers
    }

    @Test("a valid response is normalized: choices in option order, text trimmed")
    func normalized() throws {
        let response = try SurveyAnswering.response(
            to: survey, answers: with(["suggestion": .text("  希望延长周末服务时间 \n"), "topics": .choices(["debt", "labour", "debt"])]))
        #expect(response.answers["channels"] == .choices(["tv", "web"]))
        #expect(response.answers["suggestion"] == .text("希望延长周末服务时间"))
        #expect(response.answers["topics"] == .choices(["labour", "debt"]))
        #expect(response.answers.count == 6)
    }

    @Test("required questions must be answered, but only when shown")
    func requiredWhenShown() {
        #expect(failure(with(["satisfaction": nil])).map(\.field) == ["q_satisfaction"])
        #expect(failure(with(["satisfaction": nil])).map(\.code) == ["required"])
        // Someone who never used legal aid is not asked about it.
        let notUsed: [String: SurveyAnswer] = ["used": .choice("no"), "aspects": Self.complete["aspects"]!]
        #expect(failure(notUsed).isEmpty)
        #expect(failure([:]).map(\.field) == ["q_used", "q_aspects"])
        // A matrix answered in part names the rows left out.
        #expect(failure(with(["aspects": .matrix(["staff": "good"])])).map(\.field) == ["q_aspects.process", "q_aspects.info"])
    }

    @Test("answers to hidden questions are dropped, not refused")
    func hiddenAnswersDropped() throws {
        let response = try SurveyAnswering.response(to: survey, answers: [
            "used": .choice("no"),
            "channels": .choices(["tv", "nonsense"]),  // hidden: not even checked
            "satisfaction": .rating(1),
            "reason": .text("hidden twice over"),
            "aspects": Self.complete["aspects"]!,
        ])
        #expect(response.answers.keys.sorted() == ["aspects", "used"])
    }

    @Test("a condition on a rating, and a chain of conditions")
    func conditionChain() throws {
        let unhappy = try SurveyAnswering.response(to: survey, answers: with(["satisfaction": .rating(1), "reason": .text("等待时间过长")]))
        #expect(unhappy.answers["reason"] == .text("等待时间过长"))
        let happy = try SurveyAnswering.response(to: survey, answers: with(["satisfaction": .rating(5), "reason": .text("无")]))
        #expect(happy.answers["reason"] == nil)
        #expect(survey.shownQuestions(given: ["used": .choice("no"), "satisfaction": .rating(1)])[3] == false)
        #expect(survey.shownQuestions(given: ["used": .choice("yes"), "satisfaction": .rating(1)])[3] == true)
    }

    @Test("unknown questions and options are errors naming the field")
    func unknowns() {
        let found = failure(with(["nickname": .text("张三"), "used": .choice("perhaps")]))
        #expect(found.map(\.field) == ["q_nickname", "q_used"])
        #expect(found.map(\.code) == ["unknown_question", "unknown_option"])
        let choices = failure(with(["channels": .choices(["web", "radio"])]))
        #expect(choices.map(\.code) == ["unknown_option"])
        #expect(choices.first?.message.contains("radio") == true)
    }

    @Test("too few and too many choices")
    func choiceCounts() {
        #expect(failure(with(["channels": .choices(["web", "tv", "friend", "community"])])).map(\.code) == ["too_many_choices"])
        // An empty selection of a required multiple choice is unanswered.
        #expect(failure(with(["channels": .choices([])])).map(\.code) == ["required"])
        var survey = self.survey
        survey.questions[9].kind = .multipleChoice(options: F.options(["a": "甲", "b": "乙", "c": "丙"]), minChoices: 2, maxChoices: 3)
        #expect(throws: ValidationFailure([FieldError(field: "q_topics", code: "too_few_choices", message: "choose at least 2 options for q_topics")])) {
            try SurveyAnswering.response(to: survey, answers: with(["topics": .choices(["a"])]))
        }
        // Optional and left empty is fine, even with a minimum.
        #expect(throws: Never.self) { try SurveyAnswering.response(to: survey, answers: with(["topics": .choices([])])) }
    }

    @Test("ratings in range")
    func ratings() {
        #expect(failure(with(["satisfaction": .rating(0)])).map(\.code) == ["out_of_range"])
        #expect(failure(with(["satisfaction": .rating(6)])).map(\.code) == ["out_of_range"])
        #expect(failure(with(["recommend": .rating(0)])).isEmpty)
        #expect(failure(with(["recommend": .rating(10)])).isEmpty)
        #expect(failure(with(["recommend": .rating(Int.min)])).map(\.code) == ["out_of_range"])
    }

    @Test("text limits count scalars; CRLF counts as one line end; blank is unanswered")
    func textLimits() throws {
        let short = String(repeating: "字", count: SurveyRules.shortTextMaxLength)
        #expect(failure(with(["suggestion": .text(short)])).isEmpty)
        #expect(failure(with(["suggestion": .text(short + "字")])).map(\.code) == ["too_long"])
        let long = String(repeating: "段\r\n", count: SurveyRules.longTextMaxLength / 2)
        let unhappy = with(["satisfaction": .rating(1)])
        var answers = unhappy
        answers["reason"] = .text(long)
        #expect(failure(answers).isEmpty)
        answers["reason"] = .text(long + "多")
        #expect(failure(answers).map(\.code) == ["too_long"])
        answers["reason"] = .text(" \u{3000}\n")
        #expect(try SurveyAnswering.response(to: survey, answers: answers).answers["reason"] == nil)
        #expect(SurveyAnswering.cleanText("a\r\nb\rc\nd\u{0}e\u{7F}\u{1B}f", singleLine: false) == "a\nb\nc\ndef")
        #expect(SurveyAnswering.cleanText("a\r\nb\tc", singleLine: true) == "a b c")
    }

    @Test("a ranking must put every option in a position, each once")
    func rankings() {
        #expect(failure(with(["priorities": .ranking(["cost", "speed", "access", "quality"])])).isEmpty)
        for bad in [["cost", "speed", "access"], ["cost", "speed", "access", "access"], ["cost", "speed", "access", "quality", "cost"]] {
            #expect(failure(with(["priorities": .ranking(bad)])).map(\.code) == ["not_a_permutation"], "\(bad)")
        }
        #expect(failure(with(["priorities": .ranking(["cost", "speed", "access", "price"])])).map(\.code) == ["unknown_option"])
    }

    @Test("a matrix takes one known column in each known row; a required one needs every row")
    func matrices() {
        let found = failure(with(["aspects": .matrix(["staff": "good", "process": "excellent", "lobby": "good"])]))
        #expect(found.map(\.field) == ["q_aspects.lobby", "q_aspects.process", "q_aspects.info"])
        #expect(found.map(\.code) == ["unknown_row", "unknown_option", "required"])
    }

    @Test("an answer of the wrong kind is invalid")
    func wrongKind() {
        let found = failure(with(["used": .choices(["yes"]), "satisfaction": .text("4")]))
        #expect(found.map(\.code) == ["invalid", "invalid"])
        #expect(found.map(\.field) == ["q_used", "q_satisfaction"])
    }

    @Test("answers round-trip through JSON as one-member objects")
    func codable() throws {
        let data = try JSONEncoder().encode(Self.complete)
        #expect(try JSONDecoder().decode([String: SurveyAnswer].self, from: data) == Self.complete)
        #expect(try JSONDecoder().decode(SurveyAnswer.self, from: Data(#"{"rating":3}"#.utf8)) == .rating(3))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SurveyAnswer.self, from: Data(#"{"rating":3,"text":"x"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SurveyAnswer.self, from: Data(#"{}"#.utf8)) }
    }
}

@Suite("Answering a survey from a plain HTML form")
struct SurveyFormTests {
    let survey = SurveyFixtures.legalAidSurvey()

    static let complete: [(name: String, value: String)] = [
        ("csrf", "abc"), ("q_used", "yes"), ("q_channels", "web"), ("q_channels", "tv"), ("q_satisfaction", "4"),
        ("q_reason", ""), ("q_priorities.1", "cost"), ("q_priorities.2", "speed"), ("q_priorities.3", "access"),
        ("q_priorities.4", "quality"), ("q_aspects.staff", "good"), ("q_aspects.process", "fair"), ("q_aspects.info", "poor"),
        ("q_suggestion", "  多设服务点  "), ("q_age", ""), ("q_recommend", "9"), ("submit", "提交"),
    ]

    func failure(_ form: [(name: String, value: String)]) -> [FieldError] {
        do {
            _ = try SurveyAnswering.response(to: survey, form: form)
            return []
        } catch {
            return error.errors
        }
    }

    func replacing(_ name: String, with values: [String]) -> [(name: String, value: String)] {
        Self.complete.filter { $0.name != name } + values.map { (name, $0) }
    }

    @Test("every basic type works as plain form fields")
    func plainForm() throws {
        let response = try SurveyAnswering.response(to: survey, form: Self.complete)
        #expect(
            response.answers == [
                "used": .choice("yes"), "channels": .choices(["tv", "web"]), "satisfaction": .rating(4),
                "priorities": .ranking(["cost", "speed", "access", "quality"]),
                "aspects": .matrix(["staff": "good", "process": "fair", "info": "poor"]), "suggestion": .text("多设服务点"),
                "recommend": .rating(9),
            ])
    }

    @Test("a ranking can also come as the field repeated in order")
    func rankingInOrder() throws {
        let form = Self.complete.filter { !$0.name.hasPrefix("q_priorities") }
            + ["quality", "access", "speed", "cost"].map { ("q_priorities", $0) }
        #expect(try SurveyAnswering.response(to: survey, form: form).answers["priorities"] == .ranking(["quality", "access", "speed", "cost"]))
    }

    @Test("a ranking with positions left blank, repeated or out of range is refused")
    func rankingPositions() {
        let blank = Self.complete.map { $0.name == "q_priorities.4" ? ($0.name, "") : $0 }
        #expect(failure(blank).map(\.code) == ["not_a_permutation"])
        let repeated = Self.complete.map { $0.name == "q_priorities.4" ? ($0.name, "cost") : $0 }
        #expect(failure(repeated).map(\.code) == ["not_a_permutation"])
        for position in ["0", "5", "x", "01x", "1e3"] {
            let form = Self.complete + [("q_priorities.\(position)", "cost")]
            #expect(failure(form).map(\.field) == ["q_priorities.\(position)"], "\(position)")
        }
    }

    @Test("unknown fields that look like answers are errors; other fields are ignored")
    func unknownFields() {
        let found = failure(Self.complete + [("q_nickname", "张三"), ("q_nickname", "李四"), ("q_used.extra", "x"), ("token", "t")])
        #expect(found.map(\.field) == ["q_nickname", "q_used.extra"])
        #expect(found.map(\.code) == ["unknown_question", "unknown_question"])
    }

    @Test("a single choice or a rating sent twice, or a rating that is not a number")
    func repeatedSingleValues() {
        #expect(failure(replacing("q_used", with: ["yes", "no"])).map(\.code) == ["too_many_choices"])
        #expect(failure(replacing("q_recommend", with: ["3", "4"])).map(\.code) == ["invalid"])
        for bad in ["4.5", "-1", "４", "1e1", "99999999999999999999", " 4a"] {
            #expect(failure(replacing("q_recommend", with: [bad])).map(\.field) == ["q_recommend"], "\(bad)")
        }
        #expect(failure(replacing("q_suggestion", with: ["一", "二"])).map(\.code) == ["invalid"])
    }

    @Test("a matrix row answered twice, or the matrix sent without a row")
    func matrixFields() {
        #expect(failure(Self.complete + [("q_aspects.staff", "poor")]).map(\.field) == ["q_aspects.staff"])
        #expect(failure(Self.complete + [("q_aspects", "good")]).map(\.field) == ["q_aspects"])
    }

    @Test("hostile values: huge fields and unknown option values are refused, not crashed on")
    func hostileValues() {
        let huge = String(repeating: "a", count: SurveyRules.formValueMaxLength + 1)
        #expect(failure(replacing("q_suggestion", with: [huge])).map(\.code) == ["too_long"])
        #expect(failure(replacing("q_used", with: ["yes\u{0301}"])).map(\.code) == ["unknown_option"])
        #expect(failure(replacing("q_used", with: ["<script>"])).map(\.code) == ["unknown_option"])
        #expect(failure([("q_", "x")]).first?.code == "unknown_question")
        #expect(failure([("q_.", "x")]).first?.code == "unknown_question")
    }
}
