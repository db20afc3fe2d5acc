import Foundation
import PostgresNIO
import WenzhengCore

/// The moderation queue on PostgreSQL (`GRDBModerationStore+Moderation`).
/// Claims and versions live in the shared database, so moderators on
/// different server nodes see one another's claims, and two decisions on
/// one item from two nodes are serialized: the later one finds the item
/// decided (or its version moved) and is refused as on SQLite.
extension PostgresModerationStore: ModerationStore {
    // MARK: Entering the queue

    @discardableResult
    func submitForModeration(_ new: NewModerationItem, at now: Date) async throws -> ModerationItem {
        try await backend.write { tx in
            let record = try await Self.enqueueModeration(tx, new, at: now)
            return try await self.item(tx, record)
        }
    }

    // MARK: Reading the queue

    func moderationQueue(_ filter: ModerationQueueFilter, at now: Date) async throws -> [ModerationItem] {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        if !filter.states.isEmpty {
            bindings.append(filter.states.map(\.rawValue))
            conditions.append("state = ANY($\(bindings.count))")
        }
        if let kind = filter.kind {
            bindings.append(kind.rawValue)
            conditions.append("kind = $\(bindings.count)")
        }
        if let category = filter.category {
            if category == "flagged" {
                conditions.append("flag_categories <> ',,'")
            } else {
                // GRDB's `like` is SQLite's LIKE: case-insensitive for ASCII.
                bindings.append("%,\(category),%")
                conditions.append("flag_categories ILIKE $\(bindings.count)")
            }
        }
        if let olderThan = filter.olderThan {
            bindings.append(now.addingTimeInterval(-olderThan))
            conditions.append("created_at <= $\(bindings.count)")
        }
        bindings.append(Int64(max(1, min(filter.limit, 1000))))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let query = PostgresQuery(
            unsafeSQL: "SELECT * FROM moderation_item \(whereClause) ORDER BY created_at, id LIMIT $\(bindings.count)", binds: bindings)
        return try await backend.read { tx in
            let records = try await tx.rows(query).map(ModerationItemRecord.init(postgresRow:))
            return try await self.items(tx, records)
        }
    }

    func moderationItem(id: Int64) async throws -> ModerationItem {
        try await backend.read { tx in try await self.item(tx, try await Self.existingItem(tx, id: id)) }
    }

    func pendingModerationCounts() async throws -> [ContentKind: Int] {
        try await backend.read { tx in
            let rows = try await tx.rows("SELECT kind, COUNT(*) AS n FROM moderation_item WHERE state = 'pending' GROUP BY kind")
            var counts: [ContentKind: Int] = [:]
            for row in rows {
                if let kind = ContentKind(rawValue: try row.value("kind", as: String.self)) {
                    counts[kind] = try row.value("n", as: Int.self)
                }
            }
            return counts
        }
    }

    /// The index on (state, created_at) answers this without a scan.
    func oldestPendingModerationDate() async throws -> Date? {
        try await backend.read { tx in
            try await tx.scalar("SELECT MIN(created_at) FROM moderation_item WHERE state = 'pending'", as: Date.self)
        }
    }

    // MARK: Working the queue

    func claimModerationItem(id: Int64, by staff: AuthenticatedStaff, at now: Date) async throws -> ModerationItem {
        try await backend.write { tx in
            var record = try await Self.existingItem(tx, id: id)
            try await Self.ensureOpen(tx, record, for: staff, at: now)
            record.claimedBy = staff.userID
            record.claimedAt = now
            record.version += 1
            try await Self.update(tx, record)
            return try await self.item(tx, record)
        }
    }

    func releaseModerationClaim(id: Int64, by staff: AuthenticatedStaff) async throws -> ModerationItem {
        try await backend.write { tx in
            var record = try await Self.existingItem(tx, id: id)
            if record.claimedBy == staff.userID, record.state == .pending {
                record.claimedBy = nil
                record.claimedAt = nil
                record.version += 1
                try await Self.update(tx, record)
            }
            return try await self.item(tx, record)
        }
    }

