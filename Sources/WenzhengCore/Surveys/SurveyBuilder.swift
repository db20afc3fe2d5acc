import Foundation

/// Checks a whole survey definition as staff submit it from the builder,
/// and reports every problem at once with the path of the field it is in
/// (`questions[2].options[1].label`), so the builder can mark each one.
///
/// Text is trimmed of surrounding white space; lengths count Unicode
/// scalars. Error codes: `required`, `too_long`, `invalid` (identifier
/// characters), `duplicate`, `too_many`, `too_few`, `out_of_range`,
/// `before_opening`, `unknown_question`, `forward_reference`,
/// `unsupported_condition`, `unknown_option`.
public enum SurveyBuilder {
    /// The definition with its text trimmed, or every error in it.
    public static func validated(_ definition: SurveyDefinition) throws(ValidationFailure) -> SurveyDefinition {
        var errors: [FieldError] = []
        let normalized = normalize(definition, into: &errors)
        try ValidationFailure.check(errors)
        return normalized
    }

    /// As `validated`, for a draft: it may be saved before it has any
    /// questions (the builder starts from a title); opening checks the whole
    /// definition again.
    public static func validatedDraft(_ definition: SurveyDefinition) throws(ValidationFailure) -> SurveyDefinition {
        var errors: [FieldError] = []
        let normalized = normalize(definition, into: &errors)
        errors.removeAll { $0.field == "questions" && $0.code == "required" }
        try ValidationFailure.check(errors)
        return normalized
    }

    /// Every error in `definition`; empty when it is valid.
    public static func errors(in definition: SurveyDefinition) -> [FieldError] {
        var errors: [FieldError] = []
        _ = normalize(definition, into: &errors)
        return errors
    }

    static func normalize(_ definition: SurveyDefinition, into errors: inout [FieldError]) -> SurveyDefinition {
        var result = definition
        result.title = TextRules.requiredText(definition.title, field: "title", maxLength: SurveyRules.titleMaxLength, into: &errors)
        result.introduction =
            TextRules.optionalText(
                definition.introduction, field: "introduction", maxLength: SurveyRules.introductionMaxLength, into: &errors) ?? ""
        if definition.closesAt <= definition.opensAt {
            errors.append(FieldError(field: "closesAt", code: "before_opening", message: "closesAt must be after opensAt"))
        }
        if definition.questions.isEmpty {
            errors.append(.required("questions"))
        } else if definition.questions.count > SurveyRules.maxQuestions {
            errors.append(tooMany("questions", max: SurveyRules.maxQuestions))
        }

        // Keys seen so far, with their questions: a condition may refer
        // only to these.
        var earlier: [String: SurveyQuestion] = [:]
        let allKeys = Set(definition.questions.map { $0.key.trimmingCharacters(in: .whitespaces) })
        for (index, question) in definition.questions.enumerated() {
            let path = "questions[\(index)]"
            var checked = question
            checked.key = question.key.trimmingCharacters(in: .whitespaces)
            if checked.key.isEmpty {
                errors.append(.required("\(path).key"))
            } else if !SurveyRules.isValidIdentifier(checked.key) {
                errors.append(invalidIdentifier("\(path).key"))
            } else if earlier[checked.key] != nil {
                errors.append(duplicate("\(path).key", checked.key))
            }
            checked.prompt = TextRules.requiredText(
                question.prompt, field: "\(path).prompt", maxLength: SurveyRules.promptMaxLength, into: &errors)
            checked.kind = normalize(question.kind, path: path, into: &errors)
            if let condition = question.condition {
                checkCondition(condition, path: "\(path).condition", ownKey: checked.key, earlier: earlier, allKeys: allKeys, into: &errors)
            }
            result.questions[index] = checked
            if earlier[checked.key] == nil { earlier[checked.key] = checked }
        }
        return result
    }

