import Foundation

/// What the office did with a comment or a group of comments.
public enum AdoptionDecision: String, Sendable, Codable, CaseIterable {
    /// 采纳
    case adopted
    /// 部分采纳
    case partlyAdopted = "partly_adopted"
    /// 不予采纳
    case notAdopted = "not_adopted"

    public func label(for language: Language) -> String {
        switch (self, language) {
        case (.adopted, .zh): "采纳"
        case (.partlyAdopted, .zh): "部分采纳"
        case (.notAdopted, .zh): "不予采纳"
        case (.adopted, .en): "adopted"
        case (.partlyAdopted, .en): "partly adopted"
        case (.notAdopted, .en): "not adopted"
        }
    }
}

/// A decision with its reason. The reason is required for every decision,
/// adoption included: the report says what changed in the text, or why
/// nothing did.
public struct AdoptionRecord: Sendable, Codable, Equatable {
    public var decision: AdoptionDecision
    public var reason: String

    public init(decision: AdoptionDecision, reason: String) {
        self.decision = decision
        self.reason = reason
    }

    /// Checks a decision form (`decision`, `reason`); `prefix` names the
    /// fields (`groups.3.` gives `groups.3.decision`).
    public static func validated(decision: String?, reason: String?, prefix: String = "") throws(ValidationFailure) -> AdoptionRecord {
        var errors: [FieldError] = []
        let parsed = decision.flatMap { AdoptionDecision(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        if decision?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
            errors.append(.required(prefix + "decision"))
        } else if parsed == nil {
            errors.append(.invalid(prefix + "decision", "decision must be adopted, partly_adopted or not_adopted"))
        }
        let text = TextRules.requiredText(
            TextRules.cleanedText(reason ?? "", singleLine: false), field: prefix + "reason",
            maxLength: ConsultationRules.decisionReasonMaxLength, into: &errors)
        try ValidationFailure.check(errors)
        return AdoptionRecord(decision: parsed!, reason: text)
    }
}

/// Similar comments gathered by staff under one summary; the group's
/// decision applies to every member, which then has no decision of its
/// own.
public struct CommentGroup: Sendable, Codable, Equatable {
    public var id: Int64
    /// What the comments say, in the office's words.
    public var summary: String
    public var memberIDs: [Int64]
    public var decision: AdoptionRecord?

    public init(id: Int64, summary: String, memberIDs: [Int64], decision: AdoptionRecord? = nil) {
        self.id = id
        self.summary = summary
        self.memberIDs = memberIDs
        self.decision = decision
    }
}

/// The adoption report (采纳情况说明): for each group and each comment not
/// in a group, what it was about, the decision and the reason, with the
/// totals. Its publication finishes the consultation.
public struct AdoptionReport: Sendable, Codable, Equatable {
    public struct DecisionCounts: Sendable, Codable, Equatable {
        /// Comments (each member of a group counted) per decision.
        public var adopted: Int
        public var partlyAdopted: Int
        public var notAdopted: Int

        public init(adopted: Int = 0, partlyAdopted: Int = 0, notAdopted: Int = 0) {
            self.adopted = adopted
            self.partlyAdopted = partlyAdopted
            self.notAdopted = notAdopted
        }

        mutating func add(_ decision: AdoptionDecision, _ count: Int) {
            switch decision {
            case .adopted: adopted += count
            case .partlyAdopted: partlyAdopted += count
            case .notAdopted: notAdopted += count
            }
        }
    }

    public struct Entry: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable {
            case group
            case comment
        }

        public var kind: Kind
        /// The group's or the comment's id.
        public var id: Int64
        /// The group's summary, or the comment's (published) text.
        public var summary: String
        public var commentIDs: [Int64]
        /// The sections the comments are about, in draft order: section
        /// keys, `draft` for the whole draft.
        public var targets: [String]
        /// Their labels: `第十二条`, `全文` for the whole draft.
        public var targetLabels: [String]
        public var decision: AdoptionDecision
        public var reason: String
    }

    public var title: String
    public var commentCount: Int
    public var decisionCounts: DecisionCounts
    public var commentCounts: CommentCounts
    /// Ordered by the first section they concern (the whole draft first),
    /// then by the lowest comment id.
    public var entries: [Entry]

    /// The report, or every reason it cannot be made yet. Field names use
    /// ids: `comments.17` (code `undecided`, or `conflict` when a grouped
    /// comment has its own decision), `groups.3.summary`,
    /// `groups.3.memberIDs` (`too_few`, `unknown_comment`, `duplicate`),
    /// `groups.3.decision`, `groups.3.reason`, `comments.17.reason`.
    public static func build(
        definition: ConsultationDefinition, comments: [ConsultationComment], groups: [CommentGroup],
        decisions: [Int64: AdoptionRecord]
    ) throws(ValidationFailure) -> AdoptionReport {
        var errors: [FieldError] = []
        let report = make(definition: definition, comments: comments, groups: groups, decisions: decisions, into: &errors)
        try ValidationFailure.check(errors)
        return report
    }

