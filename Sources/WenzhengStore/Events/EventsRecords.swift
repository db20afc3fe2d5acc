import Foundation
import GRDB
import WenzhengCore

// MARK: Records (one per table)

struct OpenDayRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var title: String
    var programme: String
    var location: String
    var startsAt: Date
    var durationMinutes: Int
    var capacity: Int
    var registrationOpensAt: Date
    var registrationClosesAt: Date
    var state: OpenDayState
    var revision: Int
    var cancellationReason: String?
    var createdAt: Date
    var updatedAt: Date
    var cancelledAt: Date?
    var heldAt: Date?

    static let databaseTableName = "open_day"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let startsAt = Column("starts_at")
    }

    init(_ openDay: OpenDay, at now: Date) {
        id = nil
        title = openDay.title
        programme = openDay.programme
        location = openDay.location
        startsAt = openDay.start
        durationMinutes = openDay.durationMinutes
        capacity = openDay.capacity
        registrationOpensAt = openDay.registrationOpens
        registrationClosesAt = openDay.registrationCloses
        state = openDay.state
        revision = openDay.revision
        cancellationReason = openDay.cancellationReason
        createdAt = now
        updatedAt = now
    }

    /// The part the rules look at.
    var openDay: OpenDay {
        OpenDay(
            title: title, programme: programme, location: location, start: startsAt, durationMinutes: durationMinutes,
            capacity: capacity, registrationOpens: registrationOpensAt, registrationCloses: registrationClosesAt, state: state,
            revision: revision, cancellationReason: cancellationReason)
    }

    /// Takes what a rule changed; stamps the time of a cancellation or of
    /// being held.
    mutating func apply(_ changed: OpenDay, at now: Date) {
        title = changed.title
        programme = changed.programme
        location = changed.location
        startsAt = changed.start
        durationMinutes = changed.durationMinutes
        capacity = changed.capacity
        registrationOpensAt = changed.registrationOpens
        registrationClosesAt = changed.registrationCloses
        if changed.state != state {
            if changed.state == .cancelled { cancelledAt = now }
            if changed.state == .held { heldAt = now }
        }
        state = changed.state
        revision = changed.revision
        cancellationReason = changed.cancellationReason
        updatedAt = now
    }
}

struct OpenDayRegistrationRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var openDayId: Int64
    /// `ConfirmationCode.canonicalText`.
    var code: String
    var name: String
    /// `MobileNumber.canonicalText`.
    var phone: String
    var email: String?
    var partySize: Int
    var status: RegistrationStatus
    var registeredAt: Date
    var promotedAt: Date?
    var cancelledAt: Date?
    var checkedInAt: Date?

    static let databaseTableName = "open_day_registration"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let openDayID = Column("open_day_id")
        static let code = Column("code")
    }

    /// As the seat rules see it. A stored code or phone that is not one
    /// (written by something other than this store) is an error, not a
    /// guess.
    func party() throws -> RosterParty {
        RosterParty(id: id!, code: try confirmationCode(), phone: try mobileNumber(), size: partySize, status: status)
    }

    func confirmationCode() throws -> ConfirmationCode {
        guard let value = ConfirmationCode(code) else { throw StoredValueError(column: "code", id: id) }
        return value
    }

    func mobileNumber() throws -> MobileNumber {
        guard let value = MobileNumber(phone) else { throw StoredValueError(column: "phone", id: id) }
        return value
    }
}

/// A row holds a value its column's type does not accept.
struct StoredValueError: Error, CustomStringConvertible {
    var column: String
    var id: Int64?
    var description: String { "open_day_registration \(id.map(String.init) ?? "?") holds an invalid \(column)" }
}

// MARK: Values the contract returns

/// An open day with its id and its counts, as staff, the public page and
/// the calendar see it.
public struct OpenDayView: Sendable, Equatable, Codable, Identifiable {
    public var id: Int64
    public var openDay: OpenDay
    /// Registered (seats held), waitlisted, checked in, cancelled; no-shows
    /// once the open day is over (`ended`).
    public var counts: RosterCounts
    /// Held, or not cancelled and its end has passed, at the time asked.
    public var ended: Bool
    /// When its page went public: the open day is announced when it is
    /// scheduled (for the plan check).
    public var createdAt: Date
    public var updatedAt: Date
    public var cancelledAt: Date?
    public var heldAt: Date?

    /// Seats not taken: "capacity left" on the public page.
    public var seatsLeft: Int { counts.seatsFree }
}

/// A registration, as its visitor (with the code) and staff see it. The
/// phone is whole: masking (`MobileNumber.masked`) is the view's choice.
public struct OpenDayRegistration: Sendable, Equatable, Codable, Identifiable {
    public var id: Int64
    public var openDayID: Int64
    public var code: ConfirmationCode
    public var name: String
    public var phone: MobileNumber
    public var email: String?
    public var partySize: Int
    public var status: RegistrationStatus
    /// 1 for the first party waiting; nil when not waitlisted.
    public var waitlistPosition: Int?
    public var registeredAt: Date
    /// Seated from the waitlist at this time.
    public var promotedAt: Date?
    public var cancelledAt: Date?
    public var checkedInAt: Date?
}

/// A cancelled registration and the waitlisted parties seated in its place,
/// in the order seated (each logged and notified).
public struct RegistrationCancellation: Sendable, Equatable {
    public var registration: OpenDayRegistration
    public var promoted: [OpenDayRegistration]
}

/// An open day rescheduled or cancelled, and the notices written for its
/// visitors: one per live registration.
public struct OpenDayUpdate: Sendable, Equatable {
    public var openDay: OpenDayView
    public var notices: Int
    /// Of those, notices to visitors who left no e-mail: only logged.
    public var noticesWithoutEmail: Int
}

extension AuditActor {
    /// A visitor on the public site, who has no account. The client
    /// address is the HTTP layer's to give or to leave out.
    public static func visitor(clientAddress: String? = nil) -> AuditActor {
        AuditActor(userID: nil, name: "visitor", clientAddress: clientAddress)
    }

    /// The seat rule, when it seats a waitlisted party.
    static let waitlist = AuditActor(userID: nil, name: "system:waitlist")
}
