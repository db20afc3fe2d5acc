import Foundation
import WenzhengCore
import WenzhengStore

// MARK: Citizens

/// The public list: open surveys, and surveys whose results are published.
struct SurveyListView: PageView {
    static let template = "surveys"

    struct Line {
        let url: String
        let title: String
        let window: String
        let resultsURL: String?
    }

    let open: [Line]
    let published: [Line]
}

/// One question as the answer form shows it (every type without
/// JavaScript; a script only hides questions whose condition does not hold).
struct SurveyQuestionView {
    struct Choice {
        let value: String
        let label: String
        let id: String
        let checked: Bool
    }

    struct Position {
        let number: Int
        let field: String
        let id: String
        let choices: [Choice]
    }

    struct MatrixRow {
        let label: String
        let field: String
        let cells: [Choice]
    }

    let number: Int
    let key: String
    let field: String
    let id: String
    let prompt: String
    let required: Bool
    /// "仅当第 1 题选择“是”时回答" (shown without JavaScript).
    let conditionText: String?
    let conditionField: String?
    let conditionValue: String?
    let isSingle: Bool
    let isMultiple: Bool
    let isRating: Bool
    let isShortText: Bool
    let isLongText: Bool
    let isRanking: Bool
    let isMatrix: Bool
    let choices: [Choice]
    let choiceHint: String?
    let scaleEnds: String?
    let positions: [Position]
    let columns: [String]
    let rows: [MatrixRow]
    let text: String
    let maxLength: Int
    let error: String?
}

/// The answer form (or, outside the window, why it cannot be answered).
struct SurveyFormView: PageView {
    static let template = "survey"

    let id: Int64
    let title: String
    let introduction: String?
    let window: String
    let isOpen: Bool
    /// Why it cannot be answered now, when it cannot.
    let unavailable: String?
    let anonymous: Bool
    let needsInvitation: Bool
    let invitation: String
    let invitationError: String?
    let questions: [SurveyQuestionView]
    let errors: FormErrors?
    let resultsURL: String?
}

/// After answering.
struct SurveyThanksView: PageView {
    static let template = "survey-thanks"

    let id: Int64
    let title: String
    let submittedOn: String
    let anonymous: Bool
}

/// Results: a chart (an SVG image with a text equivalent) and a table per
/// question, and the free text approved for publication.
struct SurveyResultsPageView: PageView {
    static let template = "survey-results"

    struct Row {
        let label: String
        let count: Int
        let percent: String
    }

    struct Question {
        let number: Int
        let prompt: String
        let answered: String
        let chartURL: String?
        let chartDescription: String
        let rows: [Row]
        let mean: String?
        let texts: [String]
        let hasTexts: Bool
    }

    let id: Int64
    let title: String
    let responses: Int
    let state: String
    let isStaff: Bool
    /// Organisers' view of an open survey: `survey-results.js` reloads
    /// the figures every 15 seconds.
    let refreshes: Bool
    let questions: [Question]
    let exportCSV: String?
    let exportJSON: String?
    let backURL: String
}

// MARK: Organisers

/// The organisers' list, with the form that starts a new survey.
struct StaffSurveysView: PageView {
    static let template = "staff-surveys"
    let limits = SurveyFieldLimits()

    struct Line {
        let url: String
        let title: String
        let state: String
        let window: String
        let responses: Int
    }

    let surveys: [Line]
    let empty: Bool
    let errors: FormErrors?
    let newTitle: String
}

/// The builder's text limits, from `SurveyRules`, for the forms'
/// `maxlength`: the browser stops where the server would refuse.
struct SurveyFieldLimits {
    let title = SurveyRules.titleMaxLength
    let introduction = SurveyRules.introductionMaxLength
    let prompt = SurveyRules.promptMaxLength
    let optionLabel = SurveyRules.optionLabelMaxLength
    let scaleLabel = SurveyRules.scaleLabelMaxLength
    let identifier = SurveyRules.identifierMaxLength
}

