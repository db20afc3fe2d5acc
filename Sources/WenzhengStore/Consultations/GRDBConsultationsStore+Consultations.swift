import Foundation
import GRDB
import WenzhengCore

/// A consultation's life: import, confirmation of the split, settings,
/// opening, the end of the comment period, and the report's publication.
extension GRDBConsultationsStore {
    // MARK: Preparing

    func importConsultation(_ new: NewConsultation, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try Self.ensureRole(actor, ConsultationOffice.organisers)
        let (split, settings) = try Self.checkedImport(new)
        return try await writer.write { db in
            var record = ConsultationRecord(
                id: nil, title: settings.title, draftingExplanation: settings.draftingExplanation, opensAt: settings.opensAt,
                closesAt: settings.closesAt, draftFormat: new.format, draftText: new.text, draftJson: try Self.encode(split),
                state: .draft, splitConfirmedBy: nil, splitConfirmedAt: nil, createdBy: actor.userID, createdAt: now,
                updatedAt: now, openedAt: nil, commentPeriodClosedAt: nil, reportPublishedBy: nil, reportPublishedAt: nil)
            try record.insert(db)
            try Self.replaceSections(db, consultationID: record.id!, split: split)
            try Self.audit(db, actor, "consultation.import", record, after: AuditedDraft(record, split: split), at: now)
            return try Self.view(db, record)
        }
    }

