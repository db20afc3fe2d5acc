import Foundation

/// One answer to one question, typed by what the question asks for.
///
/// JSON: an object with one member naming the kind, so a stored response
/// reads back without its definition: `{"choice": "a"}`,
/// `{"choices": ["a", "c"]}`, `{"rating": 4}`, `{"text": "…"}`,
/// `{"ranking": ["b", "a", "c"]}`, `{"matrix": {"row1": "col2"}}`.
public enum SurveyAnswer: Sendable, Equatable {
    /// The option value of a single choice.
    case choice(String)
    /// The option values of a multiple choice.
    case choices([String])
    case rating(Int)
    /// A short or long text.
    case text(String)
    /// Every option value, most important first.
    case ranking([String])
    /// Row value → column value.
    case matrix([String: String])
}

extension SurveyAnswer: Codable {
    enum CodingKeys: String, CodingKey {
        case choice, choices, rating, text, ranking, matrix
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "an answer has exactly one of: choice, choices, rating, text, ranking, matrix"))
        }
        switch key {
        case .choice: self = .choice(try container.decode(String.self, forKey: key))
        case .choices: self = .choices(try container.decode([String].self, forKey: key))
        case .rating: self = .rating(try container.decode(Int.self, forKey: key))
        case .text: self = .text(try container.decode(String.self, forKey: key))
        case .ranking: self = .ranking(try container.decode([String].self, forKey: key))
        case .matrix: self = .matrix(try container.decode([String: String].self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .choice(let value): try container.encode(value, forKey: .choice)
        case .choices(let values): try container.encode(values, forKey: .choices)
        case .rating(let value): try container.encode(value, forKey: .rating)
        case .text(let value): try container.encode(value, forKey: .text)
        case .ranking(let values): try container.encode(values, forKey: .ranking)
        case .matrix(let cells): try container.encode(cells, forKey: .matrix)
        }
    }
}

/// A checked response: only questions that were shown and answered, each
/// answer normalized (choices in the survey's option order without
/// repeats, text trimmed with LF line ends, matrix rows known). This is
/// what storage keeps, what aggregation counts and what exports write.
public struct SurveyResponse: Sendable, Equatable, Codable {
    /// Question key → answer.
    public var answers: [String: SurveyAnswer]

    public init(answers: [String: SurveyAnswer]) {
        self.answers = answers
    }

    /// The free-text answers, in question order: they go to the
    /// moderation queue (`ContentKind.surveyAnswer`) before anything of
    /// them is published.
    public func textAnswers(in definition: SurveyDefinition) -> [(key: String, text: String)] {
        definition.questions.compactMap { question in
            if case .text(let text)? = answers[question.key] { return (question.key, text) }
            return nil
        }
    }
}

extension SurveyDefinition {
    /// Whether each question is shown, given the answers so far, in
    /// question order. A question with a condition is shown when its
    /// source question was shown and its answer has the condition's value;
    /// conditions refer only to earlier questions, so one pass decides all.
    public func shownQuestions(given answers: [String: SurveyAnswer]) -> [Bool] {
        var shownByKey: [String: Bool] = [:]
        shownByKey.reserveCapacity(questions.count)
        return questions.map { question in
            let shown: Bool
            if let condition = question.condition {
                shown = (shownByKey[condition.questionKey] ?? false) && Self.answer(answers[condition.questionKey], has: condition.value)
            } else {
                shown = true
            }
            shownByKey[question.key] = shown
            return shown
        }
    }

    /// Whether `answer` matches a condition's value.
    static func answer(_ answer: SurveyAnswer?, has value: String) -> Bool {
        switch answer {
        case .choice(let choice)?: choice == value
        case .choices(let choices)?: choices.contains(value)
        case .rating(let rating)?: String(rating) == value
        default: false
        }
    }
}

