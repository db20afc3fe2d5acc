import Foundation
import WenzhengCore

/// Shared by the test targets (a library target, `WenzhengTestFixtures`):
/// a realistic survey with every question type and conditions, and tools
/// to generate responses to it.
public enum SurveyFixtures {
    /// 2026-11-01 00:00 in Beijing.
    public static let opensAt = Date(timeIntervalSince1970: 1_793_462_400)
    public static let closesAt = opensAt.addingTimeInterval(30 * 86_400)

    public static func options(_ pairs: KeyValuePairs<String, String>) -> [ChoiceOption] {
        pairs.map { ChoiceOption(value: $0.key, label: $0.value) }
    }

    /// 法律援助服务满意度调查: ten questions, every type, three conditions.
    public static func legalAidSurvey() -> SurveyDefinition {
        SurveyDefinition(
            title: "2026年度法律援助服务满意度调查",
            introduction: "为进一步提升法律援助服务质量，我厅开展本次问卷调查。问卷匿名填写，约需5分钟。",
            opensAt: opensAt, closesAt: closesAt, mode: .open, isAnonymous: true,
            questions: [
                SurveyQuestion(
                    key: "used", prompt: "您是否使用过法律援助服务？", isRequired: true,
                    kind: .singleChoice(options: options(["yes": "是", "no": "否"]))),
                SurveyQuestion(
                    key: "channels", prompt: "您通过哪些渠道了解到法律援助？（最多选三项）", isRequired: true,
                    condition: QuestionCondition(questionKey: "used", value: "yes"),
                    kind: .multipleChoice(
                        options: options(["tv": "电视广播", "web": "政府网站", "wechat": "微信公众号", "friend": "亲友介绍", "community": "社区宣传"]),
                        minChoices: 1, maxChoices: 3)),
                SurveyQuestion(
                    key: "satisfaction", prompt: "您对法律援助服务的总体评价", isRequired: true,
                    condition: QuestionCondition(questionKey: "used", value: "yes"),
                    kind: .rating(RatingScale(min: 1, max: 5, minLabel: "非常不满意", maxLabel: "非常满意"))),
                SurveyQuestion(
                    key: "reason", prompt: "请说明不满意的原因",
                    condition: QuestionCondition(questionKey: "satisfaction", value: "1"), kind: .longText),
                SurveyQuestion(
                    key: "priorities", prompt: "请按重要程度对以下方面排序",
                    kind: .ranking(options: options(["speed": "办理速度", "quality": "服务质量", "access": "申请便利", "cost": "费用减免"]))),
                SurveyQuestion(
                    key: "aspects", prompt: "请评价以下各方面", isRequired: true,
                    kind: .matrix(
                        rows: options(["staff": "工作人员态度", "process": "办理流程", "info": "信息公开"]),
                        columns: options(["good": "好", "fair": "一般", "poor": "差"]))),
                SurveyQuestion(key: "suggestion", prompt: "您的其他意见和建议", kind: .shortText),
                SurveyQuestion(
                    key: "age", prompt: "您的年龄段",
                    kind: .singleChoice(options: options(["u30": "30岁以下", "30-59": "30至59岁", "60": "60岁及以上"]))),
                SurveyQuestion(
                    key: "recommend", prompt: "您有多大可能向亲友推荐法律援助？",
                    kind: .rating(RatingScale(min: 0, max: 10))),
                SurveyQuestion(
                    key: "topics", prompt: "您希望了解哪些法律知识？",
                    kind: .multipleChoice(
                        options: options(["labour": "劳动争议", "family": "婚姻家庭", "traffic": "交通事故", "debt": "借贷纠纷"]),
                        minChoices: 0, maxChoices: 4)),
            ])
    }
}

extension SurveyFixtures {
    /// A random valid response: every shown question answered or skipped
    /// (when optional), conditions respected.
    public static func randomResponse(to definition: SurveyDefinition, using generator: inout FixtureRandom) -> SurveyResponse {
        var answers: [String: SurveyAnswer] = [:]
        for (index, question) in definition.questions.enumerated() {
            guard definition.shownQuestions(given: answers)[index] else { continue }
            if !question.isRequired && Int.random(in: 0..<5, using: &generator) == 0 { continue }
            switch question.kind {
            case .singleChoice(let options):
                answers[question.key] = .choice(options.randomElement(using: &generator)!.value)
            case .multipleChoice(let options, let minChoices, let maxChoices):
                let count = Int.random(in: max(1, minChoices)...maxChoices, using: &generator)
                let chosen = Set(options.shuffled(using: &generator).prefix(count).map(\.value))
                answers[question.key] = .choices(options.map(\.value).filter(chosen.contains))
            case .rating(let scale):
                answers[question.key] = .rating(Int.random(in: scale.min...scale.max, using: &generator))
            case .shortText, .longText:
                answers[question.key] = .text("意见\(Int.random(in: 0..<1000, using: &generator))")
            case .ranking(let options):
                answers[question.key] = .ranking(options.shuffled(using: &generator).map(\.value))
            case .matrix(let rows, let columns):
                var cells: [String: String] = [:]
                for row in rows { cells[row.value] = columns.randomElement(using: &generator)!.value }
                answers[question.key] = .matrix(cells)
            }
        }
        return SurveyResponse(answers: answers)
    }
}
