import Foundation
import PostgresNIO
import WenzhengCore

/// Registrations on PostgreSQL: each change loads the open day's parties,
/// applies one `OpenDayRoster` function and writes back its changed
/// parties, with audit entries and notices, in one transaction.
extension PostgresEventsStore {
    func register(openDayID: Int64, _ form: RegistrationForm, actor: AuditActor, at now: Date) async throws -> OpenDayRegistration {
        let submission = GRDBEventsStore.RegistrationSubmission(openDayID: openDayID, form: form, actor: actor, at: now, drawCode: drawCode)
        return try await backend.write { tx in
            // New registrations take turns, as on SQLite's one writer: each
            // reads the whole roster, so concurrent ones would fail under
            // SERIALIZABLE and be run again, a burst often enough to give
            // up. The lock is taken before the transaction's snapshot
            // (`LOCK TABLE` is the one statement that comes before it), so
            // each sees the seats the one before it took. Readers are not
            // held up.
            try await tx.execute("LOCK TABLE open_day_registration IN SHARE ROW EXCLUSIVE MODE")
            return try await Self.storeRegistration(tx, submission)
        }
    }

    /// `GRDBEventsStore.storeRegistration` in a transaction of its own.
    static func storeRegistration(_ tx: PostgresTransaction, _ submission: GRDBEventsStore.RegistrationSubmission) async throws
        -> OpenDayRegistration
    {
        let openDayID = submission.openDayID
        let now = submission.at
        let openDay = try await Self.existingOpenDay(tx, id: openDayID)
        try GRDBEventsStore.rule { try openDay.openDay.checkRegistrationOpen(at: now) }
        let registrant: Registrant
        do {
            registrant = try submission.form.validated(capacity: openDay.capacity)
        } catch {
            // `validated` throws only `ValidationFailure` (typed).
            throw StoreError.invalid(error)
        }
        let roster = try await Self.roster(tx, openDay)
        // Core's rule, before the row exists: the unique index on live
        // phones is only the schema's backstop.
        guard roster.liveParty(withPhone: registrant.phone) == nil else { throw OpenDayConflict.phoneAlreadyRegistered }
        let code = submission.drawCode(Set(roster.parties.map(\.code)))
        // In as waitlisted for its id (the arrival order), then placed by
        // the seat rule.
        var record = OpenDayRegistrationRecord(
            id: nil, openDayId: openDayID, code: code.canonicalText, name: registrant.name, phone: registrant.phone.canonicalText,
            email: registrant.email, partySize: registrant.partySize, status: .waitlisted, registeredAt: now, promotedAt: nil,
            cancelledAt: nil, checkedInAt: nil)
        record.id = try await tx.insert(into: "open_day_registration", record)
        let id = record.id!
        let change = try GRDBEventsStore.rule {
            try roster.registering(id: id, code: code, phone: registrant.phone, size: registrant.partySize)
        }
        let written = try await Self.write(tx, change, openDay: openDay, at: now)
        record = written.party ?? record
        let position = change.roster.waitlistPosition(of: id)
        try await AuditEntry.record(
            tx, actor: submission.actor, action: "open_day.register", subjectType: "open_day_registration", subjectID: String(id),
            after: AuditedRegistration(record, waitlistPosition: position), at: now)
        return try GRDBEventsStore.registration(record, in: change.roster)
    }

    func registration(openDayID: Int64, code: ConfirmationCode) async throws -> OpenDayRegistration {
        try await backend.read { tx in
            let openDay = try await Self.existingOpenDay(tx, id: openDayID)
            let registrations = try await Self.registrations(tx, openDayID: openDayID)
            guard let record = registrations.first(where: { $0.code == code.canonicalText }) else { throw OpenDayConflict.unknownCode }
            return try GRDBEventsStore.registration(record, in: try GRDBEventsStore.roster(openDay, registrations))
        }
    }

    func cancelRegistration(openDayID: Int64, code: ConfirmationCode, actor: AuditActor, at now: Date) async throws
        -> RegistrationCancellation
    {
        try await backend.write { tx in
            let openDay = try await Self.existingOpenDay(tx, id: openDayID)
            try GRDBEventsStore.rule { try openDay.openDay.checkRegistrationCancellable(at: now) }
            let roster = try await Self.roster(tx, openDay)
            let before = roster.party(withCode: code)
            let change = try GRDBEventsStore.rule { try roster.cancelling(code: code) }
            let written = try await Self.write(tx, change, openDay: openDay, at: now)
            guard let cancelled = written.party else { throw OpenDayConflict.unknownCode }
            try await AuditEntry.record(
                tx, actor: actor, action: "open_day.registration_cancel", subjectType: "open_day_registration",
                subjectID: String(cancelled.id!),
                before: ["status": before?.status.rawValue], after: AuditedRegistration(cancelled, waitlistPosition: nil), at: now)
            return RegistrationCancellation(
                registration: try GRDBEventsStore.registration(cancelled, in: change.roster),
                promoted: try written.promoted.map { try GRDBEventsStore.registration($0, in: change.roster) })
        }
    }

    func checkIn(openDayID: Int64, code: ConfirmationCode, actor: AuditActor, at now: Date) async throws -> OpenDayRegistration {
        try await backend.write { tx in
            let openDay = try await Self.existingOpenDay(tx, id: openDayID)
            try GRDBEventsStore.rule { try openDay.openDay.checkCheckInOpen(at: now) }
            let roster = try await Self.roster(tx, openDay)
            let change = try GRDBEventsStore.rule { try roster.checkingIn(code: code) }
            let written = try await Self.write(tx, change, openDay: openDay, at: now)
            guard let checkedIn = written.party else { throw OpenDayConflict.unknownCode }
            try await AuditEntry.record(
                tx, actor: actor, action: "open_day.check_in", subjectType: "open_day_registration", subjectID: String(checkedIn.id!),
                after: AuditedRegistration(checkedIn, waitlistPosition: nil), at: now)
            return try GRDBEventsStore.registration(checkedIn, in: change.roster)
        }
    }

    func attendees(openDayID: Int64) async throws -> [OpenDayRegistration] {
        try await backend.read { tx in
            let openDay = try await Self.existingOpenDay(tx, id: openDayID)
            let registrations = try await Self.registrations(tx, openDayID: openDayID)
            let roster = try GRDBEventsStore.roster(openDay, registrations)
            return try registrations.map { try GRDBEventsStore.registration($0, in: roster) }
        }
    }
}
