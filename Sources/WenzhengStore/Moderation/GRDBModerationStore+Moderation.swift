import Foundation
import GRDB
import WenzhengCore

/// Moderation rules that do not depend on the office's data files.
public enum ModerationPolicy {
    /// A claim keeps other moderators off an item for this long, so a
    /// moderator who walks away does not block it for ever.
    public static let claimTimeout: TimeInterval = 5 * 60
    public static let maxTextLength = 5_000
    public static let maxNoteLength = 500
}

extension GRDBModerationStore {
    // MARK: Entering the queue

    /// Puts a citizen's text in the queue. Features call the static form
    /// inside their own transaction, so the source row and its queue item
    /// commit together; this form is for text with no other row.
    @discardableResult
    func submitForModeration(_ new: NewModerationItem, at now: Date) async throws -> ModerationItem {
        try await writer.write { db in
            let record = try Self.enqueueModeration(db, new, at: now)
            return try self.item(db, record)
        }
    }

    /// A new queue item's row, checked: both backends insert this.
    static func newModerationRecord(_ new: NewModerationItem, at now: Date) throws -> ModerationItemRecord {
        let text = new.text.trimmingScalars(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw StoreError.invalid(ValidationFailure([.required("text")])) }
        // No text has more characters than UTF-8 bytes: most need no count.
        guard text.utf8.count <= ModerationPolicy.maxTextLength || text.count <= ModerationPolicy.maxTextLength else {
            throw StoreError.invalid(ValidationFailure([.tooLong("text", max: ModerationPolicy.maxTextLength)]))
        }
        let highest: String =
            switch new.check.action {
            case .hold?, .reject?: "hold"
            case .flag?: "flag"
            case nil: "none"
            }
        let record = ModerationItemRecord(
            id: nil, kind: new.kind, sourceType: new.sourceType, sourceId: new.sourceID, sourceUrl: nil,
            authorName: new.authorName, text: new.text,
            editedText: nil, maskedText: PersonalInformation.mask(new.text, authorName: new.authorName),
            flagsJson: try encodeJSON(new.check.flags), personalInformationJson: try encodeJSON(new.check.personalInformation),
            flagCategories: "," + new.check.categories.joined(separator: ",") + ",", highestAction: highest,
            state: .pending, reasonCode: nil, reasonNote: nil, holdOverridden: false, claimedBy: nil, claimedAt: nil,
            decidedBy: nil, decidedAt: nil, createdAt: now, version: 1)
        return record
    }

