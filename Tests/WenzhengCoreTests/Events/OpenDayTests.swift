import Foundation
import Testing
import WenzhengCore

@Suite("Open days: scheduling, the registration window, changes")
struct OpenDayTests {
    let now = officeTime("2027-03-01T10:00")

    func schedule(
        title: String = "司法行政开放日", location: String = "南京市北京西路28号", start: String = "2027-05-20T09:30", durationMinutes: Int = 150,
        capacity: Int = 50, opens: String? = nil, closes: String? = nil
    ) throws(ValidationFailure) -> OpenDay {
        try OpenDay.scheduled(
            title: title, programme: "参观法律援助中心；座谈", location: location, start: officeTime(start), durationMinutes: durationMinutes,
            capacity: capacity, registrationOpens: opens.map(officeTime), registrationCloses: closes.map(officeTime), now: now)
    }

    func openDay() throws -> OpenDay { try schedule() }

    @Test("scheduled: registration opens now and closes 24 hours before the start")
    func defaults() throws {
        let day = try openDay()
        #expect(day.state == .scheduled && day.revision == 0)
        #expect(day.registrationOpens == now)
        #expect(day.registrationCloses == officeTime("2027-05-19T09:30"))
        #expect(day.end == officeTime("2027-05-20T12:00"))
    }

    @Test("an open day less than a day away closes registration at its start")
    func soon() throws {
        let day = try schedule(start: "2027-03-01T20:00")
        #expect(day.registrationCloses == day.start)
    }

    @Test("capacity 0, negative or absurd is refused with an example", arguments: [0, -1, -50, 2001, Int.min])
    func badCapacity(_ capacity: Int) {
        let failure = #expect(throws: ValidationFailure.self) { try schedule(capacity: capacity) }
        #expect(failure?.errors.map(\.field) == ["capacity"])
        #expect(failure?.errors.first?.message.contains("for example --capacity 50") == true)
    }

