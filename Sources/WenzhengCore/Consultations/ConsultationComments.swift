import Foundation

/// What a comment is about: one section (article) of the draft, or the
/// draft as a whole.
///
/// As a string (forms, JSON, a database column): `draft` for the whole
/// draft, otherwise the section's key (`art-12`).
public enum CommentTarget: Sendable, Hashable {
    case wholeDraft
    case section(String)

    public static let wholeDraftValue = "draft"

    public var value: String {
        switch self {
        case .wholeDraft: Self.wholeDraftValue
        case .section(let key): key
        }
    }

    public init(value: String) {
        self = value == Self.wholeDraftValue ? .wholeDraft : .section(value)
    }
}

extension CommentTarget: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(value: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A citizen's comment as submitted and checked, before moderation.
public struct CommentSubmission: Sendable, Equatable {
    public var target: CommentTarget
    public var text: String
    /// Shown masked (`InterviewRules.publicNickname`) when published.
    public var nickname: String?

    public init(target: CommentTarget, text: String, nickname: String?) {
        self.target = target
        self.text = text
        self.nickname = nickname
    }
}

/// A comment that passed moderation, as storage gives it to the report
/// and the public page (rejected comments are in neither).
public struct ConsultationComment: Sendable, Codable, Equatable {
    public var id: Int64
    public var target: CommentTarget
    /// The published text (after moderation, with personal information
    /// masked).
    public var text: String
    public var submittedOn: CivilDate

    public init(id: Int64, target: CommentTarget, text: String, submittedOn: CivilDate) {
        self.id = id
        self.target = target
        self.text = text
        self.submittedOn = submittedOn
    }
}

/// How many comments each section has: the public page shows this
/// while the consultation is open and beside the report.
public struct CommentCounts: Sendable, Codable, Equatable {
    public struct Section: Sendable, Codable, Equatable {
        public var key: String
        public var label: String
        public var count: Int

        public init(key: String, label: String, count: Int) {
            self.key = key
            self.label = label
            self.count = count
        }
    }

    /// Comments on the draft as a whole.
    public var wholeDraft: Int
    /// Every section in draft order, with zero counts too.
    public var sections: [Section]

    public init(wholeDraft: Int, sections: [Section]) {
        self.wholeDraft = wholeDraft
        self.sections = sections
    }

    public var total: Int { wholeDraft + sections.reduce(0) { $0 + $1.count } }
}

public enum ConsultationComments {
    /// Checks a comment form (`target`, `text`, `nickname`): every error at
    /// once. An empty or missing target means the whole draft; so does the
    /// key of the single section of a draft without articles.
    public static func validated(
        target: String?, text: String?, nickname: String?, draft: DraftSplit
    ) throws(ValidationFailure) -> CommentSubmission {
        var errors: [FieldError] = []
        let targetValue = (target ?? "").trimmingCharacters(in: .whitespaces)
        var resolved = CommentTarget.wholeDraft
        if !targetValue.isEmpty && targetValue != CommentTarget.wholeDraftValue && targetValue != DraftSection.wholeDraftKey {
            if draft.section(withKey: targetValue) != nil {
                resolved = .section(targetValue)
            } else {
                errors.append(FieldError(field: "target", code: "unknown_section", message: "the draft has no section '\(targetValue)'"))
            }
        }
        let cleaned = TextRules.requiredText(
            TextRules.cleanedText(text ?? "", singleLine: false), field: "text", maxLength: ConsultationRules.commentMaxLength,
            into: &errors)
        if !cleaned.isEmpty && cleaned.unicodeScalars.count < ConsultationRules.commentMinLength {
            errors.append(.tooShort("text", min: ConsultationRules.commentMinLength))
        }
        let name = TextRules.optionalText(
            nickname.map { TextRules.cleanedText($0, singleLine: true) }, field: "nickname",
            maxLength: ConsultationRules.nicknameMaxLength, into: &errors)
        try ValidationFailure.check(errors)
        return CommentSubmission(target: resolved, text: cleaned, nickname: name)
    }

    /// Counts per section and for the whole draft. Targets naming no
    /// section of the draft are not counted (the draft cannot change once
    /// the consultation is open, so there are none).
    public static func counts(draft: DraftSplit, targets: some Sequence<CommentTarget>) -> CommentCounts {
        var bySection: [String: Int] = [:]
        var whole = 0
        for target in targets {
            switch target {
            case .wholeDraft: whole += 1
            case .section(let key): bySection[key, default: 0] += 1
            }
        }
        let sections = draft.sections.map { CommentCounts.Section(key: $0.key, label: $0.label, count: bySection[$0.key] ?? 0) }
        return CommentCounts(wholeDraft: whole, sections: sections)
    }
}
