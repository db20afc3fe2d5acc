import Foundation
import GRDB

extension GRDBAuditStore {
    /// Audit entries, newest first, optionally from a date on and by one actor.
    func auditEntries(since: Date?, actorName: String?, limit: Int) async throws -> [AuditEntry] {
        try await reader.read { db in
            var request = AuditEntry.all()
            if let since { request = request.filter(Column("recorded_at") >= since) }
            if let actorName { request = request.filter(Column("actor_name") == actorName) }
            return try request.order(Column("recorded_at").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }
}

extension GRDBAuditStore {
    /// Records a staff action that changes no table of its own (a word-list
    /// reload), so the audit log still shows who did it and when.
    func recordStaffAction(
        actor: AuditActor, action: String, subjectType: String, subjectID: String?, after: (any Encodable & Sendable)?,
        at now: Date
    ) async throws {
        try await writer.write { db in
            try AuditEntry.record(db, actor: actor, action: action, subjectType: subjectType, subjectID: subjectID, after: after, at: now)
        }
    }
}
