import Foundation
import Testing
import WenzhengCore
import WenzhengTestFixtures

@Suite("Survey builder validation")
struct SurveyBuilderTests {
    typealias F = SurveyFixtures

    func errors(_ change: (inout SurveyDefinition) -> Void) -> [FieldError] {
        var definition = F.legalAidSurvey()
        change(&definition)
        return SurveyBuilder.errors(in: definition)
    }

    func fields(_ errors: [FieldError]) -> [String] { errors.map(\.field) }

    @Test("the realistic survey is valid, and text is trimmed")
    func valid() throws {
        #expect(SurveyBuilder.errors(in: F.legalAidSurvey()).isEmpty)
        var definition = F.legalAidSurvey()
        definition.title = "  \u{3000}调查\n"
        definition.questions[0].prompt = " 是否？ "
        definition.questions[0].kind = .singleChoice(options: [.init(value: " yes ", label: " 是 "), .init(value: "no", label: "否")])
        let checked = try SurveyBuilder.validated(definition)
        #expect(checked.title == "调查")
        #expect(checked.questions[0].prompt == "是否？")
        #expect(checked.questions[0].kind.options.first == ChoiceOption(value: "yes", label: "是"))
    }

    @Test("every error is reported at once, with its field path")
    func everyErrorAtOnce() {
        let found = errors {
            $0.title = " "
            $0.closesAt = $0.opensAt
            $0.questions[2].prompt = ""
            $0.questions[4].kind = .ranking(options: [.init(value: "a", label: "甲"), .init(value: "a", label: "乙")])
            $0.questions[7].kind = .singleChoice(options: [.init(value: "x", label: "同"), .init(value: "y", label: "同")])
        }
        #expect(
            fields(found) == [
                "title", "closesAt", "questions[2].prompt", "questions[4].options[1].value", "questions[7].options[1].label",
            ])
        #expect(found.map(\.code) == ["required", "before_opening", "required", "duplicate", "duplicate"])
    }

    @Test("keys: required, identifier characters only, no duplicates")
    func keys() {
        let found = errors {
            $0.questions[1].key = ""
            $0.questions[3].key = "q.1"
            $0.questions[6].key = "used"
            $0.questions[7].key = "年龄"
            $0.questions[8].key = String(repeating: "k", count: SurveyRules.identifierMaxLength + 1)
        }
        #expect(
            fields(found).filter { $0.hasSuffix(".key") } == [
                "questions[1].key", "questions[3].key", "questions[6].key", "questions[7].key", "questions[8].key",
            ])
        #expect(found.first { $0.field == "questions[6].key" }?.code == "duplicate")
        #expect(SurveyRules.isValidIdentifier("age_30-59"))
        for bad in ["", "a b", "a:b", "a.b", "ａ", "e\u{0301}", "q\u{200D}"] {
            #expect(!SurveyRules.isValidIdentifier(bad), "\(bad)")
        }
    }

    @Test("multiple choice bounds: min ≤ max ≤ options, max ≥ 1, min ≥ 0")
    func choiceBounds() {
        let options = F.options(["a": "甲", "b": "乙", "c": "丙"])
        func bounds(_ minChoices: Int, _ maxChoices: Int) -> [String] {
            fields(errors { $0.questions[9].kind = .multipleChoice(options: options, minChoices: minChoices, maxChoices: maxChoices) })
        }
        #expect(bounds(0, 3).isEmpty)
        #expect(bounds(3, 3).isEmpty)
        #expect(bounds(3, 2) == ["questions[9].minChoices"])
        #expect(bounds(0, 4) == ["questions[9].maxChoices"])
        #expect(bounds(-1, 2) == ["questions[9].minChoices"])
        #expect(bounds(0, 0) == ["questions[9].maxChoices"])
    }

    @Test("too many or too few options, rows and columns")
    func optionCounts() {
        let many = (0...SurveyRules.maxOptions).map { ChoiceOption(value: "o\($0)", label: "选项\($0)") }
        #expect(
            errors { $0.questions[7].kind = .singleChoice(options: many) }.map(\.code) == ["too_many"])
        #expect(
            errors { $0.questions[7].kind = .singleChoice(options: [.init(value: "a", label: "唯一")]) }.map(\.code) == ["too_few"])
        #expect(
            fields(errors { $0.questions[4].kind = .ranking(options: Array(many.prefix(SurveyRules.maxRankingOptions + 1))) })
                == ["questions[4].options"])
        #expect(
            fields(errors { $0.questions[5].kind = .matrix(rows: [], columns: F.options(["a": "好"])) })
                == ["questions[5].rows", "questions[5].columns"])
        #expect(
            fields(errors { $0.questions[0].kind = .singleChoice(options: []) }) == ["questions[0].options", "questions[1].condition.value", "questions[2].condition.value"])
    }

    @Test("option values and labels are checked one by one")
    func optionFields() {
        let found = errors {
            $0.questions[7].kind = .singleChoice(options: [
                .init(value: "", label: "空值"), .init(value: "ok", label: ""), .init(value: "bad value", label: "坏"),
                .init(value: "long", label: String(repeating: "长", count: SurveyRules.optionLabelMaxLength + 1)),
            ])
        }
        #expect(
            fields(found) == [
                "questions[7].options[0].value", "questions[7].options[1].label", "questions[7].options[2].value",
                "questions[7].options[3].label",
            ])
        #expect(found.map(\.code) == ["required", "required", "invalid", "too_long"])
    }

    @Test("rating scales: ends in 0…10, min below max, short end labels")
    func ratingScales() {
        func scale(_ scale: RatingScale) -> [FieldError] { errors { $0.questions[8].kind = .rating(scale) } }
        #expect(scale(RatingScale(min: 0, max: 10)).isEmpty)
        #expect(fields(scale(RatingScale(min: 5, max: 5))) == ["questions[8].scale.min"])
        #expect(fields(scale(RatingScale(min: -1, max: 11))) == ["questions[8].scale.min", "questions[8].scale.max"])
        #expect(
            fields(scale(RatingScale(min: 1, max: 5, minLabel: String(repeating: "差", count: 41)))) == ["questions[8].scale.minLabel"])
    }

    @Test("lengths count Unicode scalars: a CJK character is one, a combining mark is one more")
    func lengthsInScalars() {
        #expect(errors { $0.title = String(repeating: "调", count: SurveyRules.titleMaxLength) }.isEmpty)
        #expect(fields(errors { $0.title = String(repeating: "调", count: SurveyRules.titleMaxLength + 1) }) == ["title"])
        // 60 characters that are 120 scalars: at the limit; one more mark is over.
        let marked = String(repeating: "e\u{0301}", count: SurveyRules.titleMaxLength / 2)
        #expect(marked.count == 60)
        #expect(errors { $0.title = marked }.isEmpty)
        #expect(fields(errors { $0.title = marked + "\u{0301}" }) == ["title"])
        #expect(fields(errors { $0.introduction = String(repeating: "介", count: SurveyRules.introductionMaxLength + 1) }) == ["introduction"])
        #expect(fields(errors { $0.questions[0].prompt = String(repeating: "问", count: SurveyRules.promptMaxLength + 1) }) == ["questions[0].prompt"])
    }

    @Test("no questions, or too many")
    func questionCount() {
        #expect(fields(errors { $0.questions = [] }) == ["questions"])
        let many = (0...SurveyRules.maxQuestions).map { SurveyQuestion(key: "q\($0)", prompt: "问题\($0)", kind: .shortText) }
        #expect(errors { $0.questions = many }.map(\.code) == ["too_many"])
    }

    @Test("conditions refer only to earlier questions: later, own and unknown keys are refused")
    func conditionReferences() {
        let later = errors { $0.questions[1].condition = QuestionCondition(questionKey: "age", value: "u30") }
        #expect(later.map(\.field) == ["questions[1].condition.questionKey"])
        #expect(later.map(\.code) == ["forward_reference"])
        let own = errors { $0.questions[7].condition = QuestionCondition(questionKey: "age", value: "u30") }
        #expect(own.map(\.code) == ["forward_reference"])
        let unknown = errors { $0.questions[7].condition = QuestionCondition(questionKey: "nothing", value: "x") }
        #expect(unknown.map(\.code) == ["unknown_question"])
        // A cycle needs a forward reference somewhere, so it is refused too.
        let cycle = errors {
            $0.questions[0].condition = QuestionCondition(questionKey: "age", value: "u30")
            $0.questions[7].condition = QuestionCondition(questionKey: "used", value: "yes")
        }
        #expect(cycle.map(\.code) == ["forward_reference"])
    }

    @Test("conditions name an option the earlier question has, and depend only on choices and ratings")
    func conditionValues() {
        let option = errors { $0.questions[1].condition = QuestionCondition(questionKey: "used", value: "maybe") }
        #expect(option.map(\.field) == ["questions[1].condition.value"])
        #expect(option.map(\.code) == ["unknown_option"])
        #expect(errors { $0.questions[3].condition = QuestionCondition(questionKey: "satisfaction", value: "5") }.isEmpty)
        #expect(
            errors { $0.questions[3].condition = QuestionCondition(questionKey: "satisfaction", value: "6") }.map(\.code) == ["unknown_option"])
        #expect(
            errors { $0.questions[3].condition = QuestionCondition(questionKey: "satisfaction", value: "x") }.map(\.code) == ["unknown_option"])
        #expect(
            errors { $0.questions[9].condition = QuestionCondition(questionKey: "channels", value: "web") }.isEmpty)
        for source in ["reason", "priorities", "aspects", "suggestion"] {
            let found = errors { $0.questions[9].condition = QuestionCondition(questionKey: source, value: "x") }
            #expect(found.map(\.code) == ["unsupported_condition"], "\(source)")
        }
    }

    @Test("definitions round-trip through JSON in the builder's flat shape")
    func codable() throws {
        let definition = F.legalAidSurvey()
        let data = try JSONEncoder().encode(definition)
        #expect(try JSONDecoder().decode(SurveyDefinition.self, from: data) == definition)
        let kind = try JSONDecoder().decode(
            QuestionKind.self,
            from: Data(#"{"type":"multiple_choice","options":[{"value":"a","label":"甲"}],"minChoices":0,"maxChoices":1}"#.utf8))
        #expect(kind == .multipleChoice(options: [.init(value: "a", label: "甲")], minChoices: 0, maxChoices: 1))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(QuestionKind.self, from: Data(#"{"type":"essay"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(QuestionKind.self, from: Data(#"{"type":"matrix","rows":[]}"#.utf8)) }
    }
}
