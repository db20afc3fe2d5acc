import Foundation
import PostgresNIO
import WenzhengCore

/// A consultation's life on PostgreSQL: import, confirmation of the split,
/// settings, opening, the end of the comment period, the report.
extension PostgresConsultationsStore {
    // MARK: Preparing

    func importConsultation(_ new: NewConsultation, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.organisers)
        let (split, settings) = try GRDBConsultationsStore.checkedImport(new)
        return try await backend.write { tx in
            var record = ConsultationRecord(
                id: nil, title: settings.title, draftingExplanation: settings.draftingExplanation, opensAt: settings.opensAt,
                closesAt: settings.closesAt, draftFormat: new.format, draftText: new.text, draftJson: try GRDBConsultationsStore.encode(split),
                state: .draft, splitConfirmedBy: nil, splitConfirmedAt: nil, createdBy: actor.userID, createdAt: now,
                updatedAt: now, openedAt: nil, commentPeriodClosedAt: nil, reportPublishedBy: nil, reportPublishedAt: nil)
            record.id = try await tx.insert(into: "consultation", record)
            try await Self.replaceSections(tx, consultationID: record.id!, split: split)
            try await Self.audit(tx, actor, "consultation.import", record, after: AuditedDraft(record, split: split), at: now)
            return try await Self.view(tx, record)
        }
    }

    func reimportDraft(id: Int64, text: String, format: DraftFormat, actor: AuthenticatedStaff, at now: Date) async throws
        -> ConsultationView
    {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.organisers)
        let split: DraftSplit
        do {
            split = try DraftSplitter.split(text, format: format)
        } catch {
            throw StoreError.invalid(error)
        }
        return try await backend.write { tx in
            var record = try await Self.existingConsultation(tx, id: id)
            try GRDBConsultationsStore.throwIfLocked(
                ConsultationOffice.editErrors(state: record.state, from: record.settings, to: record.settings, draftChanged: true))
            record.draftText = text
            record.draftFormat = format
            record.draftJson = try GRDBConsultationsStore.encode(split)
            record.splitConfirmedAt = nil
            record.splitConfirmedBy = nil
            record.updatedAt = now
            try await tx.update("consultation", record, id: id)
            try await Self.replaceSections(tx, consultationID: id, split: split)
            try await Self.audit(tx, actor, "consultation.reimport", record, after: AuditedDraft(record, split: split), at: now)
            return try await Self.view(tx, record)
        }
    }

    func confirmSplit(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.organisers)
        return try await backend.write { tx in
            var record = try await Self.existingConsultation(tx, id: id)
            guard record.state == .draft else {
                throw StoreError.conflict("the split of a consultation that is \(record.state.rawValue) is final")
            }
            guard record.splitConfirmedAt == nil else { return try await Self.view(tx, record) }
            record.splitConfirmedAt = now
            record.splitConfirmedBy = actor.userID
            record.updatedAt = now
            try await tx.update("consultation", record, id: id)
            try await Self.audit(
                tx, actor, "consultation.confirm_split", record, after: AuditedDraft(record, split: try GRDBConsultationsStore.split(record)),
                at: now)
            return try await Self.view(tx, record)
        }
    }

    func updateConsultation(id: Int64, _ settings: ConsultationSettings, actor: AuthenticatedStaff, at now: Date) async throws
        -> ConsultationView
    {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.organisers)
        return try await backend.write { tx in
            var record = try await Self.existingConsultation(tx, id: id)
            let checked: ConsultationSettings
            do throws(ValidationFailure) {
                checked = try ConsultationOffice.validated(settings, state: record.state)
            } catch {
                throw StoreError.invalid(error)
            }
            let before = record.settings
            try GRDBConsultationsStore.throwIfLocked(
                ConsultationOffice.editErrors(state: record.state, from: before, to: checked, draftChanged: false))
            guard checked != before else { return try await Self.view(tx, record) }
            record.title = checked.title
            record.draftingExplanation = checked.draftingExplanation
            record.opensAt = checked.opensAt
            record.closesAt = checked.closesAt
            record.updatedAt = now
            try await tx.update("consultation", record, id: id)
            try await Self.audit(tx, actor, "consultation.update", record, before: before, after: checked, at: now)
            return try await Self.view(tx, record)
        }
    }

    // MARK: Life cycle

    func openConsultation(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.publishers)
        return try await backend.write { tx in
            var record = try await Self.existingConsultation(tx, id: id)
            if record.state == .draft && record.splitConfirmedAt == nil {
                throw StoreError.conflict("confirm the draft's split into articles before opening the consultation")
            }
            let definition = try GRDBConsultationsStore.definition(record)
            let old = record.state
            record.state = try ConsultationRules.transition(from: old, to: .open, definition: definition, reportErrors: [])
            let late = ConsultationOffice.openingErrors(definition, now: now)
            if !late.isEmpty { throw ConsultationTransitionError.invalidDefinition(late) }
            record.openedAt = now
            record.updatedAt = now
            try await tx.update("consultation", record, id: id)
            try await Self.audit(
                tx, actor, "consultation.open", record, before: AuditedState(state: old), after: AuditedState(state: record.state), at: now)
            return try await Self.view(tx, record)
        }
    }

    func closeCommentPeriod(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.publishers)
        return try await backend.write { tx in
            var record = try await Self.existingConsultation(tx, id: id)
            let before = record.settings
            record.state = try ConsultationRules.transition(
                from: record.state, to: .closed, definition: try GRDBConsultationsStore.definition(record), reportErrors: [])
            if now < record.opensAt {
                throw StoreError.conflict("the comment period has not begun; change its opening time instead of closing it")
            }
            // Ended early: the window says so, so no page claims it ran longer.
            record.closesAt = min(record.closesAt, now)
            record.commentPeriodClosedAt = now
            record.updatedAt = now
            try await tx.update("consultation", record, id: id)
            try await Self.audit(
                tx, actor, "consultation.close_comments", record, before: AuditedWindow(state: .open, closesAt: before.closesAt),
                after: AuditedWindow(state: .closed, closesAt: record.closesAt), at: now)
            return try await Self.view(tx, record)
        }
    }

    func publishAdoptionReport(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try GRDBConsultationsStore.ensureRole(actor, ConsultationOffice.publishers)
        return try await backend.write { tx in
            var record = try await Self.existingConsultation(tx, id: id)
            let input = try await Self.reportInput(tx, record)
            let old = record.state
            record.state = try ConsultationRules.transition(
                from: old, to: .reportPublished, definition: input.definition, reportErrors: input.reportErrors)
            record.reportPublishedAt = now
            record.reportPublishedBy = actor.userID
            record.updatedAt = now
            try await tx.update("consultation", record, id: id)
            try await Self.audit(
                tx, actor, "consultation.publish_report", record, before: AuditedState(state: old),
                after: AuditedReport(state: record.state, comments: input.comments.count, groups: input.groups.count), at: now)
            return try await Self.view(tx, record)
        }
    }

    // MARK: Reading

    func consultation(id: Int64) async throws -> ConsultationView {
        try await backend.read { tx in try await Self.view(tx, try await Self.existingConsultation(tx, id: id)) }
    }

    func consultations() async throws -> [ConsultationSummary] {
        try await backend.read { tx in try await Self.summaries(tx, publicOnly: false) }
    }

    func publicConsultations() async throws -> [ConsultationSummary] {
        try await backend.read { tx in try await Self.summaries(tx, publicOnly: true) }
    }

    static func summaries(_ tx: PostgresTransaction, publicOnly: Bool) async throws -> [ConsultationSummary] {
        let rows = try await tx.rows(
            """
            SELECT consultation.id, consultation.title, consultation.state, consultation.opens_at, consultation.closes_at,
                   consultation.report_published_at,
                   (SELECT COUNT(*) FROM consultation_comment
                    WHERE consultation_comment.consultation_id = consultation.id
                      AND consultation_comment.state = 'published') AS published_count,
                   (SELECT COUNT(*) FROM consultation_comment
                    WHERE consultation_comment.consultation_id = consultation.id
                      AND consultation_comment.state = 'pending') AS pending_count
            FROM consultation
            WHERE \(!publicOnly) OR consultation.state <> 'draft'
            ORDER BY consultation.id DESC
            """)
        return try rows.map { row in
            let state = ConsultationState(rawValue: try row.value("state", as: String.self)) ?? .draft
            return ConsultationSummary(
                id: try row.value("id", as: Int64.self), title: try row.value("title", as: String.self), state: state,
                finished: state.isFinished, opensAt: try row.value("opens_at", as: Date.self), closesAt: try row.value("closes_at", as: Date.self),
                commentCount: try row.value("published_count", as: Int.self),
                pendingCount: publicOnly ? nil : try row.value("pending_count", as: Int.self),
                reportPublishedAt: try row.value("report_published_at", as: Date?.self))
        }
    }

    // MARK: Helpers

    static func existingConsultation(_ tx: PostgresTransaction, id: Int64) async throws -> ConsultationRecord {
        guard let record = try await tx.record(ConsultationRecord.self, "SELECT * FROM consultation WHERE id = \(id)") else {
            throw StoreError.notFound(kind: "consultation", key: String(id))
        }
        return record
    }

    /// The article rows comments refer to, in draft order.
    static func replaceSections(_ tx: PostgresTransaction, consultationID: Int64, split: DraftSplit) async throws {
        try await tx.execute("DELETE FROM consultation_section WHERE consultation_id = \(consultationID)")
        for (position, section) in split.sections.enumerated() {
            try await tx.insert(
                into: "consultation_section",
                ConsultationSectionRecord(consultationId: consultationID, sectionKey: section.key, position: position, label: section.label),
                returningID: false)
        }
    }

    static func view(_ tx: PostgresTransaction, _ record: ConsultationRecord) async throws -> ConsultationView {
        let id = record.id!
        var tally = ConsultationView.CommentTally(pending: 0, published: 0, rejected: 0)
        for row in try await tx.rows(
            "SELECT state, COUNT(*) AS n FROM consultation_comment WHERE consultation_id = \(id) GROUP BY state")
        {
            let count = try row.value("n", as: Int.self)
            switch ConsultationCommentState(rawValue: try row.value("state", as: String.self)) {
            case .pending?: tally.pending = count
            case .published?: tally.published = count
            case .rejected?: tally.rejected = count
            case nil: break
            }
        }
        func name(_ userID: Int64?) async throws -> String? {
            guard let userID else { return nil }
            return try await PostgresAccountsStore.displayName(tx, userID: userID)
        }
        return ConsultationView(
            id: id, title: record.title, draftingExplanation: record.draftingExplanation, opensAt: record.opensAt,
            closesAt: record.closesAt, state: record.state, finished: record.state.isFinished, format: record.draftFormat,
            draftText: record.draftText, draft: try GRDBConsultationsStore.split(record), splitConfirmedAt: record.splitConfirmedAt,
            splitConfirmedBy: try await name(record.splitConfirmedBy), createdAt: record.createdAt,
            createdBy: try await name(record.createdBy) ?? "", openedAt: record.openedAt,
            commentPeriodClosedAt: record.commentPeriodClosedAt, reportPublishedAt: record.reportPublishedAt,
            reportPublishedBy: try await name(record.reportPublishedBy), comments: tally)
    }

    static func audit(
        _ tx: PostgresTransaction, _ actor: AuthenticatedStaff, _ action: String, _ record: ConsultationRecord,
        before: (any Encodable)? = nil, after: (any Encodable)? = nil, at now: Date
    ) async throws {
        try await AuditEntry.record(
            tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: "consultation",
            subjectID: String(record.id!), before: before, after: after, at: now)
    }
}
