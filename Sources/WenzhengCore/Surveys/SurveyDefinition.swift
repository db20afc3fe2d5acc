import Foundation

/// A survey (民意征集 / 征集调查) as staff build it: what citizens see and
/// answer, and how one response per person is ensured. Storage keeps it as
/// JSON; `SurveyBuilder.validated(_:)` checks it before it is saved.
public struct SurveyDefinition: Sendable, Codable, Equatable {
    public var title: String
    /// Shown above the questions: why the office asks, how answers are used.
    public var introduction: String
    /// Answers are accepted from this instant …
    public var opensAt: Date
    /// … up to, not including, this one.
    public var closesAt: Date
    public var mode: SurveyMode
    /// Answers cannot be traced back to a browser, token or address once
    /// the duplicate check is done (see `SurveyAnonymity`).
    public var isAnonymous: Bool
    public var questions: [SurveyQuestion]

    public init(
        title: String, introduction: String, opensAt: Date, closesAt: Date, mode: SurveyMode, isAnonymous: Bool,
        questions: [SurveyQuestion]
    ) {
        self.title = title
        self.introduction = introduction
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.mode = mode
        self.isAnonymous = isAnonymous
        self.questions = questions
    }

    public var window: ParticipationWindow { ParticipationWindow(opensAt: opensAt, closesAt: closesAt) }

    public func question(withKey key: String) -> SurveyQuestion? {
        questions.first { $0.key == key }
    }
}

/// How the survey makes sure each person answers once.
public enum SurveyMode: String, Sendable, Codable, CaseIterable {
    /// Anyone may answer; a random token kept in the browser (a cookie)
    /// and a per-address rate limit stop repeat responses.
    case open
    /// A closed sample: each person gets a single-use token
    /// (`wenzheng survey tokens ID --count N`), as LimeSurvey's participant
    /// tables do; a response without a valid unused token is refused.
    case invitation
}

/// One question.
public struct SurveyQuestion: Sendable, Codable, Equatable {
    /// Stable identifier within the survey: form fields are named
    /// `q_<key>`, conditions and exports refer to it. ASCII letters, digits,
    /// `_` and `-` (see `SurveyRules.isValidIdentifier`).
    public var key: String
    public var prompt: String
    public var isRequired: Bool
    /// Shown only when an earlier question's answer has a given value.
    public var condition: QuestionCondition?
    public var kind: QuestionKind

    public init(key: String, prompt: String, isRequired: Bool = false, condition: QuestionCondition? = nil, kind: QuestionKind) {
        self.key = key
        self.prompt = prompt
        self.isRequired = isRequired
        self.condition = condition
        self.kind = kind
    }
}

/// A choice a citizen can pick: in a choice question, a ranking, or a
/// matrix's rows and columns.
public struct ChoiceOption: Sendable, Codable, Equatable, Hashable {
    /// What the form submits and exports write: stable when the label's
    /// wording is corrected. Same character set as question keys.
    public var value: String
    public var label: String

    public init(value: String, label: String) {
        self.value = value
        self.label = label
    }
}

/// A rating scale such as 1 to 5, with optional words for its ends
/// (非常不满意 … 非常满意).
public struct RatingScale: Sendable, Codable, Equatable {
    public var min: Int
    public var max: Int
    public var minLabel: String?
    public var maxLabel: String?

    public init(min: Int, max: Int, minLabel: String? = nil, maxLabel: String? = nil) {
        self.min = min
        self.max = max
        self.minLabel = minLabel
        self.maxLabel = maxLabel
    }

    /// The number of points; zero when the scale is inverted.
    public var pointCount: Int { Swift.max(0, max - min + 1) }
}

/// "Show this question only when question `questionKey` was answered with
/// `value`": the selected option of a single choice, one of the selected
/// options of a multiple choice, or the number of a rating (`"4"`). Only
/// earlier questions may be referred to, so conditions can never form a
/// cycle, and a page can decide visibility top to bottom in one pass.
public struct QuestionCondition: Sendable, Codable, Equatable {
    public var questionKey: String
    public var value: String

