import Foundation

/// A share, rounded to a tenth of a percent.
///
/// Rounding is deterministic and done in integers: `count / total` is
/// rounded half up to the nearest 0.1 % (`1/3` → 33.3 %, `1/8` → 12.5 %,
/// `1/16` = 6.25 % → 6.3 %). Each share is rounded on its own, so the
/// shares of a single choice may add up to 99.9 % or 100.1 %; those of a
/// multiple choice add up to more than 100 % anyway. A share of nothing
/// (no one answered) is 0.
public struct Percentage: FixedPointNumber, Sendable, Hashable, CustomStringConvertible {
    public static let scale = 10
    public var tenths: Int

    public init(tenths: Int) {
        self.tenths = tenths
    }

    public init(_ count: Int, of total: Int) {
        tenths = total > 0 ? (count * 2000 + total) / (2 * total) : 0
    }

    /// `33.3%`.
    public var description: String { "\(tenths / 10).\(tenths % 10)%" }

    /// Thousandths of the whole, for bar lengths.
    public var permille: Int { tenths }

    public var scaledValue: Int { tenths }
    public init(scaledValue: Int) { self.init(tenths: scaledValue) }
}

/// An average, rounded half up to two decimals in integers (`7/3` →
/// 2.33, `2.125` → 2.13). Survey averages are of positive numbers only
/// (ratings from 0, positions from 1).
public struct Average: FixedPointNumber, Sendable, Hashable, CustomStringConvertible {
    public static let scale = 100
    public var hundredths: Int

    public init(hundredths: Int) {
        self.hundredths = hundredths
    }

    /// nil when there is nothing to average.
    public init?(sum: Int, count: Int) {
        guard count > 0 else { return nil }
        hundredths = (sum * 200 + count) / (2 * count)
    }

    /// `2.33`.
    public var description: String {
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public var scaledValue: Int { hundredths }
    public init(scaledValue: Int) { self.init(hundredths: scaledValue) }
}

/// A rounded number kept exactly, as a whole number of 1/`scale`, so
/// results compare and print the same everywhere. JSON carries it as the
/// decimal number a reader expects (33.3, 2.33).
public protocol FixedPointNumber: Codable, Comparable {
    static var scale: Int { get }
    var scaledValue: Int { get }
    init(scaledValue: Int)
}

extension FixedPointNumber {
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(Double.self)
        self.init(scaledValue: Int((value * Double(Self.scale)).rounded()))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Double(scaledValue) / Double(Self.scale))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.scaledValue < rhs.scaledValue }
}

/// The results of a survey, question by question: what the staff page,
/// the charts, the published results and the JSON export show.
public struct SurveyResults: Sendable, Equatable, Codable {
    public var responseCount: Int
    public var questions: [QuestionResults]

    public init(responseCount: Int, questions: [QuestionResults]) {
        self.responseCount = responseCount
        self.questions = questions
    }
}

/// One question's results. Percentages are of `answered`: the respondents
/// who were shown the question and answered it (someone who never saw a
/// conditional question, or skipped an optional one, is not counted
/// against any option).
public struct QuestionResults: Sendable, Equatable, Codable {
    public var key: String
    public var prompt: String
    public var type: QuestionType
    /// Respondents to whom the question was shown.
    public var shown: Int
    /// Of those, respondents who answered.
    public var answered: Int
    /// Choice questions: each option. Rating questions: each point of the
    /// scale (label = the number, with the scale's words at the ends).
    public var options: [OptionResult]
    /// Rating questions: the mean rating.
    public var mean: Average?
    /// Ranking questions: each option, in the survey's order.
    public var ranking: [RankingResult]
    /// Matrix questions: each row.
    public var matrix: [MatrixRowResult]

    public init(
        key: String, prompt: String, type: QuestionType, shown: Int, answered: Int, options: [OptionResult] = [],
        mean: Average? = nil, ranking: [RankingResult] = [], matrix: [MatrixRowResult] = []
    ) {
        self.key = key
        self.prompt = prompt
        self.type = type
        self.shown = shown
        self.answered = answered
        self.options = options
        self.mean = mean
        self.ranking = ranking
        self.matrix = matrix
    }
}

public struct OptionResult: Sendable, Equatable, Codable {
    public var value: String
    public var label: String
    public var count: Int
    public var percent: Percentage

    public init(value: String, label: String, count: Int, percent: Percentage) {
        self.value = value
        self.label = label
        self.count = count
        self.percent = percent
    }
}

public struct RankingResult: Sendable, Equatable, Codable {
    public var value: String
    public var label: String
    /// The mean position (1 = first); nil when no one answered.
    public var averagePosition: Average?
    /// How many put it in each position: `positions[0]` is first place.
    public var positions: [Int]

    public init(value: String, label: String, averagePosition: Average?, positions: [Int]) {
        self.value = value
        self.label = label
        self.averagePosition = averagePosition
        self.positions = positions
    }
}

public struct MatrixRowResult: Sendable, Equatable, Codable {
    public var value: String
    public var label: String
    /// Respondents who answered this row; the columns' percentages are of
    /// this number.
    public var answered: Int
    public var columns: [OptionResult]

    public init(value: String, label: String, answered: Int, columns: [OptionResult]) {
        self.value = value
        self.label = label
        self.answered = answered
        self.columns = columns
    }
}

extension SurveyTally {
    /// The results of the responses counted so far.
    public func results() -> SurveyResults {
        SurveyResults(responseCount: responseCount, questions: zip(plan, counts).map { $0.results($1) })
    }
}

extension QuestionPlan {
    func results(_ counts: QuestionCounts) -> QuestionResults {
        var result = QuestionResults(key: key, prompt: prompt, type: kind.type, shown: counts.shown, answered: counts.answered)
        func options(_ choices: [ChoiceOption], counts slots: ArraySlice<Int>, of total: Int) -> [OptionResult] {
            zip(choices, slots).map { option, count in
                OptionResult(value: option.value, label: option.label, count: count, percent: Percentage(count, of: total))
            }
        }
        switch kind {
        case .singleChoice(let choices), .multipleChoice(let choices, _, _):
            result.options = options(choices, counts: counts.slots[...], of: counts.answered)
        case .rating(let scale):
            let points = (0..<scale.pointCount).map { index -> ChoiceOption in
                let value = scale.min + index
                var label = String(value)
                if index == 0, let words = scale.minLabel { label += " \(words)" }
                if index == scale.pointCount - 1, let words = scale.maxLabel { label += " \(words)" }
                return ChoiceOption(value: String(value), label: label)
            }
            result.options = options(points, counts: counts.slots[...], of: counts.answered)
            let sum = counts.slots.enumerated().reduce(0) { $0 + (scale.min + $1.offset) * $1.element }
            result.mean = Average(sum: sum, count: counts.answered)
        case .ranking(let choices):
            let n = choices.count
            result.ranking = choices.enumerated().map { index, option in
                let positions = Array(counts.slots[index * n..<(index + 1) * n])
                let sum = positions.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
                return RankingResult(
                    value: option.value, label: option.label, averagePosition: Average(sum: sum, count: positions.reduce(0, +)),
                    positions: positions)
            }
        case .matrix(let rows, let columns):
            let width = columns.count
            result.matrix = rows.enumerated().map { index, row in
                let answered = counts.rows[index]
                return MatrixRowResult(
                    value: row.value, label: row.label, answered: answered,
                    columns: options(columns, counts: counts.slots[index * width..<(index + 1) * width], of: answered))
            }
        case .shortText, .longText:
            break
        }
        return result
    }
}
