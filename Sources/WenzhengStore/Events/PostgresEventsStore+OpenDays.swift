import Foundation
import PostgresNIO
import WenzhengCore

/// Open days on PostgreSQL: scheduling, moving, calling off, marking held.
extension PostgresEventsStore {
    func scheduleOpenDay(_ openDay: OpenDay, actor: AuditActor, at now: Date) async throws -> OpenDayView {
        guard openDay.state == .scheduled, openDay.revision == 0, openDay.cancellationReason == nil else {
            throw StoreError.invalid(ValidationFailure([.invalid("state", "a new open day is scheduled, at revision 0, without a reason")]))
        }
        let checked: OpenDay
        do {
            checked = try OpenDay.scheduled(
                title: openDay.title, programme: openDay.programme, location: openDay.location, start: openDay.start,
                durationMinutes: openDay.durationMinutes, capacity: openDay.capacity, registrationOpens: openDay.registrationOpens,
                registrationCloses: openDay.registrationCloses, now: now)
        } catch {
            throw StoreError.invalid(error)
        }
        return try await backend.write { tx in
            var record = OpenDayRecord(checked, at: now)
            record.id = try await tx.insert(into: "open_day", record)
            try await AuditEntry.record(
                tx, actor: actor, action: "open_day.schedule", subjectType: "open_day", subjectID: String(record.id!),
                after: AuditedOpenDay(checked), at: now)
            return try await Self.view(tx, record, at: now)
        }
    }

    func openDay(id: Int64, at now: Date) async throws -> OpenDayView {
        try await backend.read { tx in try await Self.view(tx, try await Self.existingOpenDay(tx, id: id), at: now) }
    }

    func openDays(year: Int?, at now: Date) async throws -> [OpenDayView] {
        try await backend.read { tx in
            let records: [OpenDayRecord]
            if let year {
                let (from, to) = GRDBEventsStore.bounds(ofYear: year)
                records = try await tx.records(
                    OpenDayRecord.self, "SELECT * FROM open_day WHERE starts_at >= \(from) AND starts_at < \(to) ORDER BY starts_at, id")
            } else {
                records = try await tx.records(OpenDayRecord.self, "SELECT * FROM open_day ORDER BY starts_at, id")
            }
            var views: [OpenDayView] = []
            for record in records { views.append(try await Self.view(tx, record, at: now)) }
            return views
        }
    }

    func rescheduleOpenDay(id: Int64, to start: Date, durationMinutes: Int?, actor: AuditActor, at now: Date) async throws
        -> OpenDayUpdate
    {
        try await backend.write { tx in
            var record = try await Self.existingOpenDay(tx, id: id)
            let before = record.openDay
            let moved = try GRDBEventsStore.rule { try before.rescheduled(to: start, durationMinutes: durationMinutes, now: now) }
            return try await Self.change(
                tx, &record, to: moved, action: "open_day.reschedule",
                notice: OpenDayNotices.rescheduled(moved, previousStart: before.start), actor: actor, at: now)
        }
    }

    func cancelOpenDay(id: Int64, reason: String, actor: AuditActor, at now: Date) async throws -> OpenDayUpdate {
        try await backend.write { tx in
            var record = try await Self.existingOpenDay(tx, id: id)
            let current = record.openDay
            let cancelled = try GRDBEventsStore.rule { try current.cancelled(reason: reason) }
            return try await Self.change(
                tx, &record, to: cancelled, action: "open_day.cancel", notice: OpenDayNotices.cancelled(cancelled), actor: actor, at: now)
        }
    }

    func markOpenDayHeld(id: Int64, actor: AuditActor, at now: Date) async throws -> OpenDayView {
        try await backend.write { tx in
            var record = try await Self.existingOpenDay(tx, id: id)
            let before = record.openDay
            let held = try GRDBEventsStore.rule { try before.held(now: now) }
            record.apply(held, at: now)
            try await tx.update("open_day", record, id: id)
            try await AuditEntry.record(
                tx, actor: actor, action: "open_day.held", subjectType: "open_day", subjectID: String(id), before: AuditedOpenDay(before),
                after: AuditedOpenDay(held), at: now)
            return try await Self.view(tx, record, at: now)
        }
    }

    /// A change every visitor is told about: the open day written and
    /// audited, and `notice` queued for each live registration (registered,
    /// waitlisted or checked in), in arrival order.
    private static func change(
        _ tx: PostgresTransaction, _ record: inout OpenDayRecord, to changed: OpenDay, action: String, notice: OpenDayNotice,
        actor: AuditActor, at now: Date
    ) async throws -> OpenDayUpdate {
        let before = record.openDay
        record.apply(changed, at: now)
        try await tx.update("open_day", record, id: record.id!)
        try await AuditEntry.record(
            tx, actor: actor, action: action, subjectType: "open_day", subjectID: String(record.id!), before: AuditedOpenDay(before),
            after: AuditedOpenDay(changed), at: now)
        let live = try await registrations(tx, openDayID: record.id!).filter(\.status.isLive)
        for registration in live {
            try await enqueue(tx, notice, to: registration, at: now)
        }
        return OpenDayUpdate(
            openDay: try await view(tx, record, at: now), notices: live.count, noticesWithoutEmail: live.filter { $0.email == nil }.count)
    }
}