/// The fields of one question in the builder's forms.
struct SurveyQuestionFormView {
    let limits = SurveyFieldLimits()
    struct TypeOption {
        let value: String
        let label: String
        let selected: Bool
    }

    let action: String
    let types: [TypeOption]
    let key: String
    let prompt: String
    let required: Bool
    let options: String
    let minChoices: String
    let maxChoices: String
    let ratingMin: String
    let ratingMax: String
    let minLabel: String
    let maxLabel: String
    let rows: String
    let columns: String
    let conditionKey: String
    let conditionValue: String
    let earlierKeys: [TypeOption]
    let submitLabel: String
}

/// One survey for its organisers: settings, questions, life cycle.
struct SurveyBuilderView: PageView {
    static let template = "staff-survey"
    let limits = SurveyFieldLimits()

    struct QuestionLine {
        let index: Int
        let number: Int
        let key: String
        let typeName: String
        let prompt: String
        let required: Bool
        let condition: String?
        let details: String?
        let editURL: String
        let moveUp: String?
        let moveDown: String?
        let remove: String
    }

    struct Action {
        let state: String
        let label: String
        let hint: String
    }

    let id: Int64
    let title: String
    let introduction: String
    let opensAt: String
    let closesAt: String
    let modeOpen: Bool
    let anonymous: Bool
    let state: String
    let stateName: String
    let responses: Int
    let invitations: Int
    let invitationsUsed: Int
    let isInvitation: Bool
    let questionsLocked: Bool
    let settingsLocked: Bool
    let questions: [QuestionLine]
    let noQuestions: Bool
    let newQuestion: SurveyQuestionFormView?
    let actions: [Action]
    let publicURL: String?
    let resultsURL: String
    let exportCSV: String
    let exportJSON: String
    let notice: String?
    let errors: FormErrors?
}

/// Editing one question.
struct SurveyQuestionEditView: PageView {
    static let template = "staff-survey-question"

    let id: Int64
    let title: String
    let number: Int
    let form: SurveyQuestionFormView
    let errors: FormErrors?
    let backURL: String
}

// MARK: Building the views

/// Builds the survey views from the domain's values, in the reader's language.
enum SurveysViewText {
    /// The notices the builder shows after an action (fixed texts, by code).
    static let notices: Set<String> = [
        "saved", "question-added", "question-saved", "question-moved", "question-removed", "open", "closed", "results_published",
    ]

    /// "2026-11-01 00:00 至 2026-12-01 00:00" in Beijing time.
    static func window(_ opens: Date, _ closes: Date, text: PageText) -> String {
        text.format("surveys.window", ["from": OfficeTime.minute(opens), "to": OfficeTime.minute(closes)])
    }

    /// "是 (yes) / 否 (no)": the labels with the codes a condition names.
    static func optionList(_ options: [ChoiceOption]) -> String {
        options.map { "\($0.label) (\($0.value))" }.joined(separator: " / ")
    }

    static func typeName(_ type: QuestionType, text: PageText) -> String { text("surveys.types.\(type.rawValue)") }

