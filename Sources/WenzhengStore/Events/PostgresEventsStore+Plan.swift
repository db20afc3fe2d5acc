import Foundation
import PostgresNIO
import WenzhengCore

/// The year's interviews and open days as the plan check takes them.
extension PostgresEventsStore {
    func plannedEvents(year: Int?) async throws -> [PlannedEvent] {
        try await backend.read { tx in
            // Without a year, the whole range of instants.
            let (from, to) = year.map { GRDBEventsStore.bounds(ofYear: $0) } ?? (Date.distantPast, Date.distantFuture)
            let bounded = year != nil
            let interviews = try await tx.rows(
                """
                SELECT id, title, scheduled_start, announced_at, status FROM interview
                WHERE NOT \(bounded) OR (scheduled_start >= \(from) AND scheduled_start < \(to))
                ORDER BY scheduled_start, id
                """
            ).map { row in
                PlannedEvent(
                    kind: .interview, id: try row.value("id", as: Int64.self), title: try row.value("title", as: String.self),
                    start: try row.value("scheduled_start", as: Date.self), announcedAt: try row.value("announced_at", as: Date?.self),
                    cancelled: try row.value("status", as: String.self) == InterviewStatus.cancelled.rawValue)
            }
            let openDays = try await tx.rows(
                """
                SELECT id, title, starts_at, created_at, state FROM open_day
                WHERE NOT \(bounded) OR (starts_at >= \(from) AND starts_at < \(to))
                ORDER BY starts_at, id
                """
            ).map { row in
                // An open day's page is public from the moment it is scheduled.
                PlannedEvent(
                    kind: .openDay, id: try row.value("id", as: Int64.self), title: try row.value("title", as: String.self),
                    start: try row.value("starts_at", as: Date.self), announcedAt: try row.value("created_at", as: Date?.self),
                    cancelled: try row.value("state", as: String.self) == OpenDayState.cancelled.rawValue)
            }
            return (interviews + openDays).sorted { ($0.start, $0.kind.rawValue, $0.id) < ($1.start, $1.kind.rawValue, $1.id) }
        }
    }
}
