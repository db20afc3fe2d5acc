import Foundation

/// Running counts of a survey's responses, from which `results()` computes
/// percentages, means and positions.
///
/// Made for the ways storage can work:
/// - **From rows**: start empty, `add` each stored response (100,000
///   responses of a ten-question survey take tens of milliseconds in a
///   release build: counts live in flat integer arrays, and each answer
///   costs one or two dictionary look-ups).
/// - **Incrementally**: keep counter rows (`counters`, one per question
///   and slot) and, in the transaction that stores a response, add its
///   `increments(for:)`; rebuild with `init(definition:responseCount:counters:)`.
///   Counter rows carry no order or time, so they reveal nothing an
///   anonymous survey must hide.
/// - **In parts**: tallies of the same survey `merge`, so several slices
///   of the rows can be counted separately.
///
/// A question counts as *shown* to a respondent when its condition held for
/// that response, and as *answered* when the response has an answer to it;
/// percentages are of those who answered (see `SurveyResults`).
/// Responses are expected as `SurveyAnswering` leaves them; an answer that
/// does not fit the definition (an unknown option) is not counted.
public struct SurveyTally: Sendable, Equatable {
    public private(set) var responseCount: Int
    var counts: [QuestionCounts]
    let plan: [QuestionPlan]

    public init(definition: SurveyDefinition) {
        plan = QuestionPlan.plans(for: definition)
        counts = plan.map { QuestionCounts(slots: $0.slotCount, rows: $0.rowCount) }
        responseCount = 0
    }

    /// Counts one response.
    public mutating func add(_ response: SurveyResponse) { apply(response, delta: 1) }

    /// Takes back a response counted before (one deleted as spam).
    public mutating func remove(_ response: SurveyResponse) { apply(response, delta: -1) }

    /// Adds the counts of another tally of the same definition.
    public mutating func merge(_ other: SurveyTally) {
        precondition(other.plan == plan, "tallies of different survey definitions cannot merge")
        responseCount += other.responseCount
        for index in counts.indices { counts[index].add(other.counts[index]) }
    }

    mutating func apply(_ response: SurveyResponse, delta: Int) {
        responseCount += delta
        let answers = response.answers
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: plan.count) { shown in
            for index in plan.indices {
                let question = plan[index]
                var isShown = true
                if let source = question.conditionSource {
                    isShown = shown[source] && question.conditionHolds(answers[plan[source].key])
                }
                shown[index] = isShown
                guard isShown else { continue }
                counts[index].shown += delta
                guard let answer = answers[question.key], question.count(answer, into: &counts[index], delta: delta) else {
                    continue
                }
                counts[index].answered += delta
            }
        }
    }

    /// Every non-zero counter, in question and slot order.
    public var counters: [TallyCounter] {
        var result: [TallyCounter] = []
        for (question, counts) in zip(plan, counts) {
            func add(_ slot: TallySlot, _ count: Int) {
                if count != 0 { result.append(TallyCounter(questionKey: question.key, slot: slot, count: count)) }
            }
            add(.shown, counts.shown)
            add(.answered, counts.answered)
            for index in counts.slots.indices { add(question.slot(at: index), counts.slots[index]) }
            for (row, count) in zip(question.rowValues, counts.rows) { add(.rowAnswered(row), count) }
        }
        return result
    }

    /// The counters one response adds: what storage adds to its counter
    /// rows in the transaction that stores the response.
    public func increments(for response: SurveyResponse) -> [TallyCounter] {
        var single = self
        single.responseCount = 0
        single.counts = plan.map { QuestionCounts(slots: $0.slotCount, rows: $0.rowCount) }
        single.add(response)
        return single.counters
    }

    /// A tally rebuilt from stored counters. Counters for questions or
    /// slots the definition does not have are ignored.
    public init(definition: SurveyDefinition, responseCount: Int, counters: [TallyCounter]) {
        self.init(definition: definition)
        self.responseCount = responseCount
        let indexByKey = Dictionary(plan.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        for counter in counters {
            guard let index = indexByKey[counter.questionKey] else { continue }
            let question = plan[index]
            switch counter.slot {
            case .shown: counts[index].shown += counter.count
            case .answered: counts[index].answered += counter.count
            case .rowAnswered(let row):
                if let row = question.rowIndex[row] { counts[index].rows[row] += counter.count }
            default:
                if let slot = question.slotIndex(of: counter.slot) { counts[index].slots[slot] += counter.count }
            }
        }
    }
}

