import Foundation
import GRDB
import WenzhengCore

/// Open days themselves: scheduling, moving, calling off, marking held.
extension GRDBEventsStore {
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
        return try await writer.write { db in
            var record = OpenDayRecord(checked, at: now)
            try record.insert(db)
            try AuditEntry.record(
                db, actor: actor, action: "open_day.schedule", subjectType: "open_day", subjectID: String(record.id!),
                after: AuditedOpenDay(checked), at: now)
            return try Self.view(db, record, at: now)
        }
    }

    func openDay(id: Int64, at now: Date) async throws -> OpenDayView {
        try await reader.read { db in try Self.view(db, try Self.existingOpenDay(db, id: id), at: now) }
    }

    func openDays(year: Int?, at now: Date) async throws -> [OpenDayView] {
        try await reader.read { db in
            var request = OpenDayRecord.all()
            if let year {
                let (from, to) = Self.bounds(ofYear: year)
                request = request.filter(OpenDayRecord.Columns.startsAt >= from && OpenDayRecord.Columns.startsAt < to)
            }
            return try request.order(OpenDayRecord.Columns.startsAt, Column("id")).fetchAll(db).map { try Self.view(db, $0, at: now) }
        }
    }

    func rescheduleOpenDay(id: Int64, to start: Date, durationMinutes: Int?, actor: AuditActor, at now: Date) async throws
        -> OpenDayUpdate
    {
        try await writer.write { db in
            var record = try Self.existingOpenDay(db, id: id)
            let before = record.openDay
            let moved = try Self.rule { try before.rescheduled(to: start, durationMinutes: durationMinutes, now: now) }
            return try Self.change(
                db, &record, to: moved, action: "open_day.reschedule",
                notice: OpenDayNotices.rescheduled(moved, previousStart: before.start),
                actor: actor, at: now)
        }
    }

    func cancelOpenDay(id: Int64, reason: String, actor: AuditActor, at now: Date) async throws -> OpenDayUpdate {
        try await writer.write { db in
            var record = try Self.existingOpenDay(db, id: id)
            let cancelled = try Self.rule { try record.openDay.cancelled(reason: reason) }
            return try Self.change(
                db, &record, to: cancelled, action: "open_day.cancel", notice: OpenDayNotices.cancelled(cancelled), actor: actor, at: now)
        }
    }

    func markOpenDayHeld(id: Int64, actor: AuditActor, at now: Date) async throws -> OpenDayView {
        try await writer.write { db in
            var record = try Self.existingOpenDay(db, id: id)
            let before = record.openDay
            let held = try Self.rule { try before.held(now: now) }
            record.apply(held, at: now)
            try record.update(db)
            try AuditEntry.record(
                db, actor: actor, action: "open_day.held", subjectType: "open_day", subjectID: String(id), before: AuditedOpenDay(before),
                after: AuditedOpenDay(held), at: now)
            return try Self.view(db, record, at: now)
        }
    }

    /// A change every visitor is told about: the open day written and
    /// audited, and `notice` queued for each live registration (registered,
    /// waitlisted or checked in), in arrival order.
    private static func change(
        _ db: Database, _ record: inout OpenDayRecord, to changed: OpenDay, action: String, notice: OpenDayNotice, actor: AuditActor,
        at now: Date
    ) throws -> OpenDayUpdate {
        let before = record.openDay
        record.apply(changed, at: now)
        try record.update(db)
        try AuditEntry.record(
            db, actor: actor, action: action, subjectType: "open_day", subjectID: String(record.id!), before: AuditedOpenDay(before),
            after: AuditedOpenDay(changed), at: now)
        let live = try registrations(db, openDayID: record.id!).filter(\.status.isLive)
        for registration in live {
            try enqueue(db, notice, to: registration, at: now)
        }
        return OpenDayUpdate(
            openDay: try view(db, record, at: now), notices: live.count, noticesWithoutEmail: live.filter { $0.email == nil }.count)
    }
}
