import Foundation
import GRDB
import WenzhengCore

/// The office's answer to the comments: groups of similar comments,
/// decisions with reasons, and what the adoption report is made from.
extension GRDBConsultationsStore {
    func groupComments(consultationID: Int64, summary: String, commentIDs: [Int64], actor: AuthenticatedStaff, at now: Date)
        async throws -> CommentGroup
    {
        try Self.ensureRole(actor, ConsultationOffice.organisers)
        var errors: [FieldError] = []
        let summary = TextRules.requiredText(
            TextRules.cleanedText(summary, singleLine: false), field: "summary", maxLength: ConsultationRules.groupSummaryMaxLength,
            into: &errors)
        let ids = Array(Set(commentIDs)).sorted()
        if ids.count < ConsultationRules.minGroupSize {
            errors.append(
                FieldError(
                    field: "commentIDs", code: "too_few", message: "a group gathers at least \(ConsultationRules.minGroupSize) comments"))
        }
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await writer.write { db in
            let consultation = try Self.existingConsultation(db, id: consultationID)
            try Self.ensureDeciding(consultation)
            let members = try Self.publishedComments(db, consultationID: consultationID, ids: ids)
            let found = Set(members.map { $0.record.id! })
            let unknown = ids.filter { !found.contains($0) }
            if !unknown.isEmpty {
                throw StoreError.invalid(
                    ValidationFailure([
                        FieldError(
                            field: "commentIDs", code: "unknown_comment",
                            message: "no published comment \(unknown.map(String.init).joined(separator: ", ")) in this consultation")
                    ]))
            }
            let grouped = members.filter { $0.record.groupId != nil }.map { $0.record.id! }
            if !grouped.isEmpty {
                throw StoreError.conflict(
                    "comment \(grouped.map(String.init).joined(separator: ", ")) is already in a group; dissolve that group first")
            }
            var group = CommentGroupRecord(
                id: nil, consultationId: consultationID, summary: summary, decision: nil, decisionReason: nil, decidedBy: nil,
                decidedAt: nil, createdBy: actor.userID, createdAt: now)
            try group.insert(db)
            // Their own decisions give way to the group's (the schema allows
            // one or the other).
            for var member in members.map(\.record) {
                member.groupId = group.id
                member.decision = nil
                member.decisionReason = nil
                member.decidedBy = nil
                member.decidedAt = nil
                try member.update(db)
            }
            try Self.audit(db, actor, "consultation.group", consultation, after: AuditedGroup(id: group.id!, summary: summary, commentIDs: ids), at: now)
            return CommentGroup(id: group.id!, summary: summary, memberIDs: ids)
        }
    }

    func dissolveCommentGroup(consultationID: Int64, groupID: Int64, actor: AuthenticatedStaff, at now: Date) async throws {
        try Self.ensureRole(actor, ConsultationOffice.organisers)
        try await writer.write { db in
            let consultation = try Self.existingConsultation(db, id: consultationID)
            try Self.ensureDeciding(consultation)
            let group = try Self.existingGroup(db, id: groupID, consultationID: consultationID)
            let members = try Int64.fetchAll(
                db, sql: "SELECT id FROM consultation_comment WHERE group_id = ? ORDER BY id", arguments: [groupID])
            try db.execute(sql: "UPDATE consultation_comment SET group_id = NULL WHERE group_id = ?", arguments: [groupID])
            try group.delete(db)
            try Self.audit(
                db, actor, "consultation.ungroup", consultation, before: AuditedGroup(id: groupID, summary: group.summary, commentIDs: members),
                at: now)
        }
    }