    /// The answer form's questions, filled in again from a refused form.
    static func questions(
        _ definition: SurveyDefinition, submitted: FormFields?, errors: FormErrors?, text: PageText
    ) -> [SurveyQuestionView] {
        let numbers = Dictionary(uniqueKeysWithValues: definition.questions.enumerated().map { ($1.key, $0 + 1) })
        func values(_ field: String) -> [String] { submitted?.pairs.filter { $0.name == field }.map(\.value) ?? [] }
        return definition.questions.enumerated().map { index, question in
            let field = SurveyAnswering.fieldName(question.key)
            let id = "q-\(question.key)"
            func choices(_ options: [ChoiceOption], field: String, idPrefix: String) -> [SurveyQuestionView.Choice] {
                let chosen = Set(values(field))
                return options.map { option in
                    .init(value: option.value, label: option.label, id: "\(idPrefix)-\(option.value)", checked: chosen.contains(option.value))
                }
            }
            var conditionText: String?
            if let condition = question.condition, let source = definition.question(withKey: condition.questionKey) {
                let label = source.kind.options.first { $0.value == condition.value }?.label ?? condition.value
                conditionText = text.format(
                    "surveys.form.condition", ["n": String(numbers[condition.questionKey] ?? 0), "answer": label])
            }
            var choiceHint: String?
            var scaleEnds: String?
            var list: [SurveyQuestionView.Choice] = []
            var positions: [SurveyQuestionView.Position] = []
            var columns: [String] = []
            var rows: [SurveyQuestionView.MatrixRow] = []
            var maxLength = 0
            switch question.kind {
            case .singleChoice(let options):
                list = choices(options, field: field, idPrefix: id)
            case .multipleChoice(let options, let minChoices, let maxChoices):
                list = choices(options, field: field, idPrefix: id)
                choiceHint = text.format("surveys.form.choose", ["min": String(minChoices), "max": String(maxChoices)])
            case .rating(let scale):
                list = choices(
                    (scale.min...scale.max).map { ChoiceOption(value: String($0), label: String($0)) }, field: field, idPrefix: id)
                if scale.minLabel != nil || scale.maxLabel != nil {
                    scaleEnds = "\(scale.min) = \(scale.minLabel ?? "")  ·  \(scale.max) = \(scale.maxLabel ?? "")"
                }
            case .shortText:
                maxLength = SurveyRules.shortTextMaxLength
            case .longText:
                maxLength = SurveyRules.longTextMaxLength
            case .ranking(let options):
                positions = options.indices.map { position in
                    let positionField = SurveyAnswering.fieldName(question.key, row: String(position + 1))
                    return .init(
                        number: position + 1, field: positionField, id: "\(id)-\(position + 1)",
                        choices: choices(options, field: positionField, idPrefix: "\(id)-\(position + 1)"))
                }
            case .matrix(let matrixRows, let matrixColumns):
                columns = matrixColumns.map(\.label)
                rows = matrixRows.map { row in
                    let rowField = SurveyAnswering.fieldName(question.key, row: row.value)
                    return .init(label: row.label, field: rowField, cells: choices(matrixColumns, field: rowField, idPrefix: "\(id)-\(row.value)"))
                }
            }
            let type = question.kind.type
            return SurveyQuestionView(
                number: index + 1, key: question.key, field: field, id: id, prompt: question.prompt, required: question.isRequired,
                conditionText: conditionText, conditionField: question.condition.map { SurveyAnswering.fieldName($0.questionKey) },
                conditionValue: question.condition?.value, isSingle: type == .singleChoice, isMultiple: type == .multipleChoice,
                isRating: type == .rating, isShortText: type == .shortText, isLongText: type == .longText, isRanking: type == .ranking,
                isMatrix: type == .matrix, choices: list, choiceHint: choiceHint, scaleEnds: scaleEnds, positions: positions,
                columns: columns, rows: rows, text: values(field).first ?? "", maxLength: maxLength,
                error: errors?.fields.first { $0.key == field || $0.key.hasPrefix(field + ".") }?.value)
        }
    }

    /// One question's results: the chart, its table, the approved text.
    static func resultQuestion(
        _ question: QuestionResults, number: Int, texts: [String], chartURL: String, language: Language, text: PageText
    ) -> SurveyResultsPageView.Question {
        var rows: [SurveyResultsPageView.Row] = question.options.map { .init(label: $0.label, count: $0.count, percent: $0.percent.description) }
        for row in question.matrix {
            rows += row.columns.map { .init(label: "\(row.label) · \($0.label)", count: $0.count, percent: $0.percent.description) }
        }
        for item in question.ranking {
            // For a ranking, the figure is the mean position (1 = first).
            rows.append(
                .init(
                    label: item.label, count: item.positions.first ?? 0,
                    percent: item.averagePosition.map { text.format("surveys.results.meanPosition", ["mean": $0.description]) } ?? "—"))
        }
        let chart = SurveyChart.chart(for: question, language: language)
        return .init(
            number: number, prompt: question.prompt,
            answered: text.format("surveys.results.answered", ["answered": String(question.answered), "shown": String(question.shown)]),
            chartURL: chart == nil ? nil : chartURL, chartDescription: chart?.accessibleDescription ?? "", rows: rows,
            mean: question.mean.map { text.format("surveys.results.mean", ["mean": $0.description]) }, texts: texts,
            hasTexts: !texts.isEmpty)
    }

