import Foundation

/// A public consultation on a draft (征求意见): the draft split into
/// articles, its window, and the summary of the drafting explanation.
public struct ConsultationDefinition: Sendable, Codable, Equatable {
    public var title: String
    /// A summary of the drafting explanation (起草说明): why the document is
    /// made and what it changes.
    public var draftingExplanation: String
    public var opensAt: Date
    public var closesAt: Date
    /// The split staff confirmed after the import.
    public var draft: DraftSplit

    public init(title: String, draftingExplanation: String, opensAt: Date, closesAt: Date, draft: DraftSplit) {
        self.title = title
        self.draftingExplanation = draftingExplanation
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.draft = draft
    }

    public var window: ParticipationWindow { ParticipationWindow(opensAt: opensAt, closesAt: closesAt) }
}

/// Where a consultation is in its life.
///
/// The issue's rule, "a consultation cannot be closed until its adoption
/// report (采纳情况说明) is published", is modelled by keeping two things
/// apart that the word "closed" could mean:
/// - `closed` is the end of the **comment period**: citizens can no longer
///   comment, and staff work through the comments. A consultation in this
///   state is *not* finished, and pages say so ("意见征集已截止，采纳情况
///   整理中"), never "已结束".
/// - The consultation is **closed as finished** (`isFinished`, 已办结)
///   only in `reportPublished`, and the only way there is publishing a
///   complete adoption report (`ConsultationRules.transition`). There is
///   no other end state and no way around the report: a "close" or
///   "finish" action in the office's pages is the report's publication.
public enum ConsultationState: String, Sendable, Codable, CaseIterable {
    /// Being prepared; not public.
    case draft
    /// Public; comments are accepted inside the window.
    case open
    /// Comment period over; the adoption report is being prepared.
    case closed
    /// The adoption report is public: the consultation is finished.
    case reportPublished = "report_published"

    public var next: Set<ConsultationState> {
        switch self {
        case .draft: [.open]
        case .open: [.closed]
        case .closed: [.reportPublished]
        case .reportPublished: []
        }
    }

    public var phase: ParticipationPhase {
        switch self {
        case .draft: .preparing
        case .open: .accepting
        case .closed, .reportPublished: .over
        }
    }

    /// Closed as finished: only once the adoption report is published.
    public var isFinished: Bool { self == .reportPublished }
}

/// Why a consultation's state change was refused.
public enum ConsultationTransitionError: Error, Sendable, Equatable {
    case notAllowed(from: ConsultationState, to: ConsultationState)
    /// Opening needs a definition `ConsultationRules.validated` accepts.
    case invalidDefinition([FieldError])
    /// The consultation cannot be finished: its adoption report is not
    /// complete (`AdoptionReport.build`'s errors: undecided comments,
    /// missing reasons).
    case reportIncomplete([FieldError])
}

public enum ConsultationRules {
    public static let titleMaxLength = 120
    public static let draftingExplanationMaxLength = 10_000
    /// A whole draft, in Unicode scalars (a long regulation is 30,000).
    public static let draftMaxLength = 300_000
    /// Articles in one draft.
    public static let maxSections = 3000
    /// A 编/章/节 heading line is at most this long.
    public static let headingMaxLength = 40
    public static let commentMinLength = 2
    public static let commentMaxLength = 2000
    public static let nicknameMaxLength = 20
    /// A comment group's summary of what its comments say.
    public static let groupSummaryMaxLength = 500
    public static let decisionReasonMaxLength = 2000
    /// A group gathers similar comments: two at least.
    public static let minGroupSize = 2

    /// The definition with text trimmed, or every error in it.
    public static func validated(_ definition: ConsultationDefinition) throws(ValidationFailure) -> ConsultationDefinition {
        var errors: [FieldError] = []
        var result = definition
        result.title = TextRules.requiredText(definition.title, field: "title", maxLength: titleMaxLength, into: &errors)
        result.draftingExplanation = TextRules.requiredText(
            definition.draftingExplanation, field: "draftingExplanation", maxLength: draftingExplanationMaxLength, into: &errors)
        if definition.closesAt <= definition.opensAt {
            errors.append(FieldError(field: "closesAt", code: "before_opening", message: "closesAt must be after opensAt"))
        }
        if definition.draft.sections.isEmpty {
            errors.append(.required("draft"))
        } else if definition.draft.sections.count > maxSections {
            errors.append(FieldError(field: "draft", code: "too_many", message: "a draft can have at most \(maxSections) articles"))
        }
        let keys = definition.draft.sections.map(\.key)
        if Set(keys).count != keys.count {
            errors.append(FieldError(field: "draft", code: "duplicate", message: "two sections of the draft have the same key"))
        }
        try ValidationFailure.check(errors)
        return result
    }

    /// Moves a consultation to `target`, or says why not. Opening needs a
    /// valid definition; publishing the report (the only way to finish)
    /// needs a complete report, checked by `reportErrors` (pass
    /// `AdoptionReport.errors(…)`).
    public static func transition(
        from state: ConsultationState, to target: ConsultationState, definition: ConsultationDefinition,
        reportErrors: [FieldError]
    ) throws(ConsultationTransitionError) -> ConsultationState {
        guard state.next.contains(target) else { throw .notAllowed(from: state, to: target) }
        switch target {
        case .open:
            do {
                _ = try validated(definition)
            } catch {
                throw .invalidDefinition(error.errors)
            }
        case .reportPublished:
            if !reportErrors.isEmpty { throw .reportIncomplete(reportErrors) }
        case .draft, .closed:
            break
        }
        return target
    }

    /// Whether a comment is taken now (409 with the window otherwise).
    public static func availability(state: ConsultationState, window: ParticipationWindow, now: Date) -> ParticipationAvailability {
        window.availability(in: state.phase, now: now)
    }
}
