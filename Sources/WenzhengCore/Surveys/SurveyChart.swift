/// Bar charts of a question's results (`SVGBarChart`), for the staff
/// results page, the published results and printing.
///
/// - Choices and ratings: one bar per option or point, as long as its
///   share of those who answered, with `count (percent)`.
/// - Ranking: one bar per option, longest for the best (lowest) average
///   position: length = (n + 1 − average) / n.
/// - Matrix: a group of bars per row.
/// - Text questions have no chart (nil): their answers are read, after
///   moderation, not counted.
public enum SurveyChart {
    public static func chart(for result: QuestionResults, language: Language) -> SVGBarChart? {
        let caption = answeredCaption(result.answered, language: language)
        switch result.type {
        case .singleChoice, .multipleChoice:
            return SVGBarChart(title: result.prompt, caption: caption, groups: [.init(heading: nil, bars: result.options.map(bar))])
        case .rating:
            var fullCaption = caption
            if let mean = result.mean { fullCaption += language == .zh ? "，平均 \(mean)" : ", mean \(mean)" }
            return SVGBarChart(title: result.prompt, caption: fullCaption, groups: [.init(heading: nil, bars: result.options.map(bar))])
        case .ranking:
            let n = result.ranking.count
            let bars = result.ranking.map { option -> SVGBarChart.Bar in
                guard let average = option.averagePosition, n > 0 else {
                    return .init(label: option.label, lengthPermille: 0, valueText: "—")
                }
                // (n + 1 − average) / n, in thousandths, rounded half up.
                let permille = ((n + 1) * 100 - average.hundredths) * 20 / n
                let text = language == .zh ? "平均名次 \(average)" : "average position \(average)"
                return .init(label: option.label, lengthPermille: (permille + 1) / 2, valueText: text)
            }
            return SVGBarChart(title: result.prompt, caption: caption, groups: [.init(heading: nil, bars: bars)])
        case .matrix:
            let groups = result.matrix.map { row in
                SVGBarChart.Group(heading: row.label, bars: row.columns.map(bar))
            }
            return SVGBarChart(title: result.prompt, caption: caption, groups: groups)
        case .shortText, .longText:
            return nil
        }
    }

    static func bar(_ option: OptionResult) -> SVGBarChart.Bar {
        .init(label: option.label, lengthPermille: option.percent.permille, valueText: "\(option.count) (\(option.percent))")
    }

    static func answeredCaption(_ count: Int, language: Language) -> String {
        language == .zh ? "\(count) 人回答" : (count == 1 ? "1 answer" : "\(count) answers")
    }
}
