import Foundation

/// The exports of a consultation, like those of surveys: CSV for
/// spreadsheets (through `CSVWriter`, with its BOM and formula
/// neutralisation) and deterministic JSON.
public enum ConsultationExport {
    /// One row per published comment, in id order: id, day, section label,
    /// text, group (id and summary), decision, reason. A grouped comment
    /// shows its group's decision. Undecided comments have empty cells.
    public static func csv(
        definition: ConsultationDefinition, comments: [ConsultationComment], groups: [CommentGroup],
        decisions: [Int64: AdoptionRecord], language: Language
    ) -> CSVDocument {
        let header =
            language == .zh
            ? ["编号", "提交日期", "条款", "意见内容", "分组", "分组概述", "采纳情况", "理由"]
            : ["id", "submitted_on", "section", "comment", "group", "group_summary", "decision", "reason"]
        let labels = Dictionary(definition.draft.sections.map { ($0.key, $0.label) }, uniquingKeysWith: { first, _ in first })
        var groupOf: [Int64: CommentGroup] = [:]
        for group in groups.sorted(by: { $0.id < $1.id }) {
            for id in group.memberIDs where groupOf[id] == nil { groupOf[id] = group }
        }
        let rows = comments.sorted { $0.id < $1.id }.map { comment -> [String] in
            let section: String
            switch comment.target {
            case .wholeDraft: section = language == .zh ? "全文" : "whole draft"
            case .section(let key): section = labels[key] ?? key
            }
            let group = groupOf[comment.id]
            let record = group.map(\.decision) ?? decisions[comment.id]
            return [
                String(comment.id), comment.submittedOn.description, section, comment.text, group.map { String($0.id) } ?? "",
                group?.summary ?? "", record.map { $0.decision.label(for: language) } ?? "", record?.reason ?? "",
            ]
        }
        return CSVDocument(header: header, rows: rows)
    }

    /// The JSON export: the consultation, its state, the counts per
    /// section, every published comment with its group and decision, and
    /// the report when it can be made.
    public struct Document: Sendable, Codable, Equatable {
        public var consultation: ConsultationDefinition
        public var state: ConsultationState
        public var generatedAt: Date
        public var commentCounts: CommentCounts
        public var comments: [Comment]
        public var groups: [CommentGroup]
        public var report: AdoptionReport?

        public struct Comment: Sendable, Codable, Equatable {
            public var id: Int64
            public var target: CommentTarget
            public var text: String
            /// `2026-11-02`.
            public var submittedOn: String
            public var groupID: Int64?
            public var decision: AdoptionRecord?
        }
    }

    public static func document(
        definition: ConsultationDefinition, state: ConsultationState, comments: [ConsultationComment], groups: [CommentGroup],
        decisions: [Int64: AdoptionRecord], generatedAt: Date
    ) -> Document {
        var groupOf: [Int64: Int64] = [:]
        for group in groups.sorted(by: { $0.id < $1.id }) {
            for id in group.memberIDs where groupOf[id] == nil { groupOf[id] = group.id }
        }
        let report = try? AdoptionReport.build(definition: definition, comments: comments, groups: groups, decisions: decisions)
        return Document(
            consultation: definition, state: state, generatedAt: generatedAt,
            commentCounts: ConsultationComments.counts(draft: definition.draft, targets: comments.map(\.target)),
            comments: comments.sorted { $0.id < $1.id }.map {
                Document.Comment(
                    id: $0.id, target: $0.target, text: $0.text, submittedOn: $0.submittedOn.description, groupID: groupOf[$0.id],
                    decision: decisions[$0.id])
            },
            groups: groups.sorted { $0.id < $1.id }, report: report)
    }

    public static func json(
        definition: ConsultationDefinition, state: ConsultationState, comments: [ConsultationComment], groups: [CommentGroup],
        decisions: [Int64: AdoptionRecord], generatedAt: Date
    ) throws -> Data {
        try JSONExport.encode(
            document(
                definition: definition, state: state, comments: comments, groups: groups, decisions: decisions, generatedAt: generatedAt))
    }
}
