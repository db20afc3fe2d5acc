import Foundation
import PostgresNIO
import WenzhengCore

/// The office's answer to the comments on PostgreSQL: groups, decisions,
/// and what the adoption report is made from.
extension PostgresConsultationsStore {
    func groupComments(consultationID: Int64, summary: String, commentIDs: [Int64], actor: AuthenticatedStaff, at now: Date)
        async throws -> CommentGroup
    {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.organisers)
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
        return try await backend.write { tx in
            let consultation = try await Self.existingConsultation(tx, id: consultationID)
            try GRDBConsultationsStore.ensureDeciding(consultation)
            let members = try await Self.publishedComments(tx, consultationID: consultationID, ids: ids)
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
            let group = CommentGroupRecord(
                id: nil, consultationId: consultationID, summary: summary, decision: nil, decisionReason: nil, decidedBy: nil,
                decidedAt: nil, createdBy: actor.userID, createdAt: now)
            let groupID = try await tx.insert(into: "consultation_comment_group", group)!
            // Their own decisions give way to the group's (the schema allows
            // one or the other).
            for var member in members.map(\.record) {
                member.groupId = groupID
                member.decision = nil
                member.decisionReason = nil
                member.decidedBy = nil
                member.decidedAt = nil
                try await tx.update("consultation_comment", member, id: member.id!)
            }
            try await Self.audit(
                tx, actor, "consultation.group", consultation, after: AuditedGroup(id: groupID, summary: summary, commentIDs: ids), at: now)
            return CommentGroup(id: groupID, summary: summary, memberIDs: ids)
        }
    }

    func dissolveCommentGroup(consultationID: Int64, groupID: Int64, actor: AuthenticatedStaff, at now: Date) async throws {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.organisers)
        try await backend.write { tx in
            let consultation = try await Self.existingConsultation(tx, id: consultationID)
            try GRDBConsultationsStore.ensureDeciding(consultation)
            let group = try await Self.existingGroup(tx, id: groupID, consultationID: consultationID)
            let members = try await tx.rows("SELECT id FROM consultation_comment WHERE group_id = \(groupID) ORDER BY id").map {
                try $0.value("id", as: Int64.self)
            }
            try await tx.execute("UPDATE consultation_comment SET group_id = NULL WHERE group_id = \(groupID)")
            try await tx.execute("DELETE FROM consultation_comment_group WHERE id = \(groupID)")
            try await Self.audit(
                tx, actor, "consultation.ungroup", consultation,
                before: AuditedGroup(id: groupID, summary: group.summary, commentIDs: members), at: now)
        }
    }

    func recordDecision(
        consultationID: Int64, on subject: DecisionSubject, _ record: AdoptionRecord?, actor: AuthenticatedStaff, at now: Date
    ) async throws {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.organisers)
        var checked: AdoptionRecord?
        if let record {
            do throws(ValidationFailure) {
                checked = try AdoptionRecord.validated(decision: record.decision.rawValue, reason: record.reason)
            } catch {
                throw StoreError.invalid(error)
            }
        }
        try await backend.write { [checked] tx in
            let consultation = try await Self.existingConsultation(tx, id: consultationID)
            try GRDBConsultationsStore.ensureDeciding(consultation)
            let before: AdoptionRecord?
            switch subject {
            case .comment(let id):
                var comment = try await Self.existingComment(tx, id: id)
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
                try await tx.update("consultation_comment", comment, id: id)
            case .group(let id):
                var group = try await Self.existingGroup(tx, id: id, consultationID: consultationID)
                before = group.decision.map { AdoptionRecord(decision: $0, reason: group.decisionReason ?? "") }
                group.decision = checked?.decision
                group.decisionReason = checked?.reason
                group.decidedBy = checked == nil ? nil : actor.userID
                group.decidedAt = checked == nil ? nil : now
                try await tx.update("consultation_comment_group", group, id: id)
            }
            try await Self.audit(
                tx, actor, "consultation.decide", consultation, before: AuditedDecision(subject, before),
                after: AuditedDecision(subject, checked), at: now)
        }
    }

    func reportInput(consultationID: Int64) async throws -> ConsultationReportInput {
        try await backend.read { tx in
            let record = try await Self.existingConsultation(tx, id: consultationID)
            return try await Self.reportInput(tx, record, published: try await Self.publishedComments(tx, consultationID: consultationID))
        }
    }

    // MARK: Helpers

    static func reportInput(_ tx: PostgresTransaction, _ record: ConsultationRecord, published given: [PublishedComment]? = nil)
        async throws -> ConsultationReportInput
    {
        let id = record.id!
        let published: [PublishedComment]
        if let given {
            published = given
        } else {
            published = try await publishedComments(tx, consultationID: id)
        }
        let comments = published.map {
            ConsultationComment(id: $0.record.id!, target: $0.record.target, text: $0.publicText, submittedOn: CivilDate($0.record.submittedAt))
        }
        var decisions: [Int64: AdoptionRecord] = [:]
        var members: [Int64: [Int64]] = [:]
        for comment in published.map(\.record) {
            if let decision = comment.record { decisions[comment.id!] = decision }
            if let group = comment.groupId { members[group, default: []].append(comment.id!) }
        }
        let groups = try await tx.records(
            CommentGroupRecord.self, "SELECT * FROM consultation_comment_group WHERE consultation_id = \(id) ORDER BY id"
        ).map { group in
            CommentGroup(
                id: group.id!, summary: group.summary, memberIDs: members[group.id!] ?? [],
                decision: group.decision.map { AdoptionRecord(decision: $0, reason: group.decisionReason ?? "") })
        }
        let pending =
            try await tx.scalar(
                "SELECT COUNT(*) FROM consultation_comment WHERE consultation_id = \(id) AND state = 'pending'", as: Int.self) ?? 0
        return ConsultationReportInput(
            consultationID: id, state: record.state, definition: try GRDBConsultationsStore.definition(record), comments: comments,
            groups: groups, decisions: decisions, pendingCount: pending)
    }

    static func existingGroup(_ tx: PostgresTransaction, id: Int64, consultationID: Int64) async throws -> CommentGroupRecord {
        guard let group = try await tx.record(CommentGroupRecord.self, "SELECT * FROM consultation_comment_group WHERE id = \(id)"),
            group.consultationId == consultationID
        else {
            throw StoreError.notFound(kind: "comment group", key: String(id))
        }
        return group
    }
}