    static func enqueueModeration(_ db: Database, _ new: NewModerationItem, at now: Date) throws -> ModerationItemRecord {
        var record = try newModerationRecord(new, at: now)
        // Every citizen's text passes here: a new item's columns in one
        // cached statement, where `record.insert(db)` would build the
        // statement from the record each time (issue 13).
        try db.cachedStatement(
            sql: """
                INSERT INTO moderation_item (kind, source_type, source_id, author_name, text, masked_text, flags_json,
                    personal_information_json, flag_categories, highest_action, state, hold_overridden, created_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            record.kind.rawValue, record.sourceType, record.sourceId, record.authorName, record.text, record.maskedText,
            record.flagsJson, record.personalInformationJson, record.flagCategories, record.highestAction, record.state.rawValue,
            record.holdOverridden, record.createdAt, record.version,
        ])
        record.id = db.lastInsertedRowID
        return record
    }

    // MARK: Reading the queue

    func moderationQueue(_ filter: ModerationQueueFilter, at now: Date) async throws -> [ModerationItem] {
        try await reader.read { db in
            var request = ModerationItemRecord.all()
            if !filter.states.isEmpty {
                request = request.filter(filter.states.map(\.rawValue).contains(Column("state")))
            }
            if let kind = filter.kind { request = request.filter(Column("kind") == kind.rawValue) }
            if let category = filter.category {
                if category == "flagged" {
                    request = request.filter(Column("flag_categories") != ",,")
                } else {
                    request = request.filter(Column("flag_categories").like("%,\(category),%"))
                }
            }
            if let olderThan = filter.olderThan {
                request = request.filter(Column("created_at") <= now.addingTimeInterval(-olderThan))
            }
            let records = try request.order(Column("created_at"), Column("id")).limit(max(1, min(filter.limit, 1000))).fetchAll(db)
            return try self.items(db, records)
        }
    }

    func moderationItem(id: Int64) async throws -> ModerationItem {
        try await reader.read { db in try self.item(db, try Self.existingItem(db, id: id)) }
    }

    /// Counts of pending items by kind, for dashboards.
    func pendingModerationCounts() async throws -> [ContentKind: Int] {
        try await reader.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS n FROM moderation_item WHERE state = 'pending' GROUP BY kind")
            var counts: [ContentKind: Int] = [:]
            for row in rows {
                if let kind = ContentKind(rawValue: row["kind"]) { counts[kind] = row["n"] }
            }
            return counts
        }
    }

    /// The index on (state, created_at) answers this without a scan.
    func oldestPendingModerationDate() async throws -> Date? {
        try await reader.read { db in
            try ModerationItemRecord.filter(Column("state") == "pending").select(min(Column("created_at")), as: Date.self).fetchOne(db)
        }
    }

    // MARK: Working the queue

    /// Claims an item so that other moderators see it is being handled.
    ///
    /// - Throws: `StoreError.conflict` when it is decided, or claimed by
    ///   someone else whose claim has not timed out.
    func claimModerationItem(id: Int64, by staff: AuthenticatedStaff, at now: Date) async throws -> ModerationItem {
        try await writer.write { db in
            var record = try Self.existingItem(db, id: id)
            try Self.ensureOpen(db, record, for: staff, at: now)
            record.claimedBy = staff.userID
            record.claimedAt = now
            record.version += 1
            try record.update(db)
            return try self.item(db, record)
        }
    }

    /// Gives up a claim (only the claimer can).
    func releaseModerationClaim(id: Int64, by staff: AuthenticatedStaff) async throws -> ModerationItem {
        try await writer.write { db in
            var record = try Self.existingItem(db, id: id)
            if record.claimedBy == staff.userID, record.state == .pending {
                record.claimedBy = nil
                record.claimedAt = nil
                record.version += 1
                try record.update(db)
            }
            return try self.item(db, record)
        }
    }

    /// Decides one item in one transaction: the item, its source feature's
    /// row and the audit log change together.
    ///
    /// - Parameter expectedVersion: the version the moderator saw; a
    ///   different current version means someone else acted first.
    /// - Throws: `StoreError.conflict` ("already handled by X") when the
    ///   item was decided, claimed or changed by someone else;
    ///   `StoreError.invalid` for a held item without override, an unknown
    ///   reason or a bad edit.
    func decideModeration(
        id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, expectedVersion: Int?,
        allowedReasons: Set<String>, clientAddress: String?, at now: Date
    ) async throws -> DecidedModeration {
        try await writer.write { db in
            try self.decide(
                db, id: id, decision, by: staff, expectedVersion: expectedVersion, allowedReasons: allowedReasons,
                clientAddress: clientAddress, at: now)
        }
    }

    /// Decides several items the same way. Each item is its own
    /// transaction, so one conflict does not undo the others; the result
    /// says what happened to each.
    func decideModerationInBulk(
        ids: [Int64], _ decision: ModerationDecision, by staff: AuthenticatedStaff, allowedReasons: Set<String>,
        clientAddress: String?, at now: Date
    ) async throws -> [BulkDecisionResult] {
        var results: [BulkDecisionResult] = []
        for id in ids {
            do {
                let decided = try await writer.write { db in
                    try self.decide(
                        db, id: id, decision, by: staff, expectedVersion: nil, allowedReasons: allowedReasons,
                        clientAddress: clientAddress, at: now)
                }
                results.append(BulkDecisionResult(id: id, ok: true, error: nil, item: decided.item, effect: decided.effect))
            } catch let error as StoreError {
                results.append(BulkDecisionResult(id: id, ok: false, error: error.description, item: nil))
            }
        }
        return results
    }

    func decide(
        _ db: Database, id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, expectedVersion: Int?,
        allowedReasons: Set<String>, clientAddress: String?, at now: Date
    ) throws -> DecidedModeration {
        var record = try Self.existingItem(db, id: id)
        try Self.ensureOpen(db, record, for: staff, at: now)
        if let expectedVersion, expectedVersion != record.version {
            throw StoreError.conflict("item \(id) changed since you loaded it; reload and try again")
        }
        let before = try Self.view(db, record)
        var mergedInto: Int64?
        switch decision {
        case .approve(let override), .edit(_, let override):
            if record.highestAction == "hold" && !override {
                throw StoreError.invalid(
                    ValidationFailure([
                        FieldError(
                            field: "override", code: "held",
                            message:
                                "item \(id) is held (\(before.categories.joined(separator: ", "))); approving it needs an explicit override"
                        )
                    ]))
            }
            record.holdOverridden = record.highestAction == "hold"
            if case .edit(let text, _) = decision {
                let edited = text.trimmingCharacters(in: .whitespacesAndNewlines)
                var errors: [FieldError] = []
                if edited.isEmpty { errors.append(.required("text")) }
                if edited.count > ModerationPolicy.maxTextLength { errors.append(.tooLong("text", max: ModerationPolicy.maxTextLength)) }
                try Self.throwIfInvalid(errors)
                record.editedText = edited
                record.state = .edited
                record.maskedText = PersonalInformation.mask(edited, authorName: record.authorName)
            } else {
                record.state = .approved
            }
        case .merge(let target):
            guard target != id, let targetRecord = try ModerationItemRecord.fetchOne(db, key: target),
                targetRecord.kind == record.kind, targetRecord.sourceType == record.sourceType
            else {
                throw StoreError.invalid(
                    ValidationFailure([.invalid("into", "item \(target) is not an item of the same kind to merge into")]))
            }
            guard targetRecord.state != .rejected else {
                throw StoreError.invalid(ValidationFailure([.invalid("into", "item \(target) was rejected; merge into a kept item")]))
            }
            record.state = .rejected
            record.reasonCode = "duplicate"
            record.reasonNote = "#\(target)"
            mergedInto = target
        case .reject(let code, let note):
            var errors: [FieldError] = []
            if !allowedReasons.contains(code) {
                errors.append(
                    .invalid("reason", "unknown rejection reason '\(code)'; use one of \(allowedReasons.sorted().joined(separator: ", "))"))
            }
            if let note, note.count > ModerationPolicy.maxNoteLength {
                errors.append(.tooLong("note", max: ModerationPolicy.maxNoteLength))
            }
            try Self.throwIfInvalid(errors)
            record.state = .rejected
            record.reasonCode = code
            record.reasonNote = note.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        }
        record.decidedBy = staff.userID
        record.decidedAt = now
        record.claimedBy = nil
        record.claimedAt = nil
        record.version += 1
        try record.update(db)
        let effect = try subjects[record.sourceType]?.moderationDecided(db, item: record, mergedIntoItemID: mergedInto, at: now) ?? .none
        let after = try self.item(db, record)
        let action =
            switch record.state {
            case .approved: record.holdOverridden ? "moderation.approve_override" : "moderation.approve"
            case .edited: "moderation.edit_approve"
            case .rejected: "moderation.reject"
            case .pending: "moderation.update"
            }
        try AuditEntry.record(
            db, actor: .staff(staff, clientAddress: clientAddress), action: action, subjectType: "moderation_item",
            subjectID: String(id), before: AuditedModeration(before), after: AuditedModeration(after), at: now)
        return DecidedModeration(item: after, effect: effect)
    }

    // MARK: Helpers

    static func existingItem(_ db: Database, id: Int64) throws -> ModerationItemRecord {
        guard let record = try ModerationItemRecord.fetchOne(db, key: id) else {
            throw StoreError.notFound(kind: "moderation item", key: String(id))
        }
        return record
    }

    /// An item can be acted on when it is pending and not claimed by someone
    /// else (or their claim has timed out).
    static func ensureOpen(_ db: Database, _ record: ModerationItemRecord, for staff: AuthenticatedStaff, at now: Date) throws {
        if record.state.isDecided {
            let name = try record.decidedBy.flatMap { try displayName(db, userID: $0) } ?? "another moderator"
            throw StoreError.conflict("already handled by \(name) (\(record.state.rawValue))")
        }
        if let claimer = record.claimedBy, claimer != staff.userID, let claimedAt = record.claimedAt,
            now.timeIntervalSince(claimedAt) < ModerationPolicy.claimTimeout
        {
            let name = try displayName(db, userID: claimer) ?? "another moderator"
            throw StoreError.conflict("already being handled by \(name)")
        }
    }

    static func displayName(_ db: Database, userID: Int64) throws -> String? {
        try String.fetchOne(db, sql: "SELECT display_name FROM staff_user WHERE id = ?", arguments: [userID])
    }

    /// Queue items as the contract returns them, each with the typed
    /// subject its feature names (one query per feature, not per item).
    func items(_ db: Database, _ records: [ModerationItemRecord]) throws -> [ModerationItem] {
        var items = try records.map { try Self.view(db, $0) }
        for (sourceType, indices) in Dictionary(grouping: items.indices, by: { items[$0].sourceType }) {
            guard let feature = subjects[sourceType] else { continue }
            let named = try feature.moderationSubjects(db, sourceIDs: indices.map { items[$0].sourceID })
            for index in indices { items[index].subject = named[items[index].sourceID] }
        }
        return items
    }

    func item(_ db: Database, _ record: ModerationItemRecord) throws -> ModerationItem {
        try items(db, [record])[0]
    }

    /// An item without its subject: for a feature that names its own.
    static func view(_ db: Database, _ record: ModerationItemRecord) throws -> ModerationItem {
        let decoder = JSONDecoder()
        return view(
            record, flags: try decoder.decode([FilterFlag].self, from: Data(record.flagsJson.utf8)),
            personalInformation: try decoder.decode([PersonalInformationMatch].self, from: Data(record.personalInformationJson.utf8)),
            claimedBy: try record.claimedBy.flatMap { try displayName(db, userID: $0) },
            decidedBy: try record.decidedBy.flatMap { try displayName(db, userID: $0) })
    }

    /// An item just queued (`enqueueModeration`), without its subject, from
    /// the values in hand: the filter's findings need no decoding back from
    /// the JSON just written, and nobody has claimed or decided it yet.
    static func queuedView(_ record: ModerationItemRecord, check: ContentFilter.Result) -> ModerationItem {
        view(record, flags: check.flags, personalInformation: check.personalInformation, claimedBy: nil, decidedBy: nil)
    }

    private static func view(
        _ record: ModerationItemRecord, flags: [FilterFlag], personalInformation: [PersonalInformationMatch], claimedBy: String?,
        decidedBy: String?
    ) -> ModerationItem {
        ModerationItem(
            id: record.id!, kind: record.kind, sourceType: record.sourceType, sourceID: record.sourceId,
            subject: nil, sourceURL: nil, text: record.text, editedText: record.editedText, maskedText: record.maskedText,
            flags: flags, personalInformation: personalInformation,
            categories: record.flagCategories.split(separator: ",").map(String.init),
            highestAction: record.highestAction, state: record.state, reasonCode: record.reasonCode,
            reasonNote: record.reasonNote, holdOverridden: record.holdOverridden,
            claimedBy: claimedBy, claimedAt: record.claimedAt, decidedBy: decidedBy, decidedAt: record.decidedAt,
            createdAt: record.createdAt, version: record.version, authorName: record.authorName)
    }

    static func encodeJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Most texts have no findings: their empty list needs no encoder.
    static func encodeJSON<Element: Encodable>(_ list: [Element]) throws -> String {
        if list.isEmpty { return "[]" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(list), as: UTF8.self)
    }

    static func throwIfInvalid(_ errors: [FieldError]) throws {
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
    }
}

/// The parts of an item the audit log keeps for a decision.
struct AuditedModeration: Encodable {
    var state: String
    var text: String
    var editedText: String?
    var reasonCode: String?
    var reasonNote: String?
    var holdOverridden: Bool

    init(_ item: ModerationItem) {
        state = item.state.rawValue
        text = item.text
        editedText = item.editedText
        reasonCode = item.reasonCode
        reasonNote = item.reasonNote
        holdOverridden = item.holdOverridden
    }
}