    /// What stands between the consultation and its report: pass to
    /// `ConsultationRules.transition(…, reportErrors:)`.
    public static func errors(
        definition: ConsultationDefinition, comments: [ConsultationComment], groups: [CommentGroup],
        decisions: [Int64: AdoptionRecord]
    ) -> [FieldError] {
        var errors: [FieldError] = []
        _ = make(definition: definition, comments: comments, groups: groups, decisions: decisions, into: &errors)
        return errors
    }

    static func make(
        definition: ConsultationDefinition, comments: [ConsultationComment], groups: [CommentGroup],
        decisions: [Int64: AdoptionRecord], into errors: inout [FieldError]
    ) -> AdoptionReport {
        let byID = Dictionary(comments.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sectionOrder = Dictionary(
            definition.draft.sections.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        let sectionLabels = Dictionary(
            definition.draft.sections.map { ($0.key, $0.label) }, uniquingKeysWith: { first, _ in first })
        func order(_ target: CommentTarget) -> Int {
            switch target {
            case .wholeDraft: -1
            case .section(let key): sectionOrder[key] ?? Int.max
            }
        }
        func targets(of members: [ConsultationComment]) -> [CommentTarget] {
            Array(Set(members.map(\.target))).sorted { (order($0), $0.value) < (order($1), $1.value) }
        }
        func label(_ target: CommentTarget) -> String {
            switch target {
            case .wholeDraft: "全文"
            case .section(let key): sectionLabels[key] ?? key
            }
        }
        func checked(_ record: AdoptionRecord, prefix: String) -> AdoptionRecord? {
            do {
                return try AdoptionRecord.validated(decision: record.decision.rawValue, reason: record.reason, prefix: prefix)
            } catch {
                errors += error.errors
                return nil
            }
        }

        var entries: [Entry] = []
        var counts = DecisionCounts()
        var groupOf: [Int64: Int64] = [:]
        for group in groups.sorted(by: { $0.id < $1.id }) {
            let prefix = "groups.\(group.id)."
            let summary = TextRules.requiredText(
                group.summary, field: prefix + "summary", maxLength: ConsultationRules.groupSummaryMaxLength, into: &errors)
            var members: [ConsultationComment] = []
            for id in group.memberIDs {
                guard let comment = byID[id] else {
                    errors.append(FieldError(field: prefix + "memberIDs", code: "unknown_comment", message: "no published comment \(id)"))
                    continue
                }
                if let other = groupOf[id] {
                    errors.append(
                        FieldError(field: prefix + "memberIDs", code: "duplicate", message: "comment \(id) is already in group \(other)"))
                    continue
                }
                groupOf[id] = group.id
                members.append(comment)
            }
            if group.memberIDs.count < ConsultationRules.minGroupSize {
                errors.append(
                    FieldError(
                        field: prefix + "memberIDs", code: "too_few",
                        message: "a group gathers at least \(ConsultationRules.minGroupSize) comments"))
            }
            guard let decision = group.decision else {
                errors.append(.required(prefix + "decision"))
                continue
            }
            guard let record = checked(decision, prefix: prefix) else { continue }
            let memberTargets = targets(of: members)
            counts.add(record.decision, members.count)
            entries.append(
                Entry(
                    kind: .group, id: group.id, summary: summary, commentIDs: members.map(\.id).sorted(),
                    targets: memberTargets.map(\.value), targetLabels: memberTargets.map(label), decision: record.decision,
                    reason: record.reason))
        }
        for comment in comments.sorted(by: { $0.id < $1.id }) {
            let field = "comments.\(comment.id)"
            if let group = groupOf[comment.id] {
                if decisions[comment.id] != nil {
                    errors.append(
                        FieldError(
                            field: field, code: "conflict",
                            message: "comment \(comment.id) is in group \(group), whose decision applies; remove its own decision"))
                }
                continue
            }
            guard let decision = decisions[comment.id] else {
                errors.append(FieldError(field: field, code: "undecided", message: "comment \(comment.id) has no decision"))
                continue
            }
            guard let record = checked(decision, prefix: field + ".") else { continue }
            counts.add(record.decision, 1)
            entries.append(
                Entry(
                    kind: .comment, id: comment.id, summary: comment.text, commentIDs: [comment.id], targets: [comment.target.value],
                    targetLabels: [label(comment.target)], decision: record.decision, reason: record.reason))
        }
        func firstOrder(_ entry: Entry) -> Int {
            entry.targets.map { order(CommentTarget(value: $0)) }.min() ?? Int.max
        }
        entries.sort { (firstOrder($0), $0.commentIDs.first ?? 0, $0.kind.rawValue) < (firstOrder($1), $1.commentIDs.first ?? 0, $1.kind.rawValue) }
        return AdoptionReport(
            title: definition.title, commentCount: comments.count, decisionCounts: counts,
            commentCounts: ConsultationComments.counts(draft: definition.draft, targets: comments.map(\.target)), entries: entries)
    }
}