/// One stored counter: how many responses fall in one slot of one
/// question.
public struct TallyCounter: Sendable, Codable, Equatable, Hashable {
    public var questionKey: String
    public var slot: TallySlot
    public var count: Int

    public init(questionKey: String, slot: TallySlot, count: Int) {
        self.questionKey = questionKey
        self.slot = slot
        self.count = count
    }
}

/// What a counter counts. `storageKey` is a stable text form for a
/// database column (`option:a`, `rank:b:2`, `cell:r1:c3`); identifiers
/// cannot contain `:`, so it parses back unambiguously.
public enum TallySlot: Sendable, Hashable {
    /// Respondents to whom the question was shown.
    case shown
    /// Respondents who answered it.
    case answered
    /// Chose this option (single and multiple choice).
    case option(String)
    /// Gave this rating.
    case rating(Int)
    /// Put this option in this position (from 1).
    case rank(option: String, position: Int)
    /// Chose this column in this row of a matrix.
    case cell(row: String, column: String)
    /// Answered this row of a matrix.
    case rowAnswered(String)

    public var storageKey: String {
        switch self {
        case .shown: "shown"
        case .answered: "answered"
        case .option(let value): "option:\(value)"
        case .rating(let value): "rating:\(value)"
        case .rank(let option, let position): "rank:\(option):\(position)"
        case .cell(let row, let column): "cell:\(row):\(column)"
        case .rowAnswered(let row): "row:\(row)"
        }
    }

    public init?(storageKey: String) {
        let parts = storageKey.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("shown", 1): self = .shown
        case ("answered", 1): self = .answered
        case ("option", 2): self = .option(parts[1])
        case ("rating", 2):
            guard let value = Int(parts[1]) else { return nil }
            self = .rating(value)
        case ("rank", 3):
            guard let position = Int(parts[2]) else { return nil }
            self = .rank(option: parts[1], position: position)
        case ("cell", 3): self = .cell(row: parts[1], column: parts[2])
        case ("row", 2): self = .rowAnswered(parts[1])
        default: return nil
        }
    }
}

extension TallySlot: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let slot = TallySlot(storageKey: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a tally slot: \(text)"))
        }
        self = slot
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(storageKey)
    }
}

/// The counts of one question.
struct QuestionCounts: Sendable, Equatable {
    var shown = 0
    var answered = 0
    /// Per option, rating value, (option, position) or (row, column); see
    /// `QuestionPlan`.
    var slots: [Int]
    /// Matrix: respondents who answered each row.
    var rows: [Int]

    init(slots: Int, rows: Int) {
        self.slots = Array(repeating: 0, count: slots)
        self.rows = Array(repeating: 0, count: rows)
    }

    mutating func add(_ other: QuestionCounts) {
        shown += other.shown
        answered += other.answered
        for index in slots.indices { slots[index] += other.slots[index] }
        for index in rows.indices { rows[index] += other.rows[index] }
    }
}

/// What a tally needs to know about a question, with its look-up tables
/// built once.
struct QuestionPlan: Sendable, Equatable {
    var key: String
    var prompt: String
    var kind: QuestionKind
    /// The index of the condition's source question.
    var conditionSource: Int?
    var conditionValue: String
    /// The condition's value as a number, when the source is a rating.
    var conditionRating: Int?
    /// Option values (choice, ranking) or column values (matrix) → index.
    var optionIndex: [String: Int]
    var optionValues: [String]
    var rowIndex: [String: Int]
    var rowValues: [String]
    var ratingMin: Int
    var slotCount: Int
    var rowCount: Int { rowValues.count }

    static func plans(for definition: SurveyDefinition) -> [QuestionPlan] {
        var indexByKey: [String: Int] = [:]
        return definition.questions.enumerated().map { index, question in
            let plan = QuestionPlan(question, sourceIndex: question.condition.flatMap { indexByKey[$0.questionKey] })
            if indexByKey[question.key] == nil { indexByKey[question.key] = index }
            return plan
        }
    }