    static func questionForm(
        _ fields: SurveyBuilderForms.QuestionFields, action: String, earlier: [SurveyQuestion], submitLabel: String, text: PageText
    ) -> SurveyQuestionFormView {
        SurveyQuestionFormView(
            action: action,
            types: QuestionType.allCases.map { .init(value: $0.rawValue, label: typeName($0, text: text), selected: $0 == fields.type) },
            key: fields.key, prompt: fields.prompt, required: fields.required, options: fields.options, minChoices: fields.minChoices,
            maxChoices: fields.maxChoices, ratingMin: fields.ratingMin, ratingMax: fields.ratingMax, minLabel: fields.minLabel,
            maxLabel: fields.maxLabel, rows: fields.rows, columns: fields.columns, conditionKey: fields.conditionKey,
            conditionValue: fields.conditionValue,
            earlierKeys: earlier.filter { $0.kind.type.canBeConditionSource }.map {
                .init(value: $0.key, label: "\($0.key) · \($0.prompt)", selected: $0.key == fields.conditionKey)
            },
            submitLabel: submitLabel)
    }

    static func builder(
        _ survey: SurveyView, text: PageText, errors: FormErrors?, newQuestion: SurveyBuilderForms.QuestionFields?, notice: String?
    ) -> SurveyBuilderView {
        let definition = survey.definition
        let editable = SurveyRules.questionsAreEditable(state: survey.state, responseCount: survey.responseCount)
        let base = "/staff/surveys/\(survey.id)"
        let lines = definition.questions.enumerated().map { index, question in
            var details: String?
            switch question.kind {
            case .singleChoice(let options), .ranking(let options): details = SurveysViewText.optionList(options)
            case .multipleChoice(let options, let minChoices, let maxChoices):
                details = SurveysViewText.optionList(options) + " (\(minChoices)–\(maxChoices))"
            case .rating(let scale): details = "\(scale.min)–\(scale.max)"
            case .matrix(let rows, let columns):
                details = rows.map(\.label).joined(separator: " / ") + " × " + columns.map(\.label).joined(separator: " / ")
            case .shortText, .longText: details = nil
            }
            return SurveyBuilderView.QuestionLine(
                index: index, number: index + 1, key: question.key, typeName: typeName(question.kind.type, text: text), prompt: question.prompt,
                required: question.isRequired,
                condition: question.condition.map { text.format("surveys.builder.conditionLine", ["key": $0.questionKey, "value": $0.value]) },
                details: details, editURL: "\(base)/questions/\(index)",
                moveUp: editable && index > 0 ? "\(base)/questions/\(index)/move" : nil,
                moveDown: editable && index < definition.questions.count - 1 ? "\(base)/questions/\(index)/move" : nil,
                remove: "\(base)/questions/\(index)/remove")
        }
        let actions: [SurveyBuilderView.Action] = survey.state.next.sorted { $0.rawValue < $1.rawValue }.map {
            .init(state: $0.rawValue, label: text("surveys.actions.\($0.rawValue)"), hint: text("surveys.actions.\($0.rawValue)Hint"))
        }
        return SurveyBuilderView(
            id: survey.id, title: definition.title, introduction: definition.introduction,
            opensAt: SurveyBuilderForms.localTime(definition.opensAt), closesAt: SurveyBuilderForms.localTime(definition.closesAt),
            modeOpen: definition.mode == .open, anonymous: definition.isAnonymous, state: survey.state.rawValue,
            stateName: text("surveys.states.\(survey.state.rawValue)"), responses: survey.responseCount, invitations: survey.invitations,
            invitationsUsed: survey.invitationsUsed, isInvitation: definition.mode == .invitation, questionsLocked: !editable,
            settingsLocked: survey.state != .draft, questions: lines, noQuestions: lines.isEmpty,
            newQuestion: editable
                ? questionForm(
                    newQuestion ?? SurveyBuilderForms.QuestionFields(), action: "\(base)/questions", earlier: definition.questions,
                    submitLabel: text("surveys.builder.add"), text: text) : nil,
            actions: actions, publicURL: survey.state == .draft ? nil : "/surveys/\(survey.id)", resultsURL: "\(base)/results",
            exportCSV: "\(base)/export?format=csv", exportJSON: "\(base)/export?format=json", notice: notice, errors: errors)
    }
}