    @Test("every bad field at once: blank texts, a past start, a bad length")
    func everything() {
        let failure = #expect(throws: ValidationFailure.self) {
            try schedule(title: " ", location: "", start: "2027-02-01T09:00", durationMinutes: 10, capacity: 0)
        }
        #expect(failure?.errors.map(\.field) == ["title", "location", "start", "duration", "capacity", "registrationCloses"])
        #expect(failure?.errors.first { $0.field == "start" }?.code == "in_the_past")
    }

    @Test("a registration window that closes before it opens, or after the start, is refused")
    func badWindows() {
        #expect(throws: ValidationFailure.self) { try schedule(opens: "2027-04-01T09:00", closes: "2027-04-01T09:00") }
        let failure = #expect(throws: ValidationFailure.self) { try schedule(closes: "2027-05-20T09:31") }
        #expect(failure?.errors.first?.message.contains("by the start") == true)
    }

    @Test("durations as typed: whole minutes only, errors with an example")
    func durations() throws {
        #expect(try OpenDayRules.minutes(fromDurationText: "90m") == 90)
        #expect(try OpenDayRules.minutes(fromDurationText: "2h30m") == 150)
        #expect(try OpenDayRules.minutes(fromDurationText: "120s") == 2)
        for bad in ["90s", "1m30s", "abc", "", "90"] {
            let error = #expect(throws: FieldError.self) { try OpenDayRules.minutes(fromDurationText: bad) }
            #expect(error?.code == "invalid_duration")
            #expect(error?.message.contains("90m") == true)
        }
    }

    @Test("the window: not yet open, open, closed at its end, closed at the start, cancelled")
    func window() throws {
        var day = try openDay()
        day.registrationOpens = officeTime("2027-04-01T09:00")
        #expect(day.registrationWindow(at: officeTime("2027-03-31T23:59")) == .notYetOpen(opensAt: officeTime("2027-04-01T09:00")))
        #expect(day.registrationWindow(at: officeTime("2027-04-01T09:00")) == .open)
        #expect(day.registrationWindow(at: officeTime("2027-05-19T09:29:59")) == .open)
        #expect(day.registrationWindow(at: officeTime("2027-05-19T09:30")) == .closed(at: officeTime("2027-05-19T09:30")))
        let error = #expect(throws: OpenDayConflict.self) { try day.checkRegistrationOpen(at: officeTime("2027-03-02T00:00")) }
        #expect(error?.code == "registration_not_yet_open")
        #expect(error?.description == "registration opens at 2027-04-01T09:00 (Beijing time)")
        let closed = #expect(throws: OpenDayConflict.self) { try day.checkRegistrationOpen(at: officeTime("2027-05-20T08:00")) }
        #expect(closed?.description == "registration closed at 2027-05-19T09:30 (Beijing time)")
        let cancelled = try day.cancelled(reason: "场馆维修")
        let refused = #expect(throws: OpenDayConflict.self) { try cancelled.checkRegistrationOpen(at: officeTime("2027-04-02T09:00")) }
        #expect(refused == .eventCancelled(reason: "场馆维修"))
        #expect(refused?.description == "the open day is cancelled: 场馆维修")
    }

    @Test("rescheduling: a new SEQUENCE, the state, and a window that would close after the new start closes at it")
    func reschedule() throws {
        let day = try openDay()
        let moved = try day.rescheduled(to: officeTime("2027-05-10T14:00"), now: now)
        #expect(moved.state == .rescheduled && moved.revision == 1)
        #expect(moved.start == officeTime("2027-05-10T14:00") && moved.durationMinutes == 150)
        #expect(moved.registrationCloses == officeTime("2027-05-10T14:00"))
        let later = try moved.rescheduled(to: officeTime("2027-06-10T14:00"), durationMinutes: 60, now: now)
        #expect(later.revision == 2 && later.durationMinutes == 60)
        // The window is not stretched back out when the day moves later.
        #expect(later.registrationCloses == officeTime("2027-05-10T14:00"))
    }

    @Test("rescheduling into the past, before registration opens, or with a bad length is refused")
    func badReschedule() throws {
        let day = try openDay()
        let past = #expect(throws: OpenDayConflict.self) { try day.rescheduled(to: officeTime("2027-02-28T09:00"), now: now) }
        #expect(past?.code == "invalid")
        #expect(past?.description.contains("is in the past") == true)
        #expect(throws: OpenDayConflict.self) { try day.rescheduled(to: day.registrationOpens, now: officeTime("2027-02-01T09:00")) }
        #expect(throws: OpenDayConflict.self) { try day.rescheduled(to: officeTime("2027-06-01T09:00"), durationMinutes: 0, now: now) }
    }

    @Test("cancelling needs a reason and raises the SEQUENCE; a cancelled or held day cannot change again")
    func cancelAndHold() throws {
        let day = try openDay()
        let noReason = #expect(throws: OpenDayConflict.self) { try day.cancelled(reason: "  ") }
        #expect(noReason?.code == "invalid")
        let cancelled = try day.cancelled(reason: " 场馆维修 ")
        #expect(cancelled.state == .cancelled && cancelled.revision == 1 && cancelled.cancellationReason == "场馆维修")
        #expect(throws: OpenDayConflict.cannotMove(from: .cancelled, to: .cancelled)) { try cancelled.cancelled(reason: "again") }
        #expect(throws: OpenDayConflict.cannotMove(from: .cancelled, to: .rescheduled)) {
            try cancelled.rescheduled(to: officeTime("2027-06-01T09:00"), now: now)
        }
        #expect(throws: OpenDayConflict.notStartedYet(start: day.start)) { try day.held(now: now) }
        let held = try day.held(now: day.start)
        #expect(held.state == .held)
        #expect(throws: OpenDayConflict.cannotMove(from: .held, to: .cancelled)) { try held.cancelled(reason: "late") }
        #expect(held.registrationWindow(at: day.start) == .closed(at: day.registrationCloses))
    }

    @Test("check-in: from midnight of the day (Beijing time) to the end")
    func checkInWindow() throws {
        let day = try openDay()
        let early = #expect(throws: OpenDayConflict.self) { try day.checkCheckInOpen(at: officeTime("2027-05-19T23:59:59")) }
        #expect(early == .checkInNotYetOpen(opensAt: officeTime("2027-05-20T00:00")))
        try day.checkCheckInOpen(at: officeTime("2027-05-20T00:00"))
        try day.checkCheckInOpen(at: officeTime("2027-05-20T12:00"))
        #expect(throws: OpenDayConflict.checkInClosed(closedAt: day.end)) { try day.checkCheckInOpen(at: officeTime("2027-05-20T12:00:01")) }
        #expect(throws: OpenDayConflict.self) { try day.cancelled(reason: "雨").checkCheckInOpen(at: officeTime("2027-05-20T09:00")) }
    }

    @Test("an open day survives a JSON round trip")
    func codable() throws {
        let day = try openDay().cancelled(reason: "场馆维修")
        #expect(try JSONDecoder().decode(OpenDay.self, from: JSONEncoder().encode(day)) == day)
    }
}
