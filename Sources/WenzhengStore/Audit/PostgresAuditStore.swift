import Foundation
import PostgresNIO

/// `AuditStore` over PostgreSQL. Entries are written by every store inside
/// its own transaction (`AuditEntry.record(tx, …)`); the table refuses
/// UPDATE, DELETE and TRUNCATE (pg1-accounts' triggers).
struct PostgresAuditStore: AuditStore {
    let backend: PostgresBackend

    func auditEntries(since: Date?, actorName: String?, limit: Int) async throws -> [AuditEntry] {
        try await backend.read { tx in
            try await tx.records(
                AuditEntry.self,
                """
                SELECT * FROM audit_entry
                WHERE (\(since)::timestamptz IS NULL OR recorded_at >= \(since))
                  AND (\(actorName)::text IS NULL OR actor_name = \(actorName))
                ORDER BY recorded_at DESC, id DESC
                LIMIT \(limit)
                """)
        }
    }

    func recordStaffAction(
        actor: AuditActor, action: String, subjectType: String, subjectID: String?, after: (any Encodable & Sendable)?,
        at now: Date
    ) async throws {
        try await backend.write { tx in
            try await AuditEntry.record(tx, actor: actor, action: action, subjectType: subjectType, subjectID: subjectID, after: after, at: now)
        }
    }
}
