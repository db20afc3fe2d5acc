import Foundation

/// One registration as the seat rules see it.
public struct RosterParty: Sendable, Codable, Equatable, Identifiable {
    /// The store's id; parties arrive in increasing id order.
    public var id: Int64
    public var code: ConfirmationCode
    public var phone: MobileNumber
    /// People in the party, 1…3; each takes a seat.
    public var size: Int
    public var status: RegistrationStatus

    public init(id: Int64, code: ConfirmationCode, phone: MobileNumber, size: Int, status: RegistrationStatus) {
        self.id = id
        self.code = code
        self.phone = phone
        self.size = size
        self.status = status
    }
}

/// The seats of one open day and who holds or waits for them: pure
/// functions from a roster to the next roster, so the store loads the
/// event's registrations, calls one function and writes back the parties
/// in the returned change, all in one transaction.
///
/// ## The seat rule
///
/// Seats are filled by **walking the waitlist in arrival order and seating
/// every party that fits in the seats free at that moment**. Equivalently:
/// repeatedly take the earliest waitlisted party whose size fits the seats
/// now free, until none fits.
///
/// - A larger party earlier on the list that does not fit is **skipped,
///   not blocking**: a party of 1 behind a party of 3 gets the single seat
///   freed.
/// - A skipped party **keeps its place**: it stays ahead of everyone who
///   arrived after it, and is the first to be seated when enough seats are
///   free.
/// - A new registration joins the end of the list and the same walk runs,
///   so it is seated at once exactly when it fits in the free seats (no
///   waitlisted party fits them, or it would have been seated already).
/// - The walk runs after every change that frees seats: a cancellation of
///   a seated party, and a raised capacity.
///
/// After every function here the roster is *filled*: no waitlisted party
/// fits in the free seats (`isFilled`).
public struct OpenDayRoster: Sendable, Equatable {
    public private(set) var capacity: Int
    /// In arrival order.
    public private(set) var parties: [RosterParty]

    /// A roster as the store holds it: `parties` in arrival order (by id).
    /// It is taken as it is, not re-filled: call `filled()` to apply the
    /// seat rule to a roster written by something else.
    public init(capacity: Int, parties: [RosterParty]) {
        self.capacity = capacity
        self.parties = parties
    }

    /// What one function changed.
    public struct Change: Sendable, Equatable {
        /// The roster afterwards.
        public var roster: OpenDayRoster
        /// The party acted on (registered, cancelled, checked in), as it is now.
        public var party: RosterParty?
        /// Parties moved from the waitlist to a seat, in the order seated.
        /// Each is logged and notified.
        public var promotions: [RosterParty]

        /// Every party whose status changed: the rows to write.
        public var changedParties: [RosterParty] { (party.map { [$0] } ?? []) + promotions }
    }

    // MARK: Seats

    public var seatsTaken: Int { parties.filter(\.status.holdsSeats).reduce(0) { $0 + $1.size } }

    /// Never negative, even for a roster whose capacity was lowered
    /// outside these rules.
    public var seatsFree: Int { max(0, capacity - seatsTaken) }

    /// Waitlisted parties in arrival order.
    public var waitlist: [RosterParty] { parties.filter { $0.status == .waitlisted } }

    /// 1 for the first party on the waitlist; nil when not waitlisted.
    public func waitlistPosition(of id: Int64) -> Int? {
        waitlist.firstIndex { $0.id == id }.map { $0 + 1 }
    }

    /// No waitlisted party fits in the free seats.
    public var isFilled: Bool {
        let free = seatsFree
        return !parties.contains { $0.status == .waitlisted && $0.size <= free }
    }

    /// What a new party of `size` would get now.
    public func placement(forPartyOfSize size: Int) -> RegistrationStatus {
        // After the walk, a newcomer at the end is seated iff it fits.
        size <= filled().roster.seatsFree ? .registered : .waitlisted
    }

    public func party(withCode code: ConfirmationCode) -> RosterParty? {
        parties.first { $0.code == code }
    }

    /// The live registration of `phone`, if any.
    public func liveParty(withPhone phone: MobileNumber) -> RosterParty? {
        parties.first { $0.phone == phone && $0.status.isLive }
    }

    // MARK: Changes

    /// The seat rule applied: the roster after seating every waitlisted
    /// party that fits, in arrival order.
    public func filled() -> Change {
        var roster = self
        let promotions = roster.seatWaitlistedParties()
        return Change(roster: roster, party: nil, promotions: promotions)
    }

    /// A new registration, at the end of the list. Refused when the phone
    /// already has a live registration for this open day (the first one is
    /// kept unchanged), when the code is already used, or when the party is
    /// larger than the whole capacity.
    public func registering(
        id: Int64, code: ConfirmationCode, phone: MobileNumber, size: Int
    ) throws(OpenDayConflict) -> Change {
        guard liveParty(withPhone: phone) == nil else { throw .phoneAlreadyRegistered }
        guard size <= capacity else { throw .partyLargerThanCapacity(partySize: size, capacity: capacity) }
        guard OpenDayRules.partySizeRange.contains(size) else {
            throw .invalid(ValidationFailure([.invalid("partySize", "partySize must be 1 to 3 people")]))
        }
        precondition(party(withCode: code) == nil && !parties.contains { $0.id == id }, "a code and an id are used once per open day")
        var roster = self
        roster.parties.append(RosterParty(id: id, code: code, phone: phone, size: size, status: .waitlisted))
        var promotions = roster.seatWaitlistedParties()
        // The newcomer is reported as the party, not as a promotion.
        promotions.removeAll { $0.id == id }
        return Change(roster: roster, party: roster.parties.last, promotions: promotions)
    }