    static func normalize(_ kind: QuestionKind, path: String, into errors: inout [FieldError]) -> QuestionKind {
        switch kind {
        case .singleChoice(let options):
            return .singleChoice(
                options: normalize(options, path: "\(path).options", min: 2, max: SurveyRules.maxOptions, into: &errors))
        case .multipleChoice(let options, let minChoices, let maxChoices):
            let checked = normalize(options, path: "\(path).options", min: 2, max: SurveyRules.maxOptions, into: &errors)
            if minChoices < 0 {
                errors.append(outOfRange("\(path).minChoices", "minChoices cannot be negative"))
            }
            if maxChoices < 1 {
                errors.append(outOfRange("\(path).maxChoices", "maxChoices must be at least 1"))
            } else if maxChoices > options.count {
                errors.append(outOfRange("\(path).maxChoices", "maxChoices cannot exceed the \(options.count) options"))
            }
            if minChoices > maxChoices {
                errors.append(outOfRange("\(path).minChoices", "minChoices cannot exceed maxChoices"))
            }
            return .multipleChoice(options: checked, minChoices: minChoices, maxChoices: maxChoices)
        case .rating(let scale):
            var checked = scale
            for (bound, name) in [(scale.min, "min"), (scale.max, "max")] where !SurveyRules.ratingBounds.contains(bound) {
                errors.append(
                    outOfRange(
                        "\(path).scale.\(name)",
                        "\(name) must be between \(SurveyRules.ratingBounds.lowerBound) and \(SurveyRules.ratingBounds.upperBound)"))
            }
            if scale.min >= scale.max {
                errors.append(outOfRange("\(path).scale.min", "min must be below max"))
            }
            checked.minLabel = TextRules.optionalText(
                scale.minLabel, field: "\(path).scale.minLabel", maxLength: SurveyRules.scaleLabelMaxLength, into: &errors)
            checked.maxLabel = TextRules.optionalText(
                scale.maxLabel, field: "\(path).scale.maxLabel", maxLength: SurveyRules.scaleLabelMaxLength, into: &errors)
            return .rating(checked)
        case .shortText, .longText:
            return kind
        case .ranking(let options):
            return .ranking(
                options: normalize(options, path: "\(path).options", min: 2, max: SurveyRules.maxRankingOptions, into: &errors))
        case .matrix(let rows, let columns):
            return .matrix(
                rows: normalize(rows, path: "\(path).rows", min: 1, max: SurveyRules.maxMatrixRows, into: &errors),
                columns: normalize(columns, path: "\(path).columns", min: 2, max: SurveyRules.maxMatrixColumns, into: &errors))
        }
    }

    /// Options, rows or columns: enough of them, not too many, each with a
    /// valid value and a label, no value or label twice.
    static func normalize(_ options: [ChoiceOption], path: String, min: Int, max: Int, into errors: inout [FieldError]) -> [ChoiceOption] {
        if options.count < min {
            errors.append(FieldError(field: path, code: "too_few", message: "\(path) needs at least \(min)"))
        } else if options.count > max {
            errors.append(tooMany(path, max: max))
        }
        var values: Set<String> = []
        var labels: Set<String> = []
        return options.enumerated().map { index, option in
            let optionPath = "\(path)[\(index)]"
            var checked = option
            checked.value = option.value.trimmingCharacters(in: .whitespaces)
            if checked.value.isEmpty {
                errors.append(.required("\(optionPath).value"))
            } else if !SurveyRules.isValidIdentifier(checked.value) {
                errors.append(invalidIdentifier("\(optionPath).value"))
            } else if !values.insert(checked.value).inserted {
                errors.append(duplicate("\(optionPath).value", checked.value))
            }
            checked.label = TextRules.requiredText(
                option.label, field: "\(optionPath).label", maxLength: SurveyRules.optionLabelMaxLength, into: &errors)
            if !checked.label.isEmpty && !labels.insert(checked.label).inserted {
                errors.append(duplicate("\(optionPath).label", checked.label))
            }
            return checked
        }
    }

    static func checkCondition(
        _ condition: QuestionCondition, path: String, ownKey: String, earlier: [String: SurveyQuestion], allKeys: Set<String>,
        into errors: inout [FieldError]
    ) {
        let field = "\(path).questionKey"
        guard let source = earlier[condition.questionKey] else {
            if condition.questionKey == ownKey || allKeys.contains(condition.questionKey) {
                errors.append(
                    FieldError(
                        field: field, code: "forward_reference",
                        message: "a condition can only refer to an earlier question, not '\(condition.questionKey)'"))
            } else {
                errors.append(
                    FieldError(field: field, code: "unknown_question", message: "no question has the key '\(condition.questionKey)'"))
            }
            return
        }
        let valueField = "\(path).value"
        switch source.kind {
        case .singleChoice(let options), .multipleChoice(let options, _, _):
            if !options.contains(where: { $0.value == condition.value }) {
                errors.append(unknownOption(valueField, condition.value, question: source.key))
            }
        case .rating(let scale):
            if let number = Int(condition.value), (scale.min...max(scale.min, scale.max)).contains(number) {
                break
            }
            errors.append(unknownOption(valueField, condition.value, question: source.key))
        case .shortText, .longText, .ranking, .matrix:
            errors.append(
                FieldError(
                    field: field, code: "unsupported_condition",
                    message: "a condition can depend on a choice or rating question, not on a \(source.kind.type.rawValue) question"))
        }
    }

    static func tooMany(_ field: String, max: Int) -> FieldError {
        FieldError(field: field, code: "too_many", message: "\(field) can have at most \(max)")
    }

    static func duplicate(_ field: String, _ value: String) -> FieldError {
        FieldError(field: field, code: "duplicate", message: "'\(value)' is used twice")
    }

    static func outOfRange(_ field: String, _ message: String) -> FieldError {
        FieldError(field: field, code: "out_of_range", message: message)
    }

    static func invalidIdentifier(_ field: String) -> FieldError {
        .invalid(field, "\(field) must be 1 to \(SurveyRules.identifierMaxLength) letters, digits, '_' or '-'")
    }

    static func unknownOption(_ field: String, _ value: String, question: String) -> FieldError {
        FieldError(field: field, code: "unknown_option", message: "question '\(question)' has no option '\(value)'")
    }
}