// MARK: Refusals

extension SurveysViewText {
    /// A refused form's errors, each message led by the field it is about
    /// ("第 3 题 · 选项：重复"), since a survey's fields are its questions
    /// and have no fixed labels to translate.
    static func errors(_ problem: Problem, text: PageText, questionNumbers: [String: Int] = [:]) -> FormErrors {
        let plain = FormErrors(problem, text: text, prefix: "surveys")
        let colon = text.language == .zh ? "：" : ": "
        var labelled: [FormErrors.Message] = []
        var beside: [String: String] = [:]
        for (error, message) in zip(problem.errors ?? [], plain.messages) {
            let code = text("surveys.codes.\(error.code)")
            let reason = code == "surveys.codes.\(error.code)" ? message.text : code
            if beside[message.field] == nil { beside[message.field] = reason }
            let label = fieldLabel(error.field, questionNumbers: questionNumbers, text: text)
            labelled.append(FormErrors.Message(field: message.field, text: label.map { $0 + colon + reason } ?? reason))
        }
        // A refusal without field errors in the survey's own words
        // (answered already, outside the window, a wrong invitation…).
        var summary = plain.summary
        if labelled.isEmpty, let kind = problem.type.split(separator: ":").last {
            let key = "surveys.problems.\(kind)"
            if text(key) != key { summary = text(key) }
        }
        // The summary names the question; the message beside it need not.
        return FormErrors(summary: summary, messages: labelled, fields: beside)
    }

    /// What a field path names, in the reader's words: `q_<key>` (the
    /// answer form), `questions[2].options[1].label` (the builder), or a
    /// setting (`title`, `closesAt`…); nil when there is no better name.
    static func fieldLabel(_ field: String, questionNumbers: [String: Int], text: PageText) -> String? {
        func part(_ name: Substring) -> String? {
            let key = "surveys.fields.\(name)"
            let label = text(key)
            return label == key ? nil : label
        }
        func question(_ number: Int) -> String { text.format("surveys.fields.question", ["n": String(number)]) }
        if field.hasPrefix(SurveyAnswering.fieldPrefix) {
            let key = field.dropFirst(SurveyAnswering.fieldPrefix.count).prefix { $0 != "." }
            return questionNumbers[String(key)].map(question)
        }
        if let match = field.wholeMatch(of: /questions\[(\d+)\](?:\.([A-Za-z]+).*)?/), let index = Int(match.1) {
            guard let name = match.2, let detail = part(name) else { return question(index + 1) }
            return question(index + 1) + " · " + detail
        }
        return part(field.prefix { $0 != "." && $0 != "[" })
    }
}

extension FormErrors {
    /// Errors with messages already written for the reader: `messages` for
    /// the summary, `fields` beside each field.
    init(summary: String, messages: [Message], fields: [String: String]) {
        self.summary = summary
        self.messages = messages
        self.fields = fields
    }
}