    init(_ question: SurveyQuestion, sourceIndex: Int?) {
        key = question.key
        prompt = question.prompt
        kind = question.kind
        conditionSource = sourceIndex
        conditionValue = question.condition?.value ?? ""
        conditionRating = Int(conditionValue)
        var options: [ChoiceOption] = []
        var rows: [ChoiceOption] = []
        ratingMin = 0
        switch question.kind {
        case .singleChoice(let choices), .multipleChoice(let choices, _, _), .ranking(let choices):
            options = choices
        case .matrix(let matrixRows, let columns):
            options = columns
            rows = matrixRows
        case .rating(let scale):
            ratingMin = scale.min
        case .shortText, .longText:
            break
        }
        optionValues = options.map(\.value)
        optionIndex = Dictionary(options.enumerated().map { ($1.value, $0) }, uniquingKeysWith: { first, _ in first })
        rowValues = rows.map(\.value)
        rowIndex = Dictionary(rows.enumerated().map { ($1.value, $0) }, uniquingKeysWith: { first, _ in first })
        switch question.kind {
        case .singleChoice, .multipleChoice: slotCount = options.count
        case .rating(let scale): slotCount = scale.pointCount
        case .ranking: slotCount = options.count * options.count
        case .matrix: slotCount = rows.count * options.count
        case .shortText, .longText: slotCount = 0
        }
    }

    /// Whether the source question's answer meets this question's condition.
    @inline(__always)
    func conditionHolds(_ answer: SurveyAnswer?) -> Bool {
        switch answer {
        case .choice(let choice)?: choice == conditionValue
        case .choices(let choices)?: choices.contains(conditionValue)
        case .rating(let rating)?: rating == conditionRating
        default: false
        }
    }

    /// Counts an answer; false when it does not fit the question (then it
    /// is not counted as answered either).
    @inline(__always)
    func count(_ answer: SurveyAnswer, into counts: inout QuestionCounts, delta: Int) -> Bool {
        switch (kind, answer) {
        case (.singleChoice, .choice(let value)):
            guard let index = optionIndex[value] else { return false }
            counts.slots[index] += delta
        case (.multipleChoice, .choices(let values)):
            let indices = values.compactMap { optionIndex[$0] }
            guard !indices.isEmpty, indices.count == values.count else { return false }
            for index in indices { counts.slots[index] += delta }
        case (.rating, .rating(let value)):
            let index = value - ratingMin
            guard index >= 0, index < slotCount else { return false }
            counts.slots[index] += delta
        case (.shortText, .text), (.longText, .text):
            break
        case (.ranking, .ranking(let values)):
            let n = optionValues.count
            let indices = values.compactMap { optionIndex[$0] }
            guard indices.count == n, values.count == n else { return false }
            for (position, option) in indices.enumerated() { counts.slots[option * n + position] += delta }
        case (.matrix, .matrix(let cells)):
            let columns = optionValues.count
            var counted = false
            for (row, column) in cells {
                guard let rowIndex = rowIndex[row], let columnIndex = optionIndex[column] else { continue }
                counts.slots[rowIndex * columns + columnIndex] += delta
                counts.rows[rowIndex] += delta
                counted = true
            }
            return counted
        default:
            return false
        }
        return true
    }

    /// The slot stored at `index` of `QuestionCounts.slots`.
    func slot(at index: Int) -> TallySlot {
        switch kind {
        case .singleChoice, .multipleChoice: return .option(optionValues[index])
        case .rating: return .rating(ratingMin + index)
        case .ranking:
            let n = optionValues.count
            return .rank(option: optionValues[index / n], position: index % n + 1)
        case .matrix:
            let columns = optionValues.count
            return .cell(row: rowValues[index / columns], column: optionValues[index % columns])
        case .shortText, .longText: preconditionFailure("text questions have no slots")
        }
    }

    /// Where a stored slot goes in `QuestionCounts.slots`, if this question
    /// has it.
    func slotIndex(of slot: TallySlot) -> Int? {
        switch (kind, slot) {
        case (.singleChoice, .option(let value)), (.multipleChoice, .option(let value)):
            return optionIndex[value]
        case (.rating, .rating(let value)):
            let index = value - ratingMin
            return index >= 0 && index < slotCount ? index : nil
        case (.ranking, .rank(let option, let position)):
            let n = optionValues.count
            guard let index = optionIndex[option], (1...max(1, n)).contains(position) else { return nil }
            return index * n + position - 1
        case (.matrix, .cell(let row, let column)):
            guard let row = rowIndex[row], let column = optionIndex[column] else { return nil }
            return row * optionValues.count + column
        default:
            return nil
        }
    }
}
