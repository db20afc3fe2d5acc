import Foundation
import Testing
import WenzhengCore

/// Parties named by a letter: id 1 is A, and so on; each has its own
/// phone and a code derived from its id.
private func code(_ id: Int64) -> ConfirmationCode {
    var generator = XorShiftGenerator(seed: UInt64(id))
    return ConfirmationCode.generate(using: &generator)
}

private func phone(_ id: Int64) -> MobileNumber { MobileNumber("1390000\(String(format: "%04d", id))")! }

/// A roster built by registering parties of `sizes` in order.
private func roster(capacity: Int, sizes: [Int]) throws -> OpenDayRoster {
    var roster = OpenDayRoster(capacity: capacity, parties: [])
    for (index, size) in sizes.enumerated() {
        let id = Int64(index + 1)
        roster = try roster.registering(id: id, code: code(id), phone: phone(id), size: size).roster
    }
    return roster
}

private func statuses(_ roster: OpenDayRoster) -> [RegistrationStatus] { roster.parties.map(\.status) }

@Suite("Open-day seats and the waitlist")
struct OpenDayRosterTests {
    @Test("parties are seated until the seats run out, then waitlisted in arrival order")
    func fillsThenWaitlists() throws {
        let roster = try roster(capacity: 5, sizes: [2, 2, 2, 3])
        #expect(statuses(roster) == [.registered, .registered, .waitlisted, .waitlisted])
        #expect(roster.seatsTaken == 4 && roster.seatsFree == 1)
        #expect(roster.waitlist.map(\.id) == [3, 4])
        #expect(roster.waitlistPosition(of: 4) == 2 && roster.waitlistPosition(of: 1) == nil)
        #expect(roster.isFilled)
    }

    @Test("a newcomer that fits the free seats is seated though a larger party waits: skipped, not blocked")
    func newcomerFits() throws {
        let before = try roster(capacity: 5, sizes: [2, 2, 2])
        #expect(before.placement(forPartyOfSize: 1) == .registered)
        #expect(before.placement(forPartyOfSize: 2) == .waitlisted)
        let change = try before.registering(id: 4, code: code(4), phone: phone(4), size: 1)
        #expect(change.party?.status == .registered)
        #expect(change.promotions.isEmpty)
        #expect(change.roster.seatsFree == 0)
        #expect(change.roster.waitlist.map(\.id) == [3])
    }

    @Test("a cancellation seats the earliest waitlisted party that fits; a larger earlier one keeps its place")
    func promotion() throws {
        // Capacity 4: A(2) B(2) seated; C(3) D(1) E(2) waiting.
        let start = try roster(capacity: 4, sizes: [2, 2, 3, 1, 2])
        #expect(statuses(start) == [.registered, .registered, .waitlisted, .waitlisted, .waitlisted])

        // A cancels: 2 seats free. C(3) does not fit and is skipped; D(1)
        // fits; then 1 seat is left and E(2) does not fit.
        let first = try start.cancelling(code: code(1))
        #expect(first.party?.status == .cancelled)
        #expect(first.promotions.map(\.id) == [4])
        #expect(first.changedParties.map(\.id) == [1, 4])
        #expect(first.roster.waitlist.map(\.id) == [3, 5])
        #expect(first.roster.waitlistPosition(of: 3) == 1)
        #expect(first.roster.seatsFree == 1)

        // B cancels: 3 seats free. C, skipped before, is first in line and fits.
        let second = try first.roster.cancelling(id: 2)
        #expect(second.promotions.map(\.id) == [3])
        #expect(second.roster.waitlist.map(\.id) == [5])
        #expect(second.roster.seatsFree == 0)
        #expect(second.roster.isFilled)
    }

    @Test("one cancellation can seat several small parties, in arrival order")
    func severalPromotions() throws {
        let start = try roster(capacity: 3, sizes: [3, 1, 3, 1, 1])
        let change = try start.cancelling(id: 1)
        #expect(change.promotions.map(\.id) == [2, 4, 5])
        #expect(change.roster.waitlist.map(\.id) == [3])
    }

    @Test("cancelling a waitlisted party frees no seat and promotes nobody; those behind move up")
    func cancelWaitlisted() throws {
        let start = try roster(capacity: 2, sizes: [2, 1, 1])
        let change = try start.cancelling(id: 2)
        #expect(change.promotions.isEmpty)
        #expect(change.roster.seatsTaken == 2)
        #expect(change.roster.waitlistPosition(of: 3) == 1)
    }

    @Test("a double cancel, a checked-in party and an unknown code are refused")
    func refusedCancels() throws {
        let start = try roster(capacity: 2, sizes: [1, 1])
        let once = try start.cancelling(id: 1).roster
        #expect(throws: OpenDayConflict.alreadyCancelled) { try once.cancelling(id: 1) }
        #expect(throws: OpenDayConflict.alreadyCancelled) { try once.cancelling(code: code(1)) }
        let checkedIn = try once.checkingIn(code: code(2)).roster
        #expect(throws: OpenDayConflict.alreadyCheckedIn) { try checkedIn.cancelling(id: 2) }
        #expect(throws: OpenDayConflict.unknownCode) { try checkedIn.cancelling(code: code(77)) }
        #expect(throws: OpenDayConflict.unknownCode) { try checkedIn.cancelling(id: 77) }
    }

    @Test("the same phone twice keeps the first registration; after a cancellation it may register again")
    func samePhone() throws {
        let start = try roster(capacity: 5, sizes: [2])
        let error = #expect(throws: OpenDayConflict.self) { try start.registering(id: 2, code: code(2), phone: phone(1), size: 1) }
        #expect(error == .phoneAlreadyRegistered)
        // The refusal does not carry the first registration's code.
        #expect(error?.description.contains(code(1).description) == false)
        #expect(start.liveParty(withPhone: MobileNumber("+86 139-0000-0001")!)?.id == 1)
        let cancelled = try start.cancelling(id: 1).roster
        let again = try cancelled.registering(id: 2, code: code(2), phone: phone(1), size: 3)
        #expect(again.party?.status == .registered)
    }

