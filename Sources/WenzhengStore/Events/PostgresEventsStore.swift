import Foundation
import PostgresNIO
import WenzhengCore

/// `EventsStore` on PostgreSQL (issue 16): the same transactions, audit
/// entries, notices and errors as `GRDBEventsStore`, whose rules and shapes
/// it reuses.
///
/// Every change is one SERIALIZABLE transaction: two registrations for
/// the last seat (from two server nodes) cannot both see it free; the one
/// that loses is run again by the backend and sees the seat taken. A new
/// registration is its own transaction (no group commit, which is SQLite's).
struct PostgresEventsStore: EventsStore {
    let backend: PostgresBackend
    /// Draws a confirmation code not among an open day's codes: by default
    /// from the operating system's secure generator. Tests may replace it.
    var drawCode: @Sendable (Set<ConfirmationCode>) -> ConfirmationCode = GRDBEventsStore.secureCode

    init(backend: PostgresBackend) {
        self.backend = backend
    }
}

// MARK: Helpers shared by the extensions

extension PostgresEventsStore {
    static func existingOpenDay(_ tx: PostgresTransaction, id: Int64) async throws -> OpenDayRecord {
        guard let record = try await tx.record(OpenDayRecord.self, "SELECT * FROM open_day WHERE id = \(id)") else {
            throw StoreError.notFound(kind: "open day", key: String(id))
        }
        return record
    }

    /// The open day's registrations in arrival order.
    static func registrations(_ tx: PostgresTransaction, openDayID: Int64) async throws -> [OpenDayRegistrationRecord] {
        try await tx.records(
            OpenDayRegistrationRecord.self, "SELECT * FROM open_day_registration WHERE open_day_id = \(openDayID) ORDER BY id")
    }

    static func roster(_ tx: PostgresTransaction, _ record: OpenDayRecord) async throws -> OpenDayRoster {
        try GRDBEventsStore.roster(record, try await registrations(tx, openDayID: record.id!))
    }

    static func view(_ tx: PostgresTransaction, _ record: OpenDayRecord, at now: Date) async throws -> OpenDayView {
        let openDay = record.openDay
        let ended = openDay.state == .held || (openDay.state != .cancelled && now >= openDay.end)
        return OpenDayView(
            id: record.id!, openDay: openDay, counts: try await roster(tx, record).counts(ended: ended), ended: ended,
            createdAt: record.createdAt, updatedAt: record.updatedAt, cancelledAt: record.cancelledAt, heldAt: record.heldAt)
    }

    /// Writes what a roster function changed, in the caller's transaction:
    /// the party acted on, then each promotion with its audit entry and its
    /// notice. Returns the rows as written, the party's first.
    static func write(_ tx: PostgresTransaction, _ change: OpenDayRoster.Change, openDay: OpenDayRecord, at now: Date) async throws
        -> (party: OpenDayRegistrationRecord?, promoted: [OpenDayRegistrationRecord])
    {
        var party: OpenDayRegistrationRecord?
        if let changed = change.party { party = try await writeStatus(tx, changed, promoted: false, at: now) }
        let freedBy = change.party.flatMap { $0.status == .cancelled ? $0.id : nil }
        var promoted: [OpenDayRegistrationRecord] = []
        for seated in change.promotions {
            let record = try await writeStatus(tx, seated, promoted: true, at: now)
            try await AuditEntry.record(
                tx, actor: .waitlist, action: "open_day.registration_promote", subjectType: "open_day_registration",
                subjectID: String(seated.id),
                after: AuditedRegistration(record, waitlistPosition: nil, seatsFreedBy: freedBy), at: now)
            let notice = OpenDayNotices.promoted(
                openDay.openDay, partySize: record.partySize, code: record.email == nil ? nil : try record.confirmationCode())
            try await enqueue(tx, notice, to: record, at: now)
            promoted.append(record)
        }
        return (party, promoted)
    }

    private static func writeStatus(_ tx: PostgresTransaction, _ party: RosterParty, promoted: Bool, at now: Date) async throws
        -> OpenDayRegistrationRecord
    {
        guard
            var record = try await tx.record(
                OpenDayRegistrationRecord.self, "SELECT * FROM open_day_registration WHERE id = \(party.id)")
        else {
            throw StoreError.notFound(kind: "registration", key: String(party.id))
        }
        record.status = party.status
        switch party.status {
        case .cancelled: record.cancelledAt = now
        case .checkedIn: record.checkedInAt = now
        case .registered: if promoted { record.promotedAt = now }
        case .waitlisted: break
        }
        try await tx.update("open_day_registration", record, id: party.id)
        return record
    }

    /// One notice to one registration's visitor, in the outbox (the same
    /// message `GRDBNotificationsStore.enqueue` writes); without an e-mail
    /// address the notifier only logs it.
    static func enqueue(_ tx: PostgresTransaction, _ notice: OpenDayNotice, to registration: OpenDayRegistrationRecord, at now: Date)
        async throws
    {
        let message = OutboxMessage(
            id: nil, kind: notice.kind.rawValue, recipient: registration.email, subject: notice.subject, body: notice.body,
            subjectType: "open_day_registration", subjectId: String(registration.id!), createdAt: now, attempts: 0, nextAttemptAt: now,
            sentAt: nil, abandonedAt: nil, lastError: nil)
        try await tx.insert(into: "outbox_message", message)
    }
}
