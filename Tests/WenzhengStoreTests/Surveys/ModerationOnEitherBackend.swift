import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// The moderation queue as the survey and consultation store tests need it,
/// on either backend. On SQLite it is the moderation store itself. On
/// PostgreSQL the moderation store is not yet ported in this branch (its
/// stand-in is an SQLite store of another database), so the queue is read
/// from `moderation_item`, and a decision marks the item decided and calls
/// the feature's `PostgresModerationSubject` hook in the same transaction,
/// as the moderation store does: what these tests check of a decision is
/// the feature's side of it.
enum ModerationOnEitherBackend {
    struct Queued: Sendable, Equatable {
        var id: Int64
        var kind: ContentKind
        var text: String
        var createdAt: Date
    }

    /// Pending items, oldest first (optionally of one kind).
    static func pending(_ db: AppDatabase, kind: ContentKind? = nil, at now: Date) async throws -> [Queued] {
        switch db.backend {
        case .sqlite:
            return try await db.moderation.moderationQueue(ModerationQueueFilter(kind: kind), at: now).map {
                Queued(id: $0.id, kind: $0.kind, text: $0.text, createdAt: $0.createdAt)
            }
        case .postgres(let postgres):
            return try await postgres.read { tx in
                try await tx.rows("SELECT * FROM moderation_item WHERE state = 'pending' ORDER BY created_at, id").map {
                    try ModerationItemRecord(postgresRow: $0)
                }
                .filter { kind == nil || $0.kind == kind }
                .map { Queued(id: $0.id!, kind: $0.kind, text: $0.text, createdAt: $0.createdAt) }
            }
        }
    }

    /// The typed subject the item's feature names for it: on SQLite as the
    /// queue shows it, on PostgreSQL from the feature's hook, in one read.
    static func subject(_ db: AppDatabase, itemID: Int64) async throws -> ModerationSubject? {
        switch db.backend {
        case .sqlite:
            return try await db.moderation.moderationItem(id: itemID).subject
        case .postgres(let postgres):
            let hooks = subjects(db)
            return try await postgres.read { tx in
                guard let row = try await tx.row("SELECT * FROM moderation_item WHERE id = \(itemID)") else { return nil }
                let item = try ModerationItemRecord(postgresRow: row)
                guard let hook = hooks[item.sourceType] else { return nil }
                return try await hook.moderationSubjects(tx, sourceIDs: [item.sourceId, "not-a-source"])[item.sourceId]
            }
        }
    }

    /// This branch's PostgreSQL moderation subjects, by source type.
    static func subjects(_ db: AppDatabase) -> [String: any PostgresModerationSubject] {
        var subjects: [String: any PostgresModerationSubject] = [:]
        if let surveys = db.surveys as? PostgresSurveysStore { subjects[PostgresSurveysStore.moderationSourceType] = surveys }
        if let consultations = db.consultations as? PostgresConsultationsStore {
            subjects[PostgresConsultationsStore.moderationSourceType] = consultations
        }
        return subjects
    }

    /// Approves (`rejectReason` nil) or rejects an item.
    static func decide(_ db: AppDatabase, id: Int64, rejectReason: String? = nil, by staff: AuthenticatedStaff, at now: Date)
        async throws
    {
        switch db.backend {
        case .sqlite:
            let decision: ModerationDecision =
                rejectReason.map { .reject(reasonCode: $0, note: nil) } ?? .approve(override: false)
            _ = try await db.moderation.decideModeration(
                id: id, decision, by: staff, allowedReasons: Set([rejectReason].compactMap { $0 }), at: now)
        case .postgres(let postgres):
            let hooks = subjects(db)
            let state = rejectReason == nil ? ModerationState.approved.rawValue : ModerationState.rejected.rawValue
            try await postgres.write { tx in
                guard
                    let row = try await tx.row(
                        """
                        UPDATE moderation_item SET state = \(state), reason_code = \(rejectReason), decided_by = \(staff.userID),
                            decided_at = \(now), version = version + 1
                        WHERE id = \(id) AND state = 'pending' RETURNING *
                        """)
                else { throw StoreError.conflict("moderation item \(id) is not pending") }
                let item = try ModerationItemRecord(postgresRow: row)
                let hook = try #require(hooks[item.sourceType], "no PostgreSQL subject for \(item.sourceType)")
                _ = try await hook.moderationDecided(tx, item: item, mergedIntoItemID: nil, at: now)
            }
        }
    }
}
