import Foundation
import GRDB
import WenzhengCore

/// The year's interviews and open days as the plan check takes them.
extension GRDBEventsStore {
    func plannedEvents(year: Int?) async throws -> [PlannedEvent] {
        try await reader.read { db in
            var interviewFilter = ""
            var openDayFilter = ""
            var arguments = StatementArguments()
            if let year {
                let (from, to) = Self.bounds(ofYear: year)
                interviewFilter = "WHERE scheduled_start >= ? AND scheduled_start < ?"
                openDayFilter = "WHERE starts_at >= ? AND starts_at < ?"
                arguments = [from, to]
            }
            let interviews = try Row.fetchAll(
                db,
                sql:
                    "SELECT id, title, scheduled_start, announced_at, status FROM interview \(interviewFilter) ORDER BY scheduled_start, id",
                arguments: arguments
            ).map { row in
                PlannedEvent(
                    kind: .interview, id: row["id"], title: row["title"], start: row["scheduled_start"], announcedAt: row["announced_at"],
                    cancelled: (row["status"] as String) == InterviewStatus.cancelled.rawValue)
            }
            let openDays = try Row.fetchAll(
                db, sql: "SELECT id, title, starts_at, created_at, state FROM open_day \(openDayFilter) ORDER BY starts_at, id",
                arguments: arguments
            ).map { row in
                // An open day's page is public from the moment it is scheduled.
                PlannedEvent(
                    kind: .openDay, id: row["id"], title: row["title"], start: row["starts_at"], announcedAt: row["created_at"],
                    cancelled: (row["state"] as String) == OpenDayState.cancelled.rawValue)
            }
            return (interviews + openDays).sorted { ($0.start, $0.kind.rawValue, $0.id) < ($1.start, $1.kind.rawValue, $1.id) }
        }
    }
}