/// Checks a citizen's answers against a survey: every problem at once,
/// each naming the form field it belongs to, so the page can mark it and
/// the JSON API can return it in a 422.
///
/// Field names are those of the answer form: `q_<key>` for a question,
/// `q_<key>.<row>` for a matrix row. Codes: `unknown_question`,
/// `unknown_option`, `unknown_row`, `invalid` (a value of the wrong kind or
/// a malformed field), `required`, `too_few_choices`, `too_many_choices`,
/// `too_long`, `out_of_range`, `not_a_permutation`.
///
/// Answers to questions that are hidden by their condition are dropped,
/// not refused: a browser without JavaScript shows every question and
/// sends whatever the citizen filled in. A required question is required
/// only when it is shown.
public enum SurveyAnswering {
    /// The prefix of every answer field in a form.
    public static let fieldPrefix = "q_"

    public static func fieldName(_ key: String) -> String { fieldPrefix + key }

    public static func fieldName(_ key: String, row: String) -> String { fieldPrefix + key + "." + row }

    /// Checks typed answers (the JSON API), keyed by question key.
    public static func response(
        to definition: SurveyDefinition, answers: [String: SurveyAnswer]
    ) throws(ValidationFailure) -> SurveyResponse {
        var errors: [FieldError] = []
        let known = Set(definition.questions.map(\.key))
        for key in answers.keys.sorted() where !known.contains(key) {
            errors.append(unknownQuestion(fieldName(key)))
        }
        let response = check(answers, against: definition, into: &errors)
        try ValidationFailure.check(errors)
        return response
    }

    /// Checks a plain HTML form as it was posted, without JavaScript:
    /// fields in the order they came, names repeated for check boxes.
    ///
    /// - `q_<key>` = option value (single choice; repeated for multiple
    ///   choice), a number (rating) or the text.
    /// - Ranking: `q_<key>.<position>` = option value, one drop-down per
    ///   position from 1; or `q_<key>` repeated in order (a script that
    ///   lets people drag items sends that).
    /// - Matrix: `q_<key>.<row>` = column value, one group of radio buttons
    ///   per row.
    ///
    /// An empty value is no answer (the blank entry of a drop-down, an
    /// empty text box). Fields not starting with `q_` (CSRF token, tokens,
    /// buttons) are not answers and are ignored.
    public static func response(
        to definition: SurveyDefinition, form fields: [(name: String, value: String)]
    ) throws(ValidationFailure) -> SurveyResponse {
        var errors: [FieldError] = []
        let answers = answers(fromForm: fields, definition: definition, into: &errors)
        // A question whose fields were malformed has its error already; it
        // is not also reported as unanswered.
        let malformed = Set(errors.compactMap { questionKey(ofField: $0.field) })
        let response = check(answers, against: definition, skipping: malformed, into: &errors)
        try ValidationFailure.check(errors)
        return response
    }

    // MARK: - Reading a form

