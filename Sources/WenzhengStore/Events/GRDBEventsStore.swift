import Foundation
import GRDB
import WenzhengCore

/// `EventsStore` over the shared SQLite connection pool (GRDB).
///
/// Every change is one write transaction; GRDB begins them IMMEDIATE, so
/// two registrations for the last seat (from the server, or the server and
/// the command line on the same file) run one after the other, and the
/// second sees the first's seat taken. Registrations that arrive together
/// share a transaction (`newRegistrations`), each in its own savepoint, in
/// the order they arrived.
struct GRDBEventsStore: EventsStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
    /// Draws a confirmation code not among an open day's codes: by default
    /// from the operating system's secure generator. Tests may replace it.
    var drawCode: @Sendable (Set<ConfirmationCode>) -> ConfirmationCode = Self.secureCode
    /// Concurrent registrations share a transaction (group commit); each
    /// still sees the seats the ones before it took.
    let newRegistrations: GroupCommit<RegistrationSubmission, OpenDayRegistration>

    init(writer: any DatabaseWriter) {
        self.writer = writer
        newRegistrations = GroupCommit(writer: writer) { db, batch in
            try db.eachInSavepoint(batch) { try Self.storeRegistration(db, $0) }
        }
    }

    static func secureCode(avoiding existing: Set<ConfirmationCode>) -> ConfirmationCode {
        var generator = SystemRandomNumberGenerator()
        return ConfirmationCode.generate(avoiding: existing, using: &generator)
    }
}

// MARK: Helpers shared by the extensions

