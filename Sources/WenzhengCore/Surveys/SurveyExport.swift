import Foundation

/// A response as storage returns it for results and exports.
public struct SurveyResponseRecord: Sendable, Codable, Equatable {
    /// `SurveyAnonymity.responseID()`: random, so sorting by it reveals no
    /// arrival order.
    public var id: String
    /// The office's date of submission.
    public var submittedOn: CivilDate
    /// The instant, kept only when the survey is not anonymous
    /// (`SurveyAnonymity.recordingPolicy`).
    public var submittedAt: Date?
    public var response: SurveyResponse

    public init(id: String, submittedOn: CivilDate, submittedAt: Date? = nil, response: SurveyResponse) {
        self.id = id
        self.submittedOn = submittedOn
        self.submittedAt = submittedAt
        self.response = response
    }
}

/// The two export formats of a survey (`wenzheng export survey ID
/// --format csv|json`), for staff. Free text is exported as the citizen
/// wrote it: exports are internal documents; only moderated text is ever
/// published.
///
/// Responses are written sorted by day, then id, so the order is the same
/// in every export and says nothing about the order of arrival.
public enum SurveyExport {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json

        /// The media type of a download.
        public var mediaType: String { self == .csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8" }
    }

    /// One row per response; unanswered and hidden questions are empty
    /// cells. Columns: id, day, (time, when kept), then per question:
    /// - single choice, rating, text: one column, `key prompt`, holding the
    ///   option's label, the number or the text;
    /// - multiple choice: one column per option, `key.value prompt — label`,
    ///   holding `1` when chosen;
    /// - ranking: one column per option, holding its position (1 = first);
    /// - matrix: one column per row, `key.row prompt — row label`, holding
    ///   the chosen column's label.
    public static func csv(definition: SurveyDefinition, records: [SurveyResponseRecord], language: Language) -> CSVDocument {
        let keepsTime = records.contains { $0.submittedAt != nil }
        var header = language == .zh ? ["编号", "提交日期"] : ["id", "submitted_on"]
        if keepsTime { header.append(language == .zh ? "提交时间" : "submitted_at") }
        for question in definition.questions {
            switch question.kind {
            case .multipleChoice(let options, _, _), .ranking(let options):
                header += options.map { "\(question.key).\($0.value) \(question.prompt) — \($0.label)" }
            case .matrix(let rows, _):
                header += rows.map { "\(question.key).\($0.value) \(question.prompt) — \($0.label)" }
            case .singleChoice, .rating, .shortText, .longText:
                header.append("\(question.key) \(question.prompt)")
            }
        }
        let rows = sorted(records).map { record in
            var row = [record.id, record.submittedOn.description]
            if keepsTime { row.append(record.submittedAt.map(isoTime) ?? "") }
            for question in definition.questions {
                row += cells(record.response.answers[question.key], for: question)
            }
            return row
        }
        return CSVDocument(header: header, rows: rows)
    }

    static func cells(_ answer: SurveyAnswer?, for question: SurveyQuestion) -> [String] {
        switch question.kind {
        case .singleChoice(let options):
            guard case .choice(let value)? = answer else { return [""] }
            return [options.first { $0.value == value }?.label ?? value]
        case .multipleChoice(let options, _, _):
            guard case .choices(let values)? = answer else { return options.map { _ in "" } }
            return options.map { values.contains($0.value) ? "1" : "" }
        case .rating:
            guard case .rating(let value)? = answer else { return [""] }
            return [String(value)]
        case .shortText, .longText:
            guard case .text(let text)? = answer else { return [""] }
            return [text]
        case .ranking(let options):
            guard case .ranking(let order)? = answer else { return options.map { _ in "" } }
            return options.map { option in order.firstIndex(of: option.value).map { String($0 + 1) } ?? "" }
        case .matrix(let rows, let columns):
            guard case .matrix(let cells)? = answer else { return rows.map { _ in "" } }
            return rows.map { row in
                guard let column = cells[row.value] else { return "" }
                return columns.first { $0.value == column }?.label ?? column
            }
        }
    }

    /// The JSON export: the definition, the results, and every response.
    public struct Document: Sendable, Codable, Equatable {
        public var survey: SurveyDefinition
        public var state: SurveyState
        /// When the export was made (given by the caller, so the same data
        /// exported twice at the same instant gives the same bytes).
        public var generatedAt: Date
        public var results: SurveyResults
        public var responses: [Response]

        public struct Response: Sendable, Codable, Equatable {
            public var id: String
            /// `2026-11-02`.
            public var submittedOn: String
            public var submittedAt: Date?
            public var answers: [String: SurveyAnswer]
        }
    }

    public static func document(
        definition: SurveyDefinition, state: SurveyState, records: [SurveyResponseRecord], generatedAt: Date
    ) -> Document {
        var tally = SurveyTally(definition: definition)
        for record in records { tally.add(record.response) }
        return Document(
            survey: definition, state: state, generatedAt: generatedAt, results: tally.results(),
            responses: sorted(records).map {
                Document.Response(
                    id: $0.id, submittedOn: $0.submittedOn.description, submittedAt: $0.submittedAt, answers: $0.response.answers)
            })
    }

    /// `JSONExport` bytes of `document(…)`.
    public static func json(
        definition: SurveyDefinition, state: SurveyState, records: [SurveyResponseRecord], generatedAt: Date
    ) throws -> Data {
        try JSONExport.encode(document(definition: definition, state: state, records: records, generatedAt: generatedAt))
    }

    static func sorted(_ records: [SurveyResponseRecord]) -> [SurveyResponseRecord] {
        records.sorted { ($0.submittedOn, $0.id) < ($1.submittedOn, $1.id) }
    }

    /// ISO 8601 with the office's offset (`2026-11-02T09:30:00+08:00`), as
    /// staff read times.
    static func isoTime(_ date: Date) -> String {
        Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: CivilDate.officeTimeZone).format(date)
    }
}