    func decideModeration(
        id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, expectedVersion: Int?,
        allowedReasons: Set<String>, clientAddress: String?, at now: Date
    ) async throws -> DecidedModeration {
        try await backend.write { tx in
            try await self.decide(
                tx, id: id, decision, by: staff, expectedVersion: expectedVersion, allowedReasons: allowedReasons,
                clientAddress: clientAddress, at: now)
        }
    }

    func decideModerationInBulk(
        ids: [Int64], _ decision: ModerationDecision, by staff: AuthenticatedStaff, allowedReasons: Set<String>,
        clientAddress: String?, at now: Date
    ) async throws -> [BulkDecisionResult] {
        var results: [BulkDecisionResult] = []
        for id in ids {
            do {
                let decided = try await backend.write { tx in
                    try await self.decide(
                        tx, id: id, decision, by: staff, expectedVersion: nil, allowedReasons: allowedReasons,
                        clientAddress: clientAddress, at: now)
                }
                results.append(BulkDecisionResult(id: id, ok: true, error: nil, item: decided.item, effect: decided.effect))
            } catch let error as StoreError {
                results.append(BulkDecisionResult(id: id, ok: false, error: error.description, item: nil))
            }
        }
        return results
    }

    /// One decision inside the caller's transaction, the item's feature
    /// (`PostgresModerationSubject`) called in the same transaction.
    func decide(
        _ tx: PostgresTransaction, id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, expectedVersion: Int?,
        allowedReasons: Set<String>, clientAddress: String?, at now: Date
    ) async throws -> DecidedModeration {
        var record = try await Self.existingItem(tx, id: id)
        try await Self.ensureOpen(tx, record, for: staff, at: now)
        if let expectedVersion, expectedVersion != record.version {
            throw StoreError.conflict("item \(id) changed since you loaded it; reload and try again")
        }
        let before = try await Self.view(tx, record)
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
                try GRDBModerationStore.throwIfInvalid(errors)
                record.editedText = edited
                record.state = .edited
                record.maskedText = PersonalInformation.mask(edited, authorName: record.authorName)
            } else {
                record.state = .approved
            }
        case .merge(let target):
            let targetRecord = target == id ? nil : try await Self.item(tx, id: target)
            guard let targetRecord, targetRecord.kind == record.kind, targetRecord.sourceType == record.sourceType else {
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
            try GRDBModerationStore.throwIfInvalid(errors)
            record.state = .rejected
            record.reasonCode = code
            record.reasonNote = note.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        }
        record.decidedBy = staff.userID
        record.decidedAt = now
        record.claimedBy = nil
        record.claimedAt = nil
        record.version += 1
        try await Self.update(tx, record)
        var effect = ModerationEffect.none
        if let subject = subject(for: record.sourceType) {
            effect = try await subject.moderationDecided(tx, item: record, mergedIntoItemID: mergedInto, at: now)
        }
        let after = try await self.item(tx, record)
        let action =
            switch record.state {
            case .approved: record.holdOverridden ? "moderation.approve_override" : "moderation.approve"
            case .edited: "moderation.edit_approve"
            case .rejected: "moderation.reject"
            case .pending: "moderation.update"
            }
        try await AuditEntry.record(
            tx, actor: .staff(staff, clientAddress: clientAddress), action: action, subjectType: "moderation_item",
            subjectID: String(id), before: AuditedModeration(before), after: AuditedModeration(after), at: now)
        return DecidedModeration(item: after, effect: effect)
    }

    // MARK: Helpers

    /// The feature whose text items of `sourceType` are.
    func subject(for sourceType: String) -> (any PostgresModerationSubject)? {
        subjects[sourceType]
    }

    static func item(_ tx: PostgresTransaction, id: Int64) async throws -> ModerationItemRecord? {
        try await tx.row("SELECT * FROM moderation_item WHERE id = \(id)").map(ModerationItemRecord.init(postgresRow:))
    }

    static func existingItem(_ tx: PostgresTransaction, id: Int64) async throws -> ModerationItemRecord {
        guard let record = try await item(tx, id: id) else {
            throw StoreError.notFound(kind: "moderation item", key: String(id))
        }
        return record
    }

    /// Writes an item's changeable columns: what a claim, a release or a
    /// decision changes (the text, source and findings never change).
    static func update(_ tx: PostgresTransaction, _ record: ModerationItemRecord) async throws {
        try await tx.execute(
            """
            UPDATE moderation_item SET edited_text = \(record.editedText), masked_text = \(record.maskedText),
                state = \(record.state.rawValue), reason_code = \(record.reasonCode), reason_note = \(record.reasonNote),
                hold_overridden = \(record.holdOverridden), claimed_by = \(record.claimedBy), claimed_at = \(record.claimedAt),
                decided_by = \(record.decidedBy), decided_at = \(record.decidedAt), version = \(record.version)
            WHERE id = \(record.id!)
            """)
    }

    /// An item can be acted on when it is pending and not claimed by someone
    /// else (or their claim has timed out): `GRDBModerationStore.ensureOpen`.
    static func ensureOpen(_ tx: PostgresTransaction, _ record: ModerationItemRecord, for staff: AuthenticatedStaff, at now: Date)
        async throws
    {
        if record.state.isDecided {
            var name: String?
            if let decider = record.decidedBy { name = try await PostgresAccountsStore.displayName(tx, userID: decider) }
            throw StoreError.conflict("already handled by \(name ?? "another moderator") (\(record.state.rawValue))")
        }
        if let claimer = record.claimedBy, claimer != staff.userID, let claimedAt = record.claimedAt,
            now.timeIntervalSince(claimedAt) < ModerationPolicy.claimTimeout
        {
            let name = try await PostgresAccountsStore.displayName(tx, userID: claimer) ?? "another moderator"
            throw StoreError.conflict("already being handled by \(name)")
        }
    }

    /// Queue items as the contract returns them, each with the typed
    /// subject its feature names (one query per feature, not per item).
    func items(_ tx: PostgresTransaction, _ records: [ModerationItemRecord]) async throws -> [ModerationItem] {
        var items: [ModerationItem] = []
        for record in records { items.append(try await Self.view(tx, record)) }
        for (sourceType, indices) in Dictionary(grouping: items.indices, by: { items[$0].sourceType }) {
            guard let feature = subject(for: sourceType) else { continue }
            let named = try await feature.moderationSubjects(tx, sourceIDs: indices.map { items[$0].sourceID })
            for index in indices { items[index].subject = named[items[index].sourceID] }
        }
        return items
    }

    func item(_ tx: PostgresTransaction, _ record: ModerationItemRecord) async throws -> ModerationItem {
        try await items(tx, [record])[0]
    }

    /// An item without its subject, with the names of who claimed and
    /// decided it.
    static func view(_ tx: PostgresTransaction, _ record: ModerationItemRecord) async throws -> ModerationItem {
        let decoder = JSONDecoder()
        let flags = try decoder.decode([FilterFlag].self, from: Data(record.flagsJson.utf8))
        let personalInformation = try decoder.decode([PersonalInformationMatch].self, from: Data(record.personalInformationJson.utf8))
        var claimedBy: String?
        if let claimer = record.claimedBy { claimedBy = try await PostgresAccountsStore.displayName(tx, userID: claimer) }
        var decidedBy: String?
        if let decider = record.decidedBy { decidedBy = try await PostgresAccountsStore.displayName(tx, userID: decider) }
        return ModerationItem(
            id: record.id!, kind: record.kind, sourceType: record.sourceType, sourceID: record.sourceId,
            subject: nil, sourceURL: nil, text: record.text, editedText: record.editedText, maskedText: record.maskedText,
            flags: flags, personalInformation: personalInformation,
            categories: record.flagCategories.split(separator: ",").map(String.init),
            highestAction: record.highestAction, state: record.state, reasonCode: record.reasonCode,
            reasonNote: record.reasonNote, holdOverridden: record.holdOverridden,
            claimedBy: claimedBy, claimedAt: record.claimedAt, decidedBy: decidedBy, decidedAt: record.decidedAt,
            createdAt: record.createdAt, version: record.version, authorName: record.authorName)
    }
}