    public init(questionKey: String, value: String) {
        self.questionKey = questionKey
        self.value = value
    }
}

/// The type of a question, as a stable string for JSON and forms.
public enum QuestionType: String, Sendable, Codable, CaseIterable {
    case singleChoice = "single_choice"
    case multipleChoice = "multiple_choice"
    case rating
    case shortText = "short_text"
    case longText = "long_text"
    case ranking
    case matrix

    /// Whether another question's condition may depend on this one's
    /// answer: only answers with a small fixed set of values.
    public var canBeConditionSource: Bool {
        self == .singleChoice || self == .multipleChoice || self == .rating
    }
}

/// What a question asks for, with what it needs to know.
public enum QuestionKind: Sendable, Equatable {
    /// One option (radio buttons).
    case singleChoice(options: [ChoiceOption])
    /// Between `minChoices` and `maxChoices` options (check boxes). The
    /// bounds apply when the question is answered; `isRequired` says
    /// whether it must be.
    case multipleChoice(options: [ChoiceOption], minChoices: Int, maxChoices: Int)
    case rating(RatingScale)
    /// One line (`SurveyRules.shortTextMaxLength`).
    case shortText
    /// Paragraphs (`SurveyRules.longTextMaxLength`).
    case longText
    /// Every option put in order, first = most important.
    case ranking(options: [ChoiceOption])
    /// One column chosen in each row (a grid of radio buttons).
    case matrix(rows: [ChoiceOption], columns: [ChoiceOption])

    public var type: QuestionType {
        switch self {
        case .singleChoice: .singleChoice
        case .multipleChoice: .multipleChoice
        case .rating: .rating
        case .shortText: .shortText
        case .longText: .longText
        case .ranking: .ranking
        case .matrix: .matrix
        }
    }

    /// The options of a choice or ranking question; empty for the others.
    public var options: [ChoiceOption] {
        switch self {
        case .singleChoice(let options), .multipleChoice(let options, _, _), .ranking(let options): options
        default: []
        }
    }
}

extension QuestionKind: Codable {
    // A flat object with a `type` discriminator, the shape the browser
    // builder sends: {"type": "multiple_choice", "options": [...],
    // "minChoices": 1, "maxChoices": 3}.
    enum CodingKeys: String, CodingKey {
        case type, options, minChoices, maxChoices, scale, rows, columns
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(QuestionType.self, forKey: .type) {
        case .singleChoice:
            self = .singleChoice(options: try container.decode([ChoiceOption].self, forKey: .options))
        case .multipleChoice:
            self = .multipleChoice(
                options: try container.decode([ChoiceOption].self, forKey: .options),
                minChoices: try container.decode(Int.self, forKey: .minChoices),
                maxChoices: try container.decode(Int.self, forKey: .maxChoices))
        case .rating:
            self = .rating(try container.decode(RatingScale.self, forKey: .scale))
        case .shortText:
            self = .shortText
        case .longText:
            self = .longText
        case .ranking:
            self = .ranking(options: try container.decode([ChoiceOption].self, forKey: .options))
        case .matrix:
            self = .matrix(
                rows: try container.decode([ChoiceOption].self, forKey: .rows),
                columns: try container.decode([ChoiceOption].self, forKey: .columns))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .singleChoice(let options), .ranking(let options):
            try container.encode(options, forKey: .options)
        case .multipleChoice(let options, let minChoices, let maxChoices):
            try container.encode(options, forKey: .options)
            try container.encode(minChoices, forKey: .minChoices)
            try container.encode(maxChoices, forKey: .maxChoices)
        case .rating(let scale):
            try container.encode(scale, forKey: .scale)
        case .shortText, .longText:
            break
        case .matrix(let rows, let columns):
            try container.encode(rows, forKey: .rows)
            try container.encode(columns, forKey: .columns)
        }
    }
}
