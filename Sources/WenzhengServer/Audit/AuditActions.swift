import Foundation
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Reading the append-only audit log, for admins' page and API alike:
/// newest first, filtered by date and actor.
struct AuditActions: Sendable {
    let database: AppDatabase

    /// A filter as the page's form and the API's query string give it.
    struct Query {
        var since: Date?
        var actor: String?
        var limit: Int

        /// `since` is a date (2026-11-01, Beijing time) or an ISO 8601
        /// instant; `actor` a username or `cli:<user>`; `limit` 1 to 5000
        /// (500 when absent).
        init(_ parameters: Parameters) throws {
            since = nil
            actor = nil
            limit = 500
            if let since = parameters.get("since"), !since.isEmpty {
                guard let date = AuditDates.parse(since) else {
                    throw Problem.validation(.invalid("since", "since must be a date like 2026-11-01 or an ISO 8601 time"))
                }
                self.since = date
            }
            if let actor = parameters.get("actor"), !actor.isEmpty {
                guard actor.count <= 64 else { throw Problem.validation(.tooLong("actor", max: 64)) }
                self.actor = actor
            }
            if let limit = parameters.get("limit"), !limit.isEmpty {
                guard let value = Int(limit), (1...5000).contains(value) else {
                    throw Problem.validation(.invalid("limit", "limit must be between 1 and 5000"))
                }
                self.limit = value
            }
        }
    }

    func entries(_ query: Query) async throws -> [AuditEntry] {
        try await database.audit.auditEntries(since: query.since, actorName: query.actor, limit: query.limit)
    }
}