    static func answers(
        fromForm fields: [(name: String, value: String)], definition: SurveyDefinition, into errors: inout [FieldError]
    ) -> [String: SurveyAnswer] {
        // Values per question: plain `q_key` values in order, and `q_key.sub`
        // values by their suffix.
        var plain: [String: [String]] = [:]
        var byPart: [String: [(part: String, value: String)]] = [:]
        var reportedUnknown: Set<String> = []
        let questions = Dictionary(definition.questions.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for field in fields where field.name.hasPrefix(fieldPrefix) {
            let name = field.name.dropFirst(fieldPrefix.count)
            let key: String
            let part: String?
            if let dot = name.firstIndex(of: ".") {
                key = String(name[..<dot])
                part = String(name[name.index(after: dot)...])
            } else {
                key = String(name)
                part = nil
            }
            guard questions[key] != nil else {
                if reportedUnknown.insert(field.name).inserted { errors.append(unknownQuestion(field.name)) }
                continue
            }
            if field.value.unicodeScalars.count > SurveyRules.formValueMaxLength {
                errors.append(.tooLong(field.name, max: SurveyRules.formValueMaxLength))
                continue
            }
            let value = field.value.trimmingCharacters(in: .whitespacesAndNewlines)
            if value.isEmpty { continue }
            if let part {
                byPart[key, default: []].append((part, value))
            } else {
                plain[key, default: []].append(value)
            }
        }

        var answers: [String: SurveyAnswer] = [:]
        for question in definition.questions {
            let key = question.key
            let values = plain[key] ?? []
            let parts = byPart[key] ?? []
            let field = fieldName(key)
            switch question.kind {
            case .matrix:
                if !values.isEmpty { errors.append(.invalid(field, "answer each row of \(field) in its own field")) }
                var cells: [String: String] = [:]
                for (row, value) in parts {
                    if cells[row] != nil {
                        errors.append(.invalid(fieldName(key, row: row), "one column per row"))
                    }
                    cells[row] = value
                }
                if !cells.isEmpty { answers[key] = .matrix(cells) }
            case .ranking(let options):
                if !parts.isEmpty {
                    answers[key] = rankingFromPositions(parts, key: key, optionCount: options.count, into: &errors)
                    if !values.isEmpty { errors.append(.invalid(field, "send a ranking either by position or in order, not both")) }
                } else if !values.isEmpty {
                    answers[key] = .ranking(values)
                }
            default:
                for (part, _) in parts {
                    errors.append(unknownQuestion(fieldName(key, row: part)))
                }
                if let answer = answer(fromFormValues: values, kind: question.kind, field: field, into: &errors) {
                    answers[key] = answer
                }
            }
        }
        return answers
    }

    static func answer(
        fromFormValues values: [String], kind: QuestionKind, field: String, into errors: inout [FieldError]
    ) -> SurveyAnswer? {
        guard let first = values.first else { return nil }
        switch kind {
        case .multipleChoice:
            return .choices(values)
        case .singleChoice:
            if values.count > 1 {
                errors.append(FieldError(field: field, code: "too_many_choices", message: "choose one option for \(field)"))
                return nil
            }
            return .choice(first)
        case .rating:
            guard values.count == 1, first.utf8.count <= 3, first.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int(first)
            else {
                errors.append(.invalid(field, "\(field) must be one whole number"))
                return nil
            }
            return .rating(number)
        case .shortText, .longText:
            if values.count > 1 {
                errors.append(.invalid(field, "\(field) was sent more than once"))
                return nil
            }
            return .text(first)
        case .ranking, .matrix:
            return nil
        }
    }

    /// `q_key.1 = b`, `q_key.2 = a`… → `.ranking(["b", "a", …])`. Positions
    /// must be whole numbers from 1 to the number of options, each once.
    static func rankingFromPositions(
        _ parts: [(part: String, value: String)], key: String, optionCount: Int, into errors: inout [FieldError]
    ) -> SurveyAnswer? {
        var byPosition: [Int: String] = [:]
        var valid = true
        for (part, value) in parts {
            guard part.utf8.count <= 3, part.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let position = Int(part),
                (1...max(1, optionCount)).contains(position), byPosition[position] == nil
            else {
                errors.append(.invalid(fieldName(key, row: part), "not a position of \(fieldName(key))"))
                valid = false
                continue
            }
            byPosition[position] = value
        }
        guard valid else { return nil }
        return .ranking(byPosition.keys.sorted().map { byPosition[$0]! })
    }

    // MARK: - Checking answers

    static func check(
        _ answers: [String: SurveyAnswer], against definition: SurveyDefinition, skipping malformed: Set<String> = [],
        into errors: inout [FieldError]
    ) -> SurveyResponse {
        let shown = definition.shownQuestions(given: answers)
        var accepted: [String: SurveyAnswer] = [:]
        for (index, question) in definition.questions.enumerated() where shown[index] {
            let field = fieldName(question.key)
            guard let answer = answers[question.key] else {
                if question.isRequired && !malformed.contains(question.key) { errors.append(.required(field)) }
                continue
            }
            if let normalized = check(answer, for: question, field: field, into: &errors) {
                accepted[question.key] = normalized
            }
        }
        return SurveyResponse(answers: accepted)
    }

    /// One answer, normalized; nil when it is empty (then `required`
    /// applies) or wrong (then an error is added).
    static func check(_ answer: SurveyAnswer, for question: SurveyQuestion, field: String, into errors: inout [FieldError])
        -> SurveyAnswer?
    {
        let required = question.isRequired
        switch (question.kind, answer) {
        case (.singleChoice(let options), .choice(let value)):
            guard options.contains(where: { $0.value == value }) else {
                errors.append(unknownOption(field, value))
                return nil
            }
            return answer

        case (.multipleChoice(let options, let minChoices, let maxChoices), .choices(let values)):
            let chosen = Set(values)
            let unknown = values.filter { value in !options.contains { $0.value == value } }
            for value in unknown.uniqued() { errors.append(unknownOption(field, value)) }
            if !unknown.isEmpty { return nil }
            if chosen.isEmpty {
                if required { errors.append(.required(field)) }
                return nil
            }
            if chosen.count < minChoices {
                errors.append(
                    FieldError(field: field, code: "too_few_choices", message: "choose at least \(minChoices) options for \(field)"))
                return nil
            }
            if chosen.count > maxChoices {
                errors.append(
                    FieldError(field: field, code: "too_many_choices", message: "choose at most \(maxChoices) options for \(field)"))
                return nil
            }
            return .choices(options.map(\.value).filter(chosen.contains))

        case (.rating(let scale), .rating(let value)):
            guard (scale.min...max(scale.min, scale.max)).contains(value) else {
                errors.append(
                    FieldError(field: field, code: "out_of_range", message: "\(field) must be between \(scale.min) and \(scale.max)"))
                return nil
            }
            return answer

        case (.shortText, .text(let text)), (.longText, .text(let text)):
            let isShort = question.kind == .shortText
            let cleaned = cleanText(text, singleLine: isShort)
            if cleaned.isEmpty {
                if required { errors.append(.required(field)) }
                return nil
            }
            let limit = isShort ? SurveyRules.shortTextMaxLength : SurveyRules.longTextMaxLength
            if cleaned.unicodeScalars.count > limit {
                errors.append(.tooLong(field, max: limit))
                return nil
            }
            return .text(cleaned)

        case (.ranking(let options), .ranking(let values)):
            let unknown = values.filter { value in !options.contains { $0.value == value } }
            for value in unknown.uniqued() { errors.append(unknownOption(field, value)) }
            if !unknown.isEmpty { return nil }
            guard values.count == options.count, Set(values).count == values.count else {
                errors.append(
                    FieldError(
                        field: field, code: "not_a_permutation",
                        message: "put each of the \(options.count) options of \(field) in a position, each once"))
                return nil
            }
            return answer

        case (.matrix(let rows, let columns), .matrix(let cells)):
            var valid = true
            for row in cells.keys.sorted() {
                let rowField = fieldName(question.key, row: row)
                guard rows.contains(where: { $0.value == row }) else {
                    errors.append(FieldError(field: rowField, code: "unknown_row", message: "\(field) has no row '\(row)'"))
                    valid = false
                    continue
                }
                if let column = cells[row], !columns.contains(where: { $0.value == column }) {
                    errors.append(unknownOption(rowField, column))
                    valid = false
                }
            }
            // A required matrix needs every row; an optional one may be
            // answered in part.
            if required {
                for row in rows where cells[row.value] == nil {
                    errors.append(.required(fieldName(question.key, row: row.value)))
                    valid = false
                }
            }
            return valid && !cells.isEmpty ? answer : nil

        default:
            errors.append(.invalid(field, "\(field) expects a \(question.kind.type.rawValue) answer"))
            return nil
        }
    }

    /// Text as stored (`TextRules.cleanedText`), trimmed.
    public static func cleanText(_ text: String, singleLine: Bool) -> String {
        TextRules.cleanedText(text, singleLine: singleLine).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `q_key` and `q_key.part` → `key`.
    static func questionKey(ofField field: String) -> String? {
        guard field.hasPrefix(fieldPrefix) else { return nil }
        return String(field.dropFirst(fieldPrefix.count).prefix { $0 != "." })
    }

    static func unknownQuestion(_ field: String) -> FieldError {
        FieldError(field: field, code: "unknown_question", message: "the survey has no question \(field)")
    }

    static func unknownOption(_ field: String, _ value: String) -> FieldError {
        FieldError(field: field, code: "unknown_option", message: "\(field) has no option '\(value)'")
    }
}

extension Array where Element: Hashable {
    /// The elements without repeats, first occurrence kept.
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