    @Test("a party larger than the whole capacity is refused, never waitlisted")
    func tooLarge() throws {
        let start = try roster(capacity: 2, sizes: [])
        #expect(throws: OpenDayConflict.partyLargerThanCapacity(partySize: 3, capacity: 2)) {
            try start.registering(id: 1, code: code(1), phone: phone(1), size: 3)
        }
        #expect(throws: OpenDayConflict.self) { try start.registering(id: 1, code: code(1), phone: phone(1), size: 0) }
    }

    @Test("check-in: seated parties only, once")
    func checkIn() throws {
        let start = try roster(capacity: 2, sizes: [2, 1, 1])
        let change = try start.checkingIn(code: code(1))
        #expect(change.party?.status == .checkedIn)
        #expect(change.roster.seatsTaken == 2)
        #expect(throws: OpenDayConflict.alreadyCheckedIn) { try change.roster.checkingIn(code: code(1)) }
        let waiting = #expect(throws: OpenDayConflict.self) { try change.roster.checkingIn(code: code(3)) }
        #expect(waiting == .stillWaitlisted(position: 2))
        #expect(waiting?.description.contains("number 2") == true)
        let cancelled = try change.roster.cancelling(id: 2).roster
        #expect(throws: OpenDayConflict.alreadyCancelled) { try cancelled.checkingIn(code: code(2)) }
        #expect(throws: OpenDayConflict.unknownCode) { try cancelled.checkingIn(code: code(9)) }
    }

    @Test("capacity: raising it seats the waitlist by the same rule; 0, negative or below the seats taken is refused")
    func capacityChanges() throws {
        let start = try roster(capacity: 3, sizes: [3, 2, 1, 1])
        #expect(statuses(start) == [.registered, .waitlisted, .waitlisted, .waitlisted])
        let raised = try start.changingCapacity(to: 5)
        #expect(raised.promotions.map(\.id) == [2])
        let more = try raised.roster.changingCapacity(to: 6)
        #expect(more.promotions.map(\.id) == [3])
        for bad in [0, -3] {
            let error = #expect(throws: OpenDayConflict.self) { try start.changingCapacity(to: bad) }
            #expect(error?.code == "invalid")
        }
        #expect(throws: OpenDayConflict.capacityBelowSeatsTaken(capacity: 2, seatsTaken: 3)) { try start.changingCapacity(to: 2) }
    }

    @Test("a roster loaded with free seats and a waitlist is filled by the rule")
    func filledFromStore() throws {
        let parties = try roster(capacity: 2, sizes: [2, 2, 1]).parties
        let loaded = OpenDayRoster(capacity: 5, parties: parties)
        #expect(!loaded.isFilled)
        let change = loaded.filled()
        #expect(change.promotions.map(\.id) == [2, 3])
        #expect(change.party == nil)
    }

    @Test("counts: registered, waitlisted, checked in; no-shows only once the day is over")
    func counts() throws {
        var current = try roster(capacity: 5, sizes: [2, 3, 1, 2])
        current = try current.checkingIn(code: code(1)).roster
        current = try current.cancelling(id: 3).roster
        let before = current.counts(ended: false)
        #expect(before.registered == Headcount(parties: 2, people: 5))
        #expect(before.checkedIn == Headcount(parties: 1, people: 2))
        #expect(before.waitlisted == Headcount(parties: 1, people: 2))
        #expect(before.cancelled == Headcount(parties: 1, people: 1))
        #expect(before.noShow == nil)
        #expect(before.seatsTaken == 5 && before.seatsFree == 0 && before.capacity == 5)
        #expect(current.counts(ended: true).noShow == Headcount(parties: 1, people: 3))
    }

    @Test("random registrations, cancellations and check-ins keep the roster filled and within capacity")
    func randomOperations() throws {
        var generator = XorShiftGenerator(seed: 2027)
        for _ in 0..<200 {
            let capacity = Int.random(in: 1...12, using: &generator)
            var current = OpenDayRoster(capacity: capacity, parties: [])
            var nextID: Int64 = 1
            for _ in 0..<40 {
                let before = current
                let change: OpenDayRoster.Change
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<6:
                    let size = Int.random(in: 1...min(3, capacity), using: &generator)
                    change = try current.registering(id: nextID, code: code(nextID), phone: phone(nextID), size: size)
                    nextID += 1
                case 6..<9:
                    guard let party = current.parties.filter({ $0.status == .registered || $0.status == .waitlisted }).randomElement(using: &generator)
                    else { continue }
                    change = try current.cancelling(id: party.id)
                default:
                    guard let party = current.parties.filter({ $0.status == .registered }).randomElement(using: &generator) else { continue }
                    change = try current.checkingIn(code: party.code)
                }
                current = change.roster
                #expect(current.isFilled)
                #expect(current.seatsTaken <= capacity)
                // Promotions come from the waitlist, in arrival order.
                #expect(change.promotions.allSatisfy { promoted in before.parties.first { $0.id == promoted.id }?.status == .waitlisted })
                #expect(change.promotions.map(\.id) == change.promotions.map(\.id).sorted())
                // Nobody loses a seat, and the list keeps its order.
                for (old, new) in zip(before.parties, current.parties) {
                    #expect(old.id == new.id)
                    if old.status.holdsSeats { #expect(new.status.holdsSeats || new.status == .cancelled) }
                }
            }
        }
    }
}
