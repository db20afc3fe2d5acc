import Foundation
import GRDB

extension AppDatabase {
    /// Audit entries, newest first, optionally from a date on and by one actor.
    public func auditEntries(since: Date? = nil, actorName: String? = nil, limit: Int = 500) async throws -> [AuditEntry] {
        try await reader.read { db in
            var request = AuditEntry.all()
            if let since { request = request.filter(Column("recorded_at") >= since) }
            if let actorName { request = request.filter(Column("actor_name") == actorName) }
            return try request.order(Column("recorded_at").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }
}