    func recordDecision(
        consultationID: Int64, on subject: DecisionSubject, _ record: AdoptionRecord?, actor: AuthenticatedStaff, at now: Date
    ) async throws {
        try Self.ensureRole(actor, ConsultationOffice.organisers)
        var checked: AdoptionRecord?
        if let record {
            do throws(ValidationFailure) {
                checked = try AdoptionRecord.validated(decision: record.decision.rawValue, reason: record.reason)
            } catch {
                throw StoreError.invalid(error)
            }
        }
        try await writer.write { [checked] db in
            let consultation = try Self.existingConsultation(db, id: consultationID)
            try Self.ensureDeciding(consultation)
            let before: AdoptionRecord?
            switch subject {
            case .comment(let id):
                var comment = try Self.existingComment(db, id: id)
                guard comment.consultationId == consultationID, comment.state == .published else {
                    throw StoreError.notFound(kind: "published comment", key: String(id))
                }
                if let group = comment.groupId {
                    throw StoreError.conflict("comment \(id) is in group \(group): decide the group, or dissolve it first")
                }
                before = comment.record
                comment.decision = checked?.decision
                comment.decisionReason = checked?.reason
                comment.decidedBy = checked == nil ? nil : actor.userID
                comment.decidedAt = checked == nil ? nil : now
                try comment.update(db)
            case .group(let id):
                var group = try Self.existingGroup(db, id: id, consultationID: consultationID)
                before = group.decision.map { AdoptionRecord(decision: $0, reason: group.decisionReason ?? "") }
                group.decision = checked?.decision
                group.decisionReason = checked?.reason
                group.decidedBy = checked == nil ? nil : actor.userID
                group.decidedAt = checked == nil ? nil : now
                try group.update(db)
            }
            try Self.audit(
                db, actor, "consultation.decide", consultation, before: AuditedDecision(subject, before), after: AuditedDecision(subject, checked),
                at: now)
        }
    }

    func reportInput(consultationID: Int64) async throws -> ConsultationReportInput {
        try await reader.read { db in
            let record = try Self.existingConsultation(db, id: consultationID)
            return try Self.reportInput(db, record, published: try Self.publishedComments(db, consultationID: consultationID))
        }
    }

    // MARK: Helpers

    static func reportInput(_ db: Database, _ record: ConsultationRecord, published: [PublishedComment]? = nil) throws
        -> ConsultationReportInput
    {
        let id = record.id!
        let published = try published ?? publishedComments(db, consultationID: id)
        let comments = published.map {
            ConsultationComment(id: $0.record.id!, target: $0.record.target, text: $0.publicText, submittedOn: CivilDate($0.record.submittedAt))
        }
        var decisions: [Int64: AdoptionRecord] = [:]
        var members: [Int64: [Int64]] = [:]
        for comment in published.map(\.record) {
            if let decision = comment.record { decisions[comment.id!] = decision }
            if let group = comment.groupId { members[group, default: []].append(comment.id!) }
        }
        let groups = try CommentGroupRecord.filter(CommentGroupRecord.Columns.consultationId == id).order(Column("id")).fetchAll(db).map {
            group in
            CommentGroup(
                id: group.id!, summary: group.summary, memberIDs: members[group.id!] ?? [],
                decision: group.decision.map { AdoptionRecord(decision: $0, reason: group.decisionReason ?? "") })
        }
        let pending = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM consultation_comment WHERE consultation_id = ? AND state = 'pending'", arguments: [id]) ?? 0
        return ConsultationReportInput(
            consultationID: id, state: record.state, definition: try definition(record), comments: comments, groups: groups,
            decisions: decisions, pendingCount: pending)
    }

    /// Groups and decisions are worked on while comments arrive and after
    /// the period ends; once the report is published they are its record.
    static func ensureDeciding(_ consultation: ConsultationRecord) throws {
        switch consultation.state {
        case .open, .closed: return
        case .draft: throw StoreError.conflict("a draft consultation has no comments to decide on")
        case .reportPublished: throw StoreError.conflict("the adoption report is published; its groups and decisions are final")
        }
    }

    static func existingGroup(_ db: Database, id: Int64, consultationID: Int64) throws -> CommentGroupRecord {
        guard let group = try CommentGroupRecord.fetchOne(db, key: id), group.consultationId == consultationID else {
            throw StoreError.notFound(kind: "comment group", key: String(id))
        }
        return group
    }
}

struct AuditedGroup: Encodable {
    var id: Int64
    var summary: String
    var commentIDs: [Int64]
}

struct AuditedDecision: Encodable {
    var comment: Int64?
    var group: Int64?
    var decision: AdoptionDecision?
    var reason: String?

    init(_ subject: DecisionSubject, _ record: AdoptionRecord?) {
        switch subject {
        case .comment(let id): comment = id
        case .group(let id): group = id
        }
        decision = record?.decision
        reason = record?.reason
    }
}