    /// The registration with `code` cancelled (by the visitor). Seats it
    /// held go to the waitlist by the seat rule.
    public func cancelling(code: ConfirmationCode) throws(OpenDayConflict) -> Change {
        guard let party = party(withCode: code) else { throw .unknownCode }
        return try cancelling(id: party.id)
    }

    /// The registration `id` cancelled (by staff, or by the visitor's code).
    /// A checked-in party cannot be cancelled: it came.
    public func cancelling(id: Int64) throws(OpenDayConflict) -> Change {
        guard let index = parties.firstIndex(where: { $0.id == id }) else { throw .unknownCode }
        switch parties[index].status {
        case .cancelled: throw .alreadyCancelled
        case .checkedIn: throw .alreadyCheckedIn
        case .registered, .waitlisted: break
        }
        var roster = self
        roster.parties[index].status = .cancelled
        let promotions = roster.seatWaitlistedParties()
        return Change(roster: roster, party: roster.parties[index], promotions: promotions)
    }

    /// The party with `code` let in at the door. Only a seated party can
    /// be; the caller checks the time (`OpenDay.checkCheckInOpen`).
    public func checkingIn(code: ConfirmationCode) throws(OpenDayConflict) -> Change {
        guard let index = parties.firstIndex(where: { $0.code == code }) else { throw .unknownCode }
        switch parties[index].status {
        case .cancelled: throw .alreadyCancelled
        case .checkedIn: throw .alreadyCheckedIn
        case .waitlisted: throw .stillWaitlisted(position: waitlistPosition(of: parties[index].id) ?? 0)
        case .registered: break
        }
        var roster = self
        roster.parties[index].status = .checkedIn
        return Change(roster: roster, party: roster.parties[index], promotions: [])
    }

    /// A new capacity. Raising it seats waitlisted parties by the seat
    /// rule; lowering it below the seats already given is refused.
    public func changingCapacity(to newCapacity: Int) throws(OpenDayConflict) -> Change {
        var errors: [FieldError] = []
        OpenDayRules.checkCapacity(newCapacity, into: &errors)
        if !errors.isEmpty { throw .invalid(ValidationFailure(errors)) }
        guard newCapacity >= seatsTaken else { throw .capacityBelowSeatsTaken(capacity: newCapacity, seatsTaken: seatsTaken) }
        var roster = self
        roster.capacity = newCapacity
        let promotions = roster.seatWaitlistedParties()
        return Change(roster: roster, party: nil, promotions: promotions)
    }

    /// The walk of the seat rule. One pass is enough: the free seats only
    /// shrink during it, so a party skipped earlier in the pass would not
    /// fit later in it either.
    private mutating func seatWaitlistedParties() -> [RosterParty] {
        var free = seatsFree
        var promoted: [RosterParty] = []
        for index in parties.indices where parties[index].status == .waitlisted && parties[index].size <= free {
            parties[index].status = .registered
            free -= parties[index].size
            promoted.append(parties[index])
        }
        return promoted
    }

    // MARK: Counts

    /// The counts staff see. No-shows are only known once the open day is
    /// over (`ended`: its end has passed or it is marked held).
    public func counts(ended: Bool) -> RosterCounts {
        func headcount(_ include: (RosterParty) -> Bool) -> Headcount {
            let matching = parties.filter(include)
            return Headcount(parties: matching.count, people: matching.reduce(0) { $0 + $1.size })
        }
        return RosterCounts(
            capacity: capacity, seatsTaken: seatsTaken, seatsFree: seatsFree,
            registered: headcount { $0.status.holdsSeats },
            waitlisted: headcount { $0.status == .waitlisted },
            checkedIn: headcount { $0.status == .checkedIn },
            noShow: ended ? headcount { $0.status == .registered } : nil,
            cancelled: headcount { $0.status == .cancelled })
    }
}

/// Parties and the people in them.
public struct Headcount: Sendable, Codable, Equatable {
    public var parties: Int
    public var people: Int

    public init(parties: Int, people: Int) {
        self.parties = parties
        self.people = people
    }
}

/// Staff's view of an open day's registrations.
public struct RosterCounts: Sendable, Codable, Equatable {
    public var capacity: Int
    public var seatsTaken: Int
    public var seatsFree: Int
    /// Holding seats: registered, checked in or not.
    public var registered: Headcount
    public var waitlisted: Headcount
    public var checkedIn: Headcount
    /// Seated but never checked in; nil until the open day is over.
    public var noShow: Headcount?
    public var cancelled: Headcount
}
