import Foundation
import WenzhengCore

/// The builder's plain HTML forms, read into the survey's definition (and
/// back, to fill them in): one form for the settings, one for a question.
/// Everything the builder does works without JavaScript.
enum SurveyBuilderForms {
    /// `2027-03-16T09:30` as a `datetime-local` input writes it, in Beijing time.
    static func localTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = CivilDate.officeTimeZone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }

    static func parseLocalTime(_ text: String?, field: String, errors: inout [FieldError]) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = CivilDate.officeTimeZone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            formatter.dateFormat = format
            if let text, let date = formatter.date(from: text.trimmingCharacters(in: .whitespaces)) { return date }
        }
        errors.append(.invalid(field, "\(field) must be a time like 2027-03-16T09:30 (Beijing time)"))
        return nil
    }

    /// The settings form applied to `definition`.
    static func settings(_ form: [String: String], onto definition: SurveyDefinition) throws -> SurveyDefinition {
        var errors: [FieldError] = []
        var result = definition
        result.title = (form["title"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        result.introduction = (form["introduction"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if let opens = parseLocalTime(form["opensAt"], field: "opensAt", errors: &errors) { result.opensAt = opens }
        if let closes = parseLocalTime(form["closesAt"], field: "closesAt", errors: &errors) { result.closesAt = closes }
        result.mode = form["mode"] == SurveyMode.invitation.rawValue ? .invitation : .open
        result.isAnonymous = form["anonymous"] != nil
        try ValidationFailure.check(errors)
        return result
    }

    // MARK: A question

    /// One question's fields as the builder's form names them.
    struct QuestionFields {
        var type = QuestionType.singleChoice
        var key = ""
        var prompt = ""
        var required = false
        /// One option a line: `label`, or `value|label` to keep a value.
        var options = ""
        var minChoices = ""
        var maxChoices = ""
        var ratingMin = "1"
        var ratingMax = "5"
        var minLabel = ""
        var maxLabel = ""
        var rows = ""
        var columns = ""
        var conditionKey = ""
        var conditionValue = ""

        init() {}

        init(form: [String: String]) {
            type = form["type"].flatMap(QuestionType.init(rawValue:)) ?? .singleChoice
            key = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
            prompt = (form["prompt"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            required = form["required"] != nil
            options = form["options"] ?? ""
            minChoices = form["minChoices"] ?? ""
            maxChoices = form["maxChoices"] ?? ""
            ratingMin = form["ratingMin"] ?? "1"
            ratingMax = form["ratingMax"] ?? "5"
            minLabel = form["minLabel"] ?? ""
            maxLabel = form["maxLabel"] ?? ""
            rows = form["rows"] ?? ""
            columns = form["columns"] ?? ""
            conditionKey = form["conditionKey"] ?? ""
            conditionValue = form["conditionValue"] ?? ""
        }

        /// The fields of an existing question, to edit it.
        init(_ question: SurveyQuestion) {
            type = question.kind.type
            key = question.key
            prompt = question.prompt
            required = question.isRequired
            conditionKey = question.condition?.questionKey ?? ""
            conditionValue = question.condition?.value ?? ""
            switch question.kind {
            case .singleChoice(let options), .ranking(let options):
                self.options = Self.lines(options)
            case .multipleChoice(let options, let minChoices, let maxChoices):
                self.options = Self.lines(options)
                self.minChoices = String(minChoices)
                self.maxChoices = String(maxChoices)
            case .rating(let scale):
                ratingMin = String(scale.min)
                ratingMax = String(scale.max)
                minLabel = scale.minLabel ?? ""
                maxLabel = scale.maxLabel ?? ""
            case .matrix(let rows, let columns):
                self.rows = Self.lines(rows)
                self.columns = Self.lines(columns)
            case .shortText, .longText:
                break
            }
        }

        static func lines(_ options: [ChoiceOption]) -> String {
            options.map { "\($0.value)|\($0.label)" }.joined(separator: "\n")
        }

        /// The options of a text area: `value|label` keeps its value; a bare
        /// label gets the next free `oN`.
        static func options(_ text: String) -> [ChoiceOption] {
            var options: [ChoiceOption] = []
            var used = Set<String>()
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for line in lines {
                if let bar = line.firstIndex(of: "|") {
                    let value = line[..<bar].trimmingCharacters(in: .whitespaces)
                    let label = line[line.index(after: bar)...].trimmingCharacters(in: .whitespaces)
                    options.append(ChoiceOption(value: value, label: label))
                    used.insert(value)
                } else {
                    options.append(ChoiceOption(value: "", label: line))
                }
            }
            var next = 1
            for index in options.indices where options[index].value.isEmpty {
                while used.contains("o\(next)") { next += 1 }
                options[index].value = "o\(next)"
                used.insert("o\(next)")
            }
            return options
        }

        /// The question, or every field error (the builder checks the whole
        /// survey again when it is saved).
        func question(defaultKey: String) throws -> SurveyQuestion {
            var errors: [FieldError] = []
            func number(_ text: String, _ field: String) -> Int? {
                guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    errors.append(.invalid(field, "\(field) must be a whole number"))
                    return nil
                }
                return value
            }
            let kind: QuestionKind
            switch type {
            case .singleChoice: kind = .singleChoice(options: Self.options(options))
            case .multipleChoice:
                let choices = Self.options(options)
                let min = minChoices.isEmpty ? 0 : number(minChoices, "minChoices") ?? 0
                let max = maxChoices.isEmpty ? choices.count : number(maxChoices, "maxChoices") ?? choices.count
                kind = .multipleChoice(options: choices, minChoices: min, maxChoices: max)
            case .rating:
                let low = number(ratingMin, "ratingMin") ?? 1
                let high = number(ratingMax, "ratingMax") ?? 5
                kind = .rating(
                    RatingScale(
                        min: low, max: high, minLabel: minLabel.isEmpty ? nil : minLabel, maxLabel: maxLabel.isEmpty ? nil : maxLabel))
            case .shortText: kind = .shortText
            case .longText: kind = .longText
            case .ranking: kind = .ranking(options: Self.options(options))
            case .matrix: kind = .matrix(rows: Self.options(rows), columns: Self.options(columns))
            }
            try ValidationFailure.check(errors)
            let condition =
                conditionKey.isEmpty
                ? nil : QuestionCondition(questionKey: conditionKey, value: conditionValue.trimmingCharacters(in: .whitespaces))
            return SurveyQuestion(
                key: key.isEmpty ? defaultKey : key, prompt: prompt, isRequired: required, condition: condition, kind: kind)
        }
    }

    /// The first free `qN` key.
    static func nextKey(_ definition: SurveyDefinition) -> String {
        let used = Set(definition.questions.map(\.key))
        var number = definition.questions.count + 1
        while used.contains("q\(number)") { number += 1 }
        return "q\(number)"
    }
}
