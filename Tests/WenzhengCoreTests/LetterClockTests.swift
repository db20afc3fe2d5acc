import Foundation
import Testing
import WenzhengCore

@Suite("Letter reply clock")
struct LetterClockTests {
    let weekdays = WeekdayCalendar()
    func day(_ text: String) -> CivilDate { CivilDate(text)! }

    @Test func plainDeadlineCountsFromTheDayAfterReceipt() {
        // Monday + 5 working days = next Monday.
        let deadline = LetterClock.deadline(receivedOn: day("2026-11-30"), workingDays: 5, events: [], calendar: weekdays)
        #expect(deadline.dueOn == day("2026-12-07"))
        #expect(!deadline.paused && !deadline.provisional)
    }

    @Test func anExtensionAddsItsWorkingDays() {
        let events = [ClockEvent(kind: .extended, on: day("2026-12-10"), workingDays: 20)]
        let deadline = LetterClock.deadline(receivedOn: day("2026-11-30"), workingDays: 20, events: events, calendar: weekdays)
        // 40 working days after Monday 2026-11-30.
        #expect(deadline.dueOn == weekdays.adding(workingDays: 40, to: day("2026-11-30")))
    }

    @Test func consultingAThirdPartyPausesTheClock() {
        // Received Mon 11-30 (20 WD). Paused Fri 12-04 after 4 working days
        // (12-01…12-04); resumed Fri 12-18: 16 remain from there.
        let paused = [ClockEvent(kind: .paused, on: day("2026-12-04"))]
        let whilePaused = LetterClock.deadline(receivedOn: day("2026-11-30"), workingDays: 20, events: paused, calendar: weekdays)
        #expect(whilePaused.paused)
        #expect(whilePaused.dueOn == nil)
        #expect(whilePaused.remainingWhilePaused == 16)
        let resumed = paused + [ClockEvent(kind: .resumed, on: day("2026-12-18"))]
        let deadline = LetterClock.deadline(receivedOn: day("2026-11-30"), workingDays: 20, events: resumed, calendar: weekdays)
        #expect(deadline.dueOn == weekdays.adding(workingDays: 16, to: day("2026-12-18")))
    }

    @Test func aCorrectedRequestRestartsTheClock() {
        let events = [ClockEvent(kind: .restarted, on: day("2026-12-09"))]
        let deadline = LetterClock.deadline(receivedOn: day("2026-11-30"), workingDays: 20, events: events, calendar: weekdays)
        #expect(deadline.dueOn == weekdays.adding(workingDays: 20, to: day("2026-12-09")))
    }

    @Test func aFollowUpReopensWithAFreshPeriod() {
        let events = [ClockEvent(kind: .reopened, on: day("2027-01-11"))]
        let deadline = LetterClock.deadline(
            receivedOn: day("2026-11-30"), workingDays: 15, events: events, calendar: weekdays,
            isProvisional: { $0.year == 2027 })
        #expect(deadline.dueOn == weekdays.adding(workingDays: 15, to: day("2027-01-11")))
        #expect(deadline.provisional)
    }

    @Test func pausesAndResumesOutOfOrderAreIgnored() {
        let events = [ClockEvent(kind: .resumed, on: day("2026-12-01")), ClockEvent(kind: .extended, on: day("2026-12-01"), workingDays: -5)]
        let deadline = LetterClock.deadline(receivedOn: day("2026-11-30"), workingDays: 5, events: events, calendar: weekdays)
        #expect(deadline.dueOn == day("2026-12-07"))
    }
}
