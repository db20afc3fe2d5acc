import Foundation

/// What the office may change on a consultation, and when: the title,
/// the drafting explanation, the window and the draft itself.
public struct ConsultationSettings: Sendable, Codable, Equatable {
    public var title: String
    public var draftingExplanation: String
    public var opensAt: Date
    public var closesAt: Date

    public init(title: String, draftingExplanation: String, opensAt: Date, closesAt: Date) {
        self.title = title
        self.draftingExplanation = draftingExplanation
        self.opensAt = opensAt
        self.closesAt = closesAt
    }
}

/// Who in the office runs a consultation, and what may still change in
/// each state. Pure: the store enforces these, the pages show them.
public enum ConsultationOffice {
    /// Import drafts, edit them, group comments and record decisions:
    /// the department's staff and their leaders.
    public static let organisers: Set<Role> = [.admin, .handler, .reviewer]

    /// Open a consultation, end its comment period and publish the
    /// adoption report: what the public sees as the office's word, signed
    /// off by a leader (as replies to letters are).
    public static let publishers: Set<Role> = [.admin, .reviewer]

    /// 《重大行政决策程序暂行条例》 art. 15: a public comment period is in
    /// general at least 30 days. The import's default window.
    public static let defaultCommentPeriodDays = 30

    /// The window a new import gets when staff give none: from the next
    /// midnight in Beijing, for `defaultCommentPeriodDays` days. Staff
    /// change it before opening.
    public static func defaultWindow(importedAt now: Date) -> ParticipationWindow {
        let today = CivilDate(now)
        let opens = midnight(today.nextDay)
        let closes = midnight(CivilDate(daysSinceEpoch: today.nextDay.daysSinceEpoch + defaultCommentPeriodDays))
        return ParticipationWindow(opensAt: opens, closesAt: closes)
    }

    /// 00:00 of a day in Beijing (UTC+8 all year).
    static func midnight(_ day: CivilDate) -> Date {
        let offset = TimeInterval(CivilDate.officeTimeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)))
        return Date(timeIntervalSince1970: TimeInterval(day.daysSinceEpoch) * 86_400 - offset)
    }

    /// The settings with text cleaned and trimmed, or every error in them.
    /// A draft may leave the explanation empty until it opens
    /// (`ConsultationRules.validated` then requires it).
    public static func validated(_ settings: ConsultationSettings, state: ConsultationState) throws(ValidationFailure)
        -> ConsultationSettings
    {
        var errors: [FieldError] = []
        var result = settings
        result.title = TextRules.requiredText(
            TextRules.cleanedText(settings.title, singleLine: true), field: "title", maxLength: ConsultationRules.titleMaxLength,
            into: &errors)
        let explanation = TextRules.cleanedText(settings.draftingExplanation, singleLine: false)
        result.draftingExplanation =
            state == .draft
            ? TextRules.optionalText(
                explanation, field: "draftingExplanation", maxLength: ConsultationRules.draftingExplanationMaxLength, into: &errors)
                ?? ""
            : TextRules.requiredText(
                explanation, field: "draftingExplanation", maxLength: ConsultationRules.draftingExplanationMaxLength, into: &errors)
        if settings.closesAt <= settings.opensAt {
            errors.append(FieldError(field: "closesAt", code: "before_opening", message: "closesAt must be after opensAt"))
        }
        try ValidationFailure.check(errors)
        return result
    }

    /// What may change in each state (code `locked` otherwise):
    ///
    /// | state | title, explanation | opening time | closing time | draft text |
    /// | --- | --- | --- | --- | --- |
    /// | draft | yes | yes | yes | yes (the split is confirmed again) |
    /// | open | corrections | no: the public saw it | yes (extended, or shortened on the record) | no: comments refer to its articles |
    /// | closed | corrections | no | no: the period is over | no |
    /// | report published | no: it is the office's record | no | no | no |
    public static func editErrors(
        state: ConsultationState, from old: ConsultationSettings, to new: ConsultationSettings, draftChanged: Bool
    ) -> [FieldError] {
        var errors: [FieldError] = []
        func lock(_ field: String, _ why: String) {
            errors.append(FieldError(field: field, code: "locked", message: "\(field) cannot change \(why)"))
        }
        let stateName = state.rawValue.replacingOccurrences(of: "_", with: " ")
        if state == .reportPublished {
            if new.title != old.title { lock("title", "once the adoption report is published") }
            if new.draftingExplanation != old.draftingExplanation {
                lock("draftingExplanation", "once the adoption report is published")
            }
        }
        if state != .draft {
            if new.opensAt != old.opensAt { lock("opensAt", "once the consultation is \(stateName)") }
            if draftChanged { lock("draft", "once the consultation is \(stateName): comments refer to its articles") }
        }
        if state == .closed || state == .reportPublished, new.closesAt != old.closesAt {
            lock("closesAt", "once the comment period is over")
        }
        return errors
    }

    /// Why a consultation cannot open now, beyond its definition's own
    /// rules (`ConsultationRules.validated`): a window that is already
    /// over would open it closed.
    public static func openingErrors(_ definition: ConsultationDefinition, now: Date) -> [FieldError] {
        guard definition.closesAt <= now else { return [] }
        return [FieldError(field: "closesAt", code: "in_the_past", message: "closesAt has passed; choose a later closing time")]
    }
}