extension GRDBEventsStore {
    /// Runs one of Core's rules; its invalid input becomes
    /// `StoreError.invalid` like every other feature's, and its other
    /// refusals stay `OpenDayConflict`.
    static func rule<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch OpenDayConflict.invalid(let failure) {
            throw StoreError.invalid(failure)
        }
    }

    static func existingOpenDay(_ db: Database, id: Int64) throws -> OpenDayRecord {
        guard let record = try OpenDayRecord.fetchOne(db, key: id) else { throw StoreError.notFound(kind: "open day", key: String(id)) }
        return record
    }

    /// The open day's registrations in arrival order.
    static func registrations(_ db: Database, openDayID: Int64) throws -> [OpenDayRegistrationRecord] {
        try OpenDayRegistrationRecord.filter(OpenDayRegistrationRecord.Columns.openDayID == openDayID).order(Column("id")).fetchAll(db)
    }

    static func roster(_ record: OpenDayRecord, _ registrations: [OpenDayRegistrationRecord]) throws -> OpenDayRoster {
        OpenDayRoster(capacity: record.capacity, parties: try registrations.map { try $0.party() })
    }

    static func roster(_ db: Database, _ record: OpenDayRecord) throws -> OpenDayRoster {
        try roster(record, try registrations(db, openDayID: record.id!))
    }

    static func view(_ db: Database, _ record: OpenDayRecord, at now: Date) throws -> OpenDayView {
        let openDay = record.openDay
        let ended = openDay.state == .held || (openDay.state != .cancelled && now >= openDay.end)
        return OpenDayView(
            id: record.id!, openDay: openDay, counts: try roster(db, record).counts(ended: ended), ended: ended,
            createdAt: record.createdAt, updatedAt: record.updatedAt, cancelledAt: record.cancelledAt, heldAt: record.heldAt)
    }

    static func registration(_ record: OpenDayRegistrationRecord, in roster: OpenDayRoster) throws -> OpenDayRegistration {
        OpenDayRegistration(
            id: record.id!, openDayID: record.openDayId, code: try record.confirmationCode(), name: record.name,
            phone: try record.mobileNumber(), email: record.email, partySize: record.partySize, status: record.status,
            waitlistPosition: roster.waitlistPosition(of: record.id!), registeredAt: record.registeredAt, promotedAt: record.promotedAt,
            cancelledAt: record.cancelledAt, checkedInAt: record.checkedInAt)
    }

    /// Writes what a roster function changed, in the caller's transaction:
    /// the party acted on, then each promotion with its audit entry and its
    /// notice. Returns the rows as written, the party's first.
    static func write(_ db: Database, _ change: OpenDayRoster.Change, openDay: OpenDayRecord, at now: Date) throws -> (
        party: OpenDayRegistrationRecord?, promoted: [OpenDayRegistrationRecord]
    ) {
        let party = try change.party.map { try writeStatus(db, $0, promoted: false, at: now) }
        let freedBy = change.party.flatMap { $0.status == .cancelled ? $0.id : nil }
        var promoted: [OpenDayRegistrationRecord] = []
        for seated in change.promotions {
            let record = try writeStatus(db, seated, promoted: true, at: now)
            try AuditEntry.record(
                db, actor: .waitlist, action: "open_day.registration_promote", subjectType: "open_day_registration",
                subjectID: String(seated.id),
                after: AuditedRegistration(record, waitlistPosition: nil, seatsFreedBy: freedBy), at: now)
            let notice = OpenDayNotices.promoted(
                openDay.openDay, partySize: record.partySize, code: record.email == nil ? nil : try record.confirmationCode())
            try enqueue(db, notice, to: record, at: now)
            promoted.append(record)
        }
        return (party, promoted)
    }

    private static func writeStatus(_ db: Database, _ party: RosterParty, promoted: Bool, at now: Date) throws
        -> OpenDayRegistrationRecord
    {
        guard var record = try OpenDayRegistrationRecord.fetchOne(db, key: party.id) else {
            throw StoreError.notFound(kind: "registration", key: String(party.id))
        }
        record.status = party.status
        switch party.status {
        case .cancelled: record.cancelledAt = now
        case .checkedIn: record.checkedInAt = now
        case .registered: if promoted { record.promotedAt = now }
        case .waitlisted: break
        }
        try record.update(db)
        return record
    }

    /// One notice to one registration's visitor; without an e-mail address
    /// the notifier only logs it.
    static func enqueue(_ db: Database, _ notice: OpenDayNotice, to registration: OpenDayRegistrationRecord, at now: Date) throws {
        try GRDBNotificationsStore.enqueue(
            db,
            OutgoingNotice(
                kind: notice.kind.rawValue, recipient: registration.email, subject: notice.subject, body: notice.body,
                subjectType: "open_day_registration", subjectID: String(registration.id!)),
            at: now)
    }

    /// The first instant of `year` in Beijing time, and of the next.
    static func bounds(ofYear year: Int) -> (from: Date, to: Date) {
        func newYear(_ year: Int) -> Date { OfficeDateTime(date: CivilDate(year: year, month: 1, day: 1), hour: 0, minute: 0).instant() }
        return (newYear(year), newYear(year + 1))
    }
}

/// What the audit log keeps of an open day.
struct AuditedOpenDay: Encodable {
    var title: String
    var start: Date
    var durationMinutes: Int
    var location: String
    var capacity: Int
    var registrationOpens: Date
    var registrationCloses: Date
    var state: String
    var revision: Int
    var cancellationReason: String?

    init(_ openDay: OpenDay) {
        title = openDay.title
        start = openDay.start
        durationMinutes = openDay.durationMinutes
        location = openDay.location
        capacity = openDay.capacity
        registrationOpens = openDay.registrationOpens
        registrationCloses = openDay.registrationCloses
        state = openDay.state.rawValue
        revision = openDay.revision
        cancellationReason = openDay.cancellationReason
    }
}

/// What the audit log keeps of a registration: never the name, phone,
/// e-mail or code (the log is read by more people than the attendee list).
struct AuditedRegistration: Encodable {
    var openDayID: Int64
    var partySize: Int
    var status: String
    var waitlistPosition: Int?
    /// A promotion: the registration whose cancellation freed the seats.
    var seatsFreedBy: Int64?

    init(_ record: OpenDayRegistrationRecord, waitlistPosition: Int?, seatsFreedBy: Int64? = nil) {
        openDayID = record.openDayId
        partySize = record.partySize
        status = record.status.rawValue
        self.waitlistPosition = waitlistPosition
        self.seatsFreedBy = seatsFreedBy
    }
}