    /// The split and the settings of an import, checked together so every
    /// bad field is reported at once.
    static func checkedImport(_ new: NewConsultation) throws -> (DraftSplit, ConsultationSettings) {
        var errors: [FieldError] = []
        var split: DraftSplit?
        do {
            split = try DraftSplitter.split(new.text, format: new.format)
        } catch {
            errors += error.errors
        }
        let title = new.title.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } ?? split?.title ?? ""
        var settings = ConsultationSettings(
            title: title, draftingExplanation: new.draftingExplanation, opensAt: new.opensAt, closesAt: new.closesAt)
        do {
            settings = try ConsultationOffice.validated(settings, state: .draft)
        } catch {
            // Without a title the draft gave none either: ask for one only
            // when the text itself was usable.
            errors += error.errors.filter { $0.field != "title" || split != nil }
        }
        try GRDBModerationStore.throwIfInvalid(errors)
        return (split!, settings)
    }

    func reimportDraft(id: Int64, text: String, format: DraftFormat, actor: AuthenticatedStaff, at now: Date) async throws
        -> ConsultationView
    {
        try Self.ensureRole(actor, ConsultationOffice.organisers)
        let split: DraftSplit
        do {
            split = try DraftSplitter.split(text, format: format)
        } catch {
            throw StoreError.invalid(error)
        }
        return try await writer.write { db in
            var record = try Self.existingConsultation(db, id: id)
            try Self.throwIfLocked(ConsultationOffice.editErrors(state: record.state, from: record.settings, to: record.settings, draftChanged: true))
            record.draftText = text
            record.draftFormat = format
            record.draftJson = try Self.encode(split)
            record.splitConfirmedAt = nil
            record.splitConfirmedBy = nil
            record.updatedAt = now
            try record.update(db)
            try Self.replaceSections(db, consultationID: id, split: split)
            try Self.audit(db, actor, "consultation.reimport", record, after: AuditedDraft(record, split: split), at: now)
            return try Self.view(db, record)
        }
    }

    func confirmSplit(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try Self.ensureRole(actor, ConsultationOffice.organisers)
        return try await writer.write { db in
            var record = try Self.existingConsultation(db, id: id)
            guard record.state == .draft else { throw StoreError.conflict("the split of a consultation that is \(record.state.rawValue) is final") }
            guard record.splitConfirmedAt == nil else { return try Self.view(db, record) }
            record.splitConfirmedAt = now
            record.splitConfirmedBy = actor.userID
            record.updatedAt = now
            try record.update(db)
            try Self.audit(db, actor, "consultation.confirm_split", record, after: AuditedDraft(record, split: try Self.split(record)), at: now)
            return try Self.view(db, record)
        }
    }

    func updateConsultation(id: Int64, _ settings: ConsultationSettings, actor: AuthenticatedStaff, at now: Date) async throws
        -> ConsultationView
    {
        try Self.ensureRole(actor, ConsultationOffice.organisers)
        return try await writer.write { db in
            var record = try Self.existingConsultation(db, id: id)
            let checked: ConsultationSettings
            do throws(ValidationFailure) {
                checked = try ConsultationOffice.validated(settings, state: record.state)
            } catch {
                throw StoreError.invalid(error)
            }
            let before = record.settings
            try Self.throwIfLocked(ConsultationOffice.editErrors(state: record.state, from: before, to: checked, draftChanged: false))
            guard checked != before else { return try Self.view(db, record) }
            record.title = checked.title
            record.draftingExplanation = checked.draftingExplanation
            record.opensAt = checked.opensAt
            record.closesAt = checked.closesAt
            record.updatedAt = now
            try record.update(db)
            try Self.audit(db, actor, "consultation.update", record, before: before, after: checked, at: now)
            return try Self.view(db, record)
        }
    }

    // MARK: Life cycle

    func openConsultation(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try Self.ensureRole(actor, ConsultationOffice.publishers)
        return try await writer.write { db in
            var record = try Self.existingConsultation(db, id: id)
            if record.state == .draft && record.splitConfirmedAt == nil {
                throw StoreError.conflict("confirm the draft's split into articles before opening the consultation")
            }
            let definition = try Self.definition(record)
            let old = record.state
            record.state = try ConsultationRules.transition(from: old, to: .open, definition: definition, reportErrors: [])
            let late = ConsultationOffice.openingErrors(definition, now: now)
            if !late.isEmpty { throw ConsultationTransitionError.invalidDefinition(late) }
            record.openedAt = now
            record.updatedAt = now
            try record.update(db)
            try Self.auditTransition(db, actor, "consultation.open", record, from: old, at: now)
            return try Self.view(db, record)
        }
    }

    func closeCommentPeriod(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try Self.ensureRole(actor, ConsultationOffice.publishers)
        return try await writer.write { db in
            var record = try Self.existingConsultation(db, id: id)
            let before = record.settings
            record.state = try ConsultationRules.transition(
                from: record.state, to: .closed, definition: try Self.definition(record), reportErrors: [])
            if now < record.opensAt {
                throw StoreError.conflict("the comment period has not begun; change its opening time instead of closing it")
            }
            // Ended early: the window says so, so no page claims it ran longer.
            record.closesAt = min(record.closesAt, now)
            record.commentPeriodClosedAt = now
            record.updatedAt = now
            try record.update(db)
            try Self.audit(
                db, actor, "consultation.close_comments", record, before: AuditedWindow(state: .open, closesAt: before.closesAt),
                after: AuditedWindow(state: .closed, closesAt: record.closesAt), at: now)
            return try Self.view(db, record)
        }
    }

    func publishAdoptionReport(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> ConsultationView {
        try Self.ensureRole(actor, ConsultationOffice.publishers)
        return try await writer.write { db in
            var record = try Self.existingConsultation(db, id: id)
            let input = try Self.reportInput(db, record)
            let old = record.state
            record.state = try ConsultationRules.transition(
                from: old, to: .reportPublished, definition: input.definition, reportErrors: input.reportErrors)
            record.reportPublishedAt = now
            record.reportPublishedBy = actor.userID
            record.updatedAt = now
            try record.update(db)
            try Self.audit(
                db, actor, "consultation.publish_report", record, before: AuditedState(state: old),
                after: AuditedReport(state: record.state, comments: input.comments.count, groups: input.groups.count), at: now)
            return try Self.view(db, record)
        }
    }

    // MARK: Reading

    func consultation(id: Int64) async throws -> ConsultationView {
        try await reader.read { db in try Self.view(db, try Self.existingConsultation(db, id: id)) }
    }

    func consultations() async throws -> [ConsultationSummary] {
        try await reader.read { db in try Self.summaries(db, publicOnly: false) }
    }

    func publicConsultations() async throws -> [ConsultationSummary] {
        try await reader.read { db in try Self.summaries(db, publicOnly: true) }
    }

    static func summaries(_ db: Database, publicOnly: Bool) throws -> [ConsultationSummary] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT consultation.id, consultation.title, consultation.state, consultation.opens_at, consultation.closes_at,
                       consultation.report_published_at,
                       (SELECT COUNT(*) FROM consultation_comment
                        WHERE consultation_comment.consultation_id = consultation.id
                          AND consultation_comment.state = 'published') AS published_count,
                       (SELECT COUNT(*) FROM consultation_comment
                        WHERE consultation_comment.consultation_id = consultation.id
                          AND consultation_comment.state = 'pending') AS pending_count
                FROM consultation
                \(publicOnly ? "WHERE consultation.state <> 'draft'" : "")
                ORDER BY consultation.id DESC
                """)
        return rows.map { row in
            let state = ConsultationState(rawValue: row["state"]) ?? .draft
            return ConsultationSummary(
                id: row["id"], title: row["title"], state: state, finished: state.isFinished, opensAt: row["opens_at"],
                closesAt: row["closes_at"], commentCount: row["published_count"], pendingCount: publicOnly ? nil : row["pending_count"],
                reportPublishedAt: row["report_published_at"])
        }
    }

    // MARK: Helpers

    static func existingConsultation(_ db: Database, id: Int64) throws -> ConsultationRecord {
        guard let record = try ConsultationRecord.fetchOne(db, key: id) else {
            throw StoreError.notFound(kind: "consultation", key: String(id))
        }
        return record
    }

    static func ensureRole(_ actor: AuthenticatedStaff, _ roles: Set<Role>) throws {
        guard roles.contains(actor.role) else {
            throw StoreError.forbidden("a \(actor.role.rawValue) may not do this to a consultation")
        }
    }

    static func throwIfLocked(_ errors: [FieldError]) throws {
        if !errors.isEmpty { throw StoreError.conflict(errors.map(\.message).joined(separator: "; ")) }
    }

    /// The article rows comments refer to, in draft order.
    static func replaceSections(_ db: Database, consultationID: Int64, split: DraftSplit) throws {
        try db.execute(sql: "DELETE FROM consultation_section WHERE consultation_id = ?", arguments: [consultationID])
        for (position, section) in split.sections.enumerated() {
            try ConsultationSectionRecord(consultationId: consultationID, sectionKey: section.key, position: position, label: section.label)
                .insert(db)
        }
    }

    static func split(_ record: ConsultationRecord) throws -> DraftSplit {
        try JSONDecoder().decode(DraftSplit.self, from: Data(record.draftJson.utf8))
    }

    static func definition(_ record: ConsultationRecord) throws -> ConsultationDefinition {
        ConsultationDefinition(
            title: record.title, draftingExplanation: record.draftingExplanation, opensAt: record.opensAt, closesAt: record.closesAt,
            draft: try split(record))
    }

    static func encode(_ split: DraftSplit) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(split), as: UTF8.self)
    }

    static func view(_ db: Database, _ record: ConsultationRecord) throws -> ConsultationView {
        let id = record.id!
        var tally = ConsultationView.CommentTally(pending: 0, published: 0, rejected: 0)
        for row in try Row.fetchAll(
            db, sql: "SELECT state, COUNT(*) AS n FROM consultation_comment WHERE consultation_id = ? GROUP BY state", arguments: [id])
        {
            switch ConsultationCommentState(rawValue: row["state"]) {
            case .pending?: tally.pending = row["n"]
            case .published?: tally.published = row["n"]
            case .rejected?: tally.rejected = row["n"]
            case nil: break
            }
        }
        func name(_ userID: Int64?) throws -> String? { try userID.flatMap { try GRDBModerationStore.displayName(db, userID: $0) } }
        return ConsultationView(
            id: id, title: record.title, draftingExplanation: record.draftingExplanation, opensAt: record.opensAt,
            closesAt: record.closesAt, state: record.state, finished: record.state.isFinished, format: record.draftFormat,
            draftText: record.draftText, draft: try split(record), splitConfirmedAt: record.splitConfirmedAt,
            splitConfirmedBy: try name(record.splitConfirmedBy), createdAt: record.createdAt, createdBy: try name(record.createdBy) ?? "",
            openedAt: record.openedAt, commentPeriodClosedAt: record.commentPeriodClosedAt, reportPublishedAt: record.reportPublishedAt,
            reportPublishedBy: try name(record.reportPublishedBy), comments: tally)
    }

    static func audit(
        _ db: Database, _ actor: AuthenticatedStaff, _ action: String, _ record: ConsultationRecord, before: (any Encodable)? = nil,
        after: (any Encodable)? = nil, at now: Date
    ) throws {
        try AuditEntry.record(
            db, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: "consultation",
            subjectID: String(record.id!), before: before, after: after, at: now)
    }

    /// A state change in the audit log: the state before and after.
    static func auditTransition(
        _ db: Database, _ actor: AuthenticatedStaff, _ action: String, _ record: ConsultationRecord, from old: ConsultationState,
        at now: Date
    ) throws {
        try audit(db, actor, action, record, before: AuditedState(state: old), after: AuditedState(state: record.state), at: now)
    }
}

/// What the audit log keeps of an import: enough to tell imports apart,
/// not the text (it is in the consultation row).
struct AuditedDraft: Encodable {
    var title: String
    var format: DraftFormat
    var sections: Int
    var warnings: [DraftImportWarning.Code]

    init(_ record: ConsultationRecord, split: DraftSplit) {
        title = record.title
        format = record.draftFormat
        sections = split.sections.count
        warnings = split.warnings.map(\.code)
    }
}

struct AuditedState: Encodable {
    var state: ConsultationState
}

struct AuditedWindow: Encodable {
    var state: ConsultationState
    var closesAt: Date
}

struct AuditedReport: Encodable {
    var state: ConsultationState
    var comments: Int
    var groups: Int
}
