import Foundation
import GRDB
import WenzhengCore

/// Registrations: each change loads the open day's parties, applies one
/// `OpenDayRoster` function and writes back its `changedParties`, with
/// audit entries and notices, in one transaction (a new registration in its
/// own savepoint of a transaction it may share, `newRegistrations`).
extension GRDBEventsStore {
    func register(openDayID: Int64, _ form: RegistrationForm, actor: AuditActor, at now: Date) async throws -> OpenDayRegistration {
        try await newRegistrations.submit(
            RegistrationSubmission(openDayID: openDayID, form: form, actor: actor, at: now, drawCode: drawCode))
    }

    /// A registration as the group commit queues it.
    struct RegistrationSubmission: Sendable {
        var openDayID: Int64
        var form: RegistrationForm
        var actor: AuditActor
        var at: Date
        var drawCode: @Sendable (Set<ConfirmationCode>) -> ConfirmationCode
    }

    /// One registration inside the group commit's transaction, in its own
    /// savepoint: the open day and its roster are read as the registrations
    /// before it in the same transaction left them.
    static func storeRegistration(_ db: Database, _ submission: RegistrationSubmission) throws -> OpenDayRegistration {
        let openDayID = submission.openDayID
        let now = submission.at
        let openDay = try Self.existingOpenDay(db, id: openDayID)
        try Self.rule { try openDay.openDay.checkRegistrationOpen(at: now) }
        let registrant: Registrant
        do {
            registrant = try submission.form.validated(capacity: openDay.capacity)
        } catch {
            // `validated` throws only `ValidationFailure` (typed).
            throw StoreError.invalid(error)
        }
        let roster = try Self.roster(db, openDay)
        // Core's rule, before the row exists: the unique index on live
        // phones is only the schema's backstop.
        guard roster.liveParty(withPhone: registrant.phone) == nil else { throw OpenDayConflict.phoneAlreadyRegistered }
        let code = submission.drawCode(Set(roster.parties.map(\.code)))
        // In as waitlisted for its id (the arrival order), then placed
        // by the seat rule.
        var record = OpenDayRegistrationRecord(
            id: nil, openDayId: openDayID, code: code.canonicalText, name: registrant.name, phone: registrant.phone.canonicalText,
            email: registrant.email, partySize: registrant.partySize, status: .waitlisted, registeredAt: now, promotedAt: nil,
            cancelledAt: nil, checkedInAt: nil)
        try record.insert(db)
        let change = try Self.rule {
            try roster.registering(id: record.id!, code: code, phone: registrant.phone, size: registrant.partySize)
        }
        let written = try Self.write(db, change, openDay: openDay, at: now)
        record = written.party ?? record
        let position = change.roster.waitlistPosition(of: record.id!)
        try AuditEntry.record(
            db, actor: submission.actor, action: "open_day.register", subjectType: "open_day_registration", subjectID: String(record.id!),
            after: AuditedRegistration(record, waitlistPosition: position), at: now)
        return try Self.registration(record, in: change.roster)
    }

    func registration(openDayID: Int64, code: ConfirmationCode) async throws -> OpenDayRegistration {
        try await reader.read { db in
            let openDay = try Self.existingOpenDay(db, id: openDayID)
            let registrations = try Self.registrations(db, openDayID: openDayID)
            guard let record = registrations.first(where: { $0.code == code.canonicalText }) else { throw OpenDayConflict.unknownCode }
            return try Self.registration(record, in: try Self.roster(openDay, registrations))
        }
    }

    func cancelRegistration(openDayID: Int64, code: ConfirmationCode, actor: AuditActor, at now: Date) async throws
        -> RegistrationCancellation
    {
        try await writer.write { db in
            let openDay = try Self.existingOpenDay(db, id: openDayID)
            try Self.rule { try openDay.openDay.checkRegistrationCancellable(at: now) }
            let roster = try Self.roster(db, openDay)
            let before = roster.party(withCode: code)
            let change = try Self.rule { try roster.cancelling(code: code) }
            let written = try Self.write(db, change, openDay: openDay, at: now)
            guard let cancelled = written.party else { throw OpenDayConflict.unknownCode }
            try AuditEntry.record(
                db, actor: actor, action: "open_day.registration_cancel", subjectType: "open_day_registration",
                subjectID: String(cancelled.id!),
                before: ["status": before?.status.rawValue], after: AuditedRegistration(cancelled, waitlistPosition: nil), at: now)
            return RegistrationCancellation(
                registration: try Self.registration(cancelled, in: change.roster),
                promoted: try written.promoted.map { try Self.registration($0, in: change.roster) })
        }
    }

    func checkIn(openDayID: Int64, code: ConfirmationCode, actor: AuditActor, at now: Date) async throws -> OpenDayRegistration {
        try await writer.write { db in
            let openDay = try Self.existingOpenDay(db, id: openDayID)
            try Self.rule { try openDay.openDay.checkCheckInOpen(at: now) }
            let roster = try Self.roster(db, openDay)
            let change = try Self.rule { try roster.checkingIn(code: code) }
            let written = try Self.write(db, change, openDay: openDay, at: now)
            guard let checkedIn = written.party else { throw OpenDayConflict.unknownCode }
            try AuditEntry.record(
                db, actor: actor, action: "open_day.check_in", subjectType: "open_day_registration", subjectID: String(checkedIn.id!),
                after: AuditedRegistration(checkedIn, waitlistPosition: nil), at: now)
            return try Self.registration(checkedIn, in: change.roster)
        }
    }

    func attendees(openDayID: Int64) async throws -> [OpenDayRegistration] {
        try await reader.read { db in
            let openDay = try Self.existingOpenDay(db, id: openDayID)
            let registrations = try Self.registrations(db, openDayID: openDayID)
            let roster = try Self.roster(openDay, registrations)
            return try registrations.map { try Self.registration($0, in: roster) }
        }
    }
}
