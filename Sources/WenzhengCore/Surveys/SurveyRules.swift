import Foundation

/// Where a survey is in its life.
public enum SurveyState: String, Sendable, Codable, CaseIterable {
    /// Being built; not public.
    case draft
    /// Public; answers are accepted inside its window.
    case open
    /// No more answers. The anonymity secret is destroyed on entering this
    /// state, so a survey is never reopened (see `SurveyAnonymity`).
    case closed
    /// The results are public.
    case resultsPublished = "results_published"

    public var phase: ParticipationPhase {
        switch self {
        case .draft: .preparing
        case .open: .accepting
        case .closed, .resultsPublished: .over
        }
    }

    /// The states a survey may move to from this one.
    public var next: Set<SurveyState> {
        switch self {
        case .draft: [.open]
        case .open: [.closed]
        case .closed: [.resultsPublished]
        case .resultsPublished: []
        }
    }
}

/// Why a state change was refused.
public enum SurveyTransitionError: Error, Sendable, Equatable {
    /// `from` cannot move to `to` (see `SurveyState.next`).
    case notAllowed(from: SurveyState, to: SurveyState)
    /// A survey cannot open with a definition the builder rejects.
    case invalidDefinition([FieldError])
}

/// Limits and rules of surveys. Text lengths count Unicode scalars, as
/// everywhere in Wenzheng (`TextRules`).
public enum SurveyRules {
    public static let titleMaxLength = 120
    public static let introductionMaxLength = 5000
    public static let promptMaxLength = 500
    public static let optionLabelMaxLength = 200
    public static let scaleLabelMaxLength = 40
    /// Question keys and option values go into form field names and
    /// exports' column names: short ASCII identifiers.
    public static let identifierMaxLength = 32
    public static let maxQuestions = 100
    /// Options of a single or multiple choice question.
    public static let maxOptions = 50
    /// Ordering more than this many items is not a task people do well,
    /// and without JavaScript each position is a drop-down.
    public static let maxRankingOptions = 20
    public static let maxMatrixRows = 30
    public static let maxMatrixColumns = 10
    /// A rating scale's ends lie in this range, with at least two points
    /// (0–10 covers the 0–10 "would you recommend" scale; 1–5 is usual).
    public static let ratingBounds = 0...10
    /// Answer lengths.
    public static let shortTextMaxLength = 200
    public static let longTextMaxLength = 5000
    /// The longest a submitted form field value may be before it is even
    /// looked at (a long-text answer plus generous room for CRLFs).
    public static let formValueMaxLength = 12_000

    /// Identifiers: 1 to `identifierMaxLength` ASCII letters, digits, `_`
    /// or `-`. No `.` (it separates a matrix row in a form field name) and
    /// no `:` (it separates the parts of a tally slot).
    public static func isValidIdentifier(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= identifierMaxLength else { return false }
        return text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }

    /// Moves a survey to `target` at `now`, or says why not. Opening also
    /// requires a definition the builder accepts, with at least one
    /// question, and a closing time still to come (a survey opened after its
    /// window would refuse every answer).
    public static func transition(
        from state: SurveyState, to target: SurveyState, definition: SurveyDefinition, now: Date
    ) throws(SurveyTransitionError) -> SurveyState {
        guard state.next.contains(target) else { throw .notAllowed(from: state, to: target) }
        if target == .open {
            var errors = SurveyBuilder.errors(in: definition)
            if definition.closesAt <= now {
                errors.append(FieldError(field: "closesAt", code: "in_the_past", message: "closesAt has passed; choose a later closing time"))
            }
            if !errors.isEmpty { throw .invalidDefinition(errors) }
        }
        return target
    }

    /// Whether an answer is taken now (see `ParticipationWindow.availability`).
    public static func availability(state: SurveyState, window: ParticipationWindow, now: Date) -> ParticipationAvailability {
        window.availability(in: state.phase, now: now)
    }

    /// Questions cannot change once the survey has responses: every
    /// response was given to exactly these questions, and results and
    /// exports count them together. Before the first response (in a draft,
    /// or an open survey nobody has answered yet) they may still change.
    public static func questionsAreEditable(state: SurveyState, responseCount: Int) -> Bool {
        responseCount == 0 && (state == .draft || state == .open)
    }

    /// What may not change in an edit from `current` to `proposed`, as
    /// field errors (code `locked`):
    /// - questions, per `questionsAreEditable`;
    /// - mode, anonymity and opening time only in a draft: once a survey
    ///   is public, citizens were told how it works, and tokens and
    ///   responses exist under those terms;
    /// - the closing time in a draft or while open (to extend or shorten
    ///   the window), not after closing;
    /// - title and introduction at any time (typos).
    /// The proposed definition must also pass `SurveyBuilder`.
    public static func editErrors(
        current: SurveyDefinition, proposed: SurveyDefinition, state: SurveyState, responseCount: Int
    ) -> [FieldError] {
        var errors: [FieldError] = []
        func locked(_ field: String, _ reason: String) {
            errors.append(FieldError(field: field, code: "locked", message: "\(field) cannot change: \(reason)"))
        }
        if current.questions != proposed.questions && !questionsAreEditable(state: state, responseCount: responseCount) {
            locked("questions", responseCount > 0 ? "the survey has responses" : "the survey is \(state.rawValue)")
        }
        if state != .draft {
            if current.mode != proposed.mode { locked("mode", "the survey is no longer a draft") }
            if current.isAnonymous != proposed.isAnonymous { locked("isAnonymous", "the survey is no longer a draft") }
            if current.opensAt != proposed.opensAt { locked("opensAt", "the survey is no longer a draft") }
        }
        if (state == .closed || state == .resultsPublished) && current.closesAt != proposed.closesAt {
            locked("closesAt", "the survey is closed")
        }
        return errors
    }
}
