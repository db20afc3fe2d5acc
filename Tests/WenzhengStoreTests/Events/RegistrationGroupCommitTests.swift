import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// Open-day registrations share transactions (`GRDBEventsStore.newRegistrations`,
/// a `GroupCommit`; SQLite only, so these tests stay on SQLite: on
/// PostgreSQL each registration is its own transaction, and
/// `EventsStoreTests`' races cover both backends): each in its own savepoint, in the order they arrived,
/// each seeing the seats and phones of the ones before it.
@Suite("Registrations share transactions")
struct RegistrationGroupCommitTests {
    @Test("registrations that wait share one transaction; seats and phones are decided in arrival order")
    func waitingRegistrationsShareOneTransaction() async throws {
        let hall = try Hall()
        let day = try await hall.schedule(capacity: 3)
        let commit = try #require(hall.events as? GRDBEventsStore).newRegistrations
        let entered = Mutex(false)
        let release = DispatchSemaphore(value: 0)
        hall.db.writer.asyncWriteWithoutTransaction { _ in
            entered.withLock { $0 = true }
            release.wait()
        }
        try await GroupCommitTests.waitUntil { entered.withLock { $0 } }
        let events = hall.events
        func register(_ name: String, phone: Int, size: Int) -> Task<OpenDayRegistration, any Error> {
            Task {
                try await events.register(
                    openDayID: day.id, RegistrationForm(name: name, phone: Hall.phone(phone), partySize: size), actor: .visitor(),
                    at: Hall.now.addingTimeInterval(60))
            }
        }
        let before = commit.statistics.transactions
        let first = register("甲", phone: 1, size: 2)
        try await GroupCommitTests.waitUntil { commit.statistics.transactions == before + 1 }
        var rest: [Task<OpenDayRegistration, any Error>] = []
        for (index, (name, phone, size)) in [("乙", 2, 1), ("丙", 1, 1), ("丁", 3, 2), ("戊", 4, 1)].enumerated() {
            rest.append(register(name, phone: phone, size: size))
            try await GroupCommitTests.waitUntil { commit.waitingCount == index + 1 }
        }
        release.signal()

        #expect(try await first.value.status == .registered)
        #expect(try await rest[0].value.status == .registered, "the last seat")
        let samePhone = await conflict { _ = try await rest[1].value }
        #expect(samePhone == .phoneAlreadyRegistered, "甲's phone, registered in the transaction before")
        let waitlisted = try await rest[2].value
        #expect(waitlisted.status == .waitlisted && waitlisted.waitlistPosition == 1)
        #expect(try await rest[3].value.waitlistPosition == 2)
        #expect(commit.statistics.transactions == before + 2)
        let counts = try await hall.events.openDay(id: day.id, at: Hall.now.addingTimeInterval(120)).counts
        #expect(counts.seatsTaken == 3 && counts.registered.parties == 2 && counts.waitlisted.parties == 2)
        #expect(try await hall.audit("open_day.register").count == 4)
    }
}
