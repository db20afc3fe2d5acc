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
        let paused = [ClockEvent(kind: .paused, on: day("2026-12-04"), reason: .thirdParty)]
        let whilePaused = LetterClock.deadline(receivedOn: day("2026-11-30"), workingDays: 20, events: paused, calendar: weekdays)
        #expect(whilePaused.paused)
        #expect(whilePaused.dueOn == nil)
        #expect(whilePaused.remainingWhilePaused == 16)
        let resumed = paused + [ClockEvent(kind: .resumed, on: day("2026-12-18"))]
        // 12-18 is within the third party's 15 working days (until 12-25).
        let deadline = LetterClock.deadline(receivedOn: day("2026-11-30"), workingDays: 20, events: resumed, calendar: weekdays)
        #expect(deadline.dueOn == weekdays.adding(workingDays: 16, to: day("2026-12-18")))
    }

    @Test func aCorrectedRequestRestartsTheClock() {
        let events = [
            ClockEvent(kind: .paused, on: day("2026-12-01"), reason: .correction), ClockEvent(kind: .restarted, on: day("2026-12-09")),
        ]
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
        let trace = LetterClock.trace(receivedOn: day("2026-11-30"), workingDays: 5, events: events, calendar: weekdays)
        #expect(trace.deadline.dueOn == day("2026-12-07"))
        #expect(trace.ignored == [0, 1])
    }
}

/// The clock's loopholes closed by issue 9 (items 13–17, 21, 22), on the
/// shipped calendar: November 2026 has no holidays.
@Suite("Letter reply clock: compliance rules")
struct LetterClockComplianceTests {
    let calendar = HolidayCalendar.shipped
    func day(_ text: String) -> CivilDate { CivilDate(text)! }
    /// Received Monday 2026-11-02, 20 working days: due Monday 11-30.
    let received = CivilDate("2026-11-02")!

    func trace(_ events: [ClockEvent], workingDays: Int = 20) -> ClockTrace {
        LetterClock.trace(receivedOn: received, workingDays: workingDays, events: events, calendar: calendar)
    }

    func refusal(_ action: ClockAction, on: String, recordedOn: String? = nil, events: [ClockEvent] = [], correctionSent: Bool = false)
        -> ClockRefusal?
    {
        LetterClockRules.refusal(
            action, on: day(on), recordedOn: day(recordedOn ?? on), receivedOn: received, workingDays: 20, events: events,
            correctionSent: correctionSent, calendar: calendar)
    }

    // MARK: 13. An overdue letter stays overdue

    @Test("a pause and resume after the deadline leave the deadline where it was")
    func latePauseDoesNotMoveTheDeadline() {
        let events = [ClockEvent(kind: .paused, on: day("2026-12-02"), reason: .thirdParty), ClockEvent(kind: .resumed, on: day("2026-12-03"))]
        let late = trace(events)
        #expect(late.deadline.dueOn == day("2026-11-30"))
        #expect(!late.deadline.paused)
        #expect(late.ignored == [0, 1])
        #expect(late.stoppages.isEmpty)
        // A pause on the due day itself still counts.
        let onTheDay = trace([ClockEvent(kind: .paused, on: day("2026-11-30"), reason: .thirdParty)])
        #expect(onTheDay.deadline.paused && onTheDay.deadline.remainingWhilePaused == 0)
    }

    @Test("an extension dated after the deadline is ignored")
    func lateExtensionIsIgnored() {
        let late = trace([ClockEvent(kind: .extended, on: day("2026-12-01"), workingDays: 20)])
        #expect(late.deadline.dueOn == day("2026-11-30"))
        #expect(late.ignored == [0])
    }

    @Test("pauses and extensions are refused once the letter is overdue on the day they are recorded")
    func overdueRefusals() {
        #expect(refusal(.pause(.thirdParty), on: "2026-12-01")?.message.contains("2026-11-30") == true)
        #expect(refusal(.extend(workingDays: 5), on: "2026-12-01")?.field == nil)
        #expect(refusal(.extend(workingDays: 5), on: "2026-12-01") != nil)
        #expect(refusal(.pause(.thirdParty), on: "2026-11-30") == nil)
        #expect(refusal(.extend(workingDays: 5), on: "2026-11-30") == nil)
    }

    // MARK: 14. Consultation of third parties and other agencies

    @Test("a consultation tracks the consulted party's 15 working days, and repeated pauses add up")
    func consultations() {
        let first = ClockEvent(kind: .paused, on: day("2026-11-05"), reason: .thirdParty)
        let open = trace([first])
        // 15 working days after Thursday 11-05: Thursday 11-26.
        #expect(open.currentStop?.answerDueOn == day("2026-11-26"))
        #expect(open.currentStop?.reason == .thirdParty)
        #expect(open.consultationLapsed(today: day("2026-11-26")) == nil)
        #expect(open.consultationLapsed(today: day("2026-11-27")) == day("2026-11-26"))

        let events = [
            first, ClockEvent(kind: .resumed, on: day("2026-11-10")),
            ClockEvent(kind: .paused, on: day("2026-11-12"), reason: .otherAgency),
            ClockEvent(kind: .resumed, on: day("2026-11-16")),
        ]
        let twice = trace(events)
        #expect(twice.stoppages.map(\.reason) == [.thirdParty, .otherAgency])
        // 11-06, 11-09, 11-10 and 11-13, 11-16 were not counted.
        #expect(twice.stoppages.map { $0.workingDays(today: self.day("2026-12-01"), calendar: self.calendar) } == [3, 2])
        #expect(twice.stoppedWorkingDays(today: day("2026-12-01"), calendar: calendar) == 5)
        #expect(twice.deadline.dueOn == calendar.adding(workingDays: 25, to: received))
        // Only consultations are pauses; a correction has its own notice.
        #expect(refusal(.pause(.correction), on: "2026-11-05")?.field == "reason")
    }

    @Test("a consultation stops the clock for at most 15 working days")
    func consultationIsCapped() {
        let events = [
            ClockEvent(kind: .paused, on: day("2026-11-05"), reason: .thirdParty),
            ClockEvent(kind: .resumed, on: day("2026-12-10")),
        ]
        let capped = trace(events)
        #expect(capped.stoppages.first?.until == day("2026-11-26"))
        #expect(capped.stoppages.first?.endedByLimit == true)
        // 17 working days were left on 11-05; they count from 11-26.
        #expect(capped.deadline.dueOn == calendar.adding(workingDays: 17, to: day("2026-11-26")))
    }

    // MARK: 15. Correction (art. 30)

    @Test("a corrected request restarts without an earlier extension, and a follow-up without any")
    func freshPeriodsDropExtensions() {
        let corrected = trace([
            ClockEvent(kind: .extended, on: day("2026-11-03"), workingDays: 10),
            ClockEvent(kind: .paused, on: day("2026-11-04"), workingDays: 15, reason: .correction),
            ClockEvent(kind: .restarted, on: day("2026-11-20")),
        ])
        #expect(corrected.deadline.dueOn == calendar.adding(workingDays: 20, to: day("2026-11-20")))
        #expect(!corrected.extendedInPeriod)
        #expect(corrected.periodStart == day("2026-11-20"))

        let reopened = LetterClock.deadline(
            receivedOn: received, workingDays: 15,
            events: [
                ClockEvent(kind: .extended, on: day("2026-11-03"), workingDays: 10),
                ClockEvent(kind: .reopened, on: day("2026-12-14")),
            ], calendar: calendar)
        #expect(reopened.dueOn == calendar.adding(workingDays: 15, to: day("2026-12-14")))
    }

    @Test("the correction period is recorded, and the request counts as abandoned only after it")
    func correctionPeriod() {
        let notice = ClockEvent(kind: .paused, on: day("2026-11-04"), workingDays: 10, reason: .correction)
        let waiting = trace([notice])
        // 10 working days after Wednesday 11-04: Wednesday 11-18.
        #expect(waiting.currentStop?.answerDueOn == day("2026-11-18"))
        // A correction is not a consultation: it has no 15-day cap.
        #expect(waiting.consultationLapsed(today: day("2026-12-31")) == nil)
        #expect(refusal(.deemedWithdrawn, on: "2026-11-18", events: [notice])?.message.contains("2026-11-18") == true)
        #expect(refusal(.deemedWithdrawn, on: "2026-11-19", events: [notice]) == nil)
        #expect(refusal(.deemedWithdrawn, on: "2026-11-19") != nil)
        #expect(refusal(.correctionNotice(workingDays: 4), on: "2026-11-04")?.field == "correctionDays")
        #expect(refusal(.correctionNotice(workingDays: 31), on: "2026-11-04")?.field == "correctionDays")
        #expect(refusal(.correctionNotice(workingDays: 15), on: "2026-11-04") == nil)
        #expect(refusal(.correctionNotice(workingDays: 15), on: "2026-11-04", correctionSent: true) != nil)
        // The 7th working day after receipt is 11-11.
        #expect(refusal(.correctionNotice(workingDays: 15), on: "2026-11-12")?.message.contains("2026-11-11") == true)
        #expect(refusal(.resume, on: "2026-11-05", events: [notice]) != nil)
        #expect(refusal(.correctedRequest, on: "2026-11-05", events: [notice]) == nil)
    }

    // MARK: 16. Backdated events

    @Test("a clock event may carry a date up to 3 working days before its recording")
    func backdating() {
        // Recorded Monday 11-09: Thu 11-05, Fri 11-06 and Mon 11-09 lie
        // after Wednesday 11-04, the earliest date.
        #expect(LetterClockRules.earliestDate(recordedOn: day("2026-11-09"), calendar: calendar) == day("2026-11-04"))
        #expect(refusal(.pause(.thirdParty), on: "2026-11-04", recordedOn: "2026-11-09") == nil)
        #expect(refusal(.pause(.thirdParty), on: "2026-11-03", recordedOn: "2026-11-09")?.field == "on")
        #expect(refusal(.pause(.thirdParty), on: "2026-11-10", recordedOn: "2026-11-09")?.field == "on")
        #expect(refusal(.pause(.thirdParty), on: "2026-10-30", recordedOn: "2026-11-02")?.field == "on")
        // Events stay in order.
        let paused = [ClockEvent(kind: .paused, on: day("2026-11-06"), reason: .thirdParty)]
        #expect(refusal(.resume, on: "2026-11-05", recordedOn: "2026-11-09", events: paused)?.field == "on")
        #expect(refusal(.resume, on: "2026-11-06", recordedOn: "2026-11-09", events: paused) == nil)
        // Across the National Day week, three working days reach further back.
        #expect(LetterClockRules.earliestDate(recordedOn: day("2026-10-09"), calendar: calendar) == day("2026-09-29"))
    }

    @Test("a backdated pause is refused when the letter was overdue on the day it is recorded")
    func backdatedPauseOfAnOverdueLetter() {
        // Due 11-30; recorded 12-01 with the date 11-27, before the deadline.
        let refused = refusal(.pause(.thirdParty), on: "2026-11-27", recordedOn: "2026-12-01")
        #expect(refused != nil && refused?.field == nil)
        #expect(refusal(.extend(workingDays: 10), on: "2026-11-27", recordedOn: "2026-12-01") != nil)
        // Recorded on the due day, the same date is fine.
        #expect(refusal(.pause(.thirdParty), on: "2026-11-27", recordedOn: "2026-11-30") == nil)
    }

    @Test("an extension once per period")
    func extensionOncePerPeriod() {
        let extended = [ClockEvent(kind: .extended, on: day("2026-11-03"), workingDays: 5)]
        #expect(refusal(.extend(workingDays: 5), on: "2026-11-04", events: extended) != nil)
        #expect(refusal(.extend(workingDays: 21), on: "2026-11-04")?.field == "workingDays")
        #expect(trace(extended + [ClockEvent(kind: .extended, on: day("2026-11-04"), workingDays: 5)]).ignored == [1])
    }

    // MARK: 17. Information disclosure

    @Test("information-disclosure periods are at most 20 working days; rejections are limited per type")
    func disclosureRules() {
        #expect(LetterRules.policyWorkingDaysRange(for: .informationDisclosure) == 1...20)
        #expect(LetterRules.policyWorkingDaysRange(for: .complaint) == 1...365)
        #expect(!TriageRejection.noContent.isAllowed(for: .informationDisclosure))
        #expect(!TriageRejection.abusive.isAllowed(for: .informationDisclosure))
        #expect(TriageRejection.duplicate.isAllowed(for: .informationDisclosure))
        #expect(TriageRejection.allCases.allSatisfy { $0.isAllowed(for: .complaint) })
    }

    @Test("a reassignment or an overdue letter keeps its period")
    func assignmentPeriod() {
        #expect(LetterRules.periodOnAssignment(current: 15, departmentPeriod: 10, reassignment: false, overdue: false) == 10)
        #expect(LetterRules.periodOnAssignment(current: 15, departmentPeriod: nil, reassignment: false, overdue: false) == 15)
        #expect(LetterRules.periodOnAssignment(current: 15, departmentPeriod: 30, reassignment: true, overdue: false) == 15)
        #expect(LetterRules.periodOnAssignment(current: 15, departmentPeriod: 30, reassignment: false, overdue: true) == 15)
    }

    // MARK: 21, 22

    @Test("the transfer deadline is the working day after receipt")
    func transferDeadline() {
        #expect(LetterRules.transferDeadline(receivedOn: day("2026-11-06"), calendar: calendar) == day("2026-11-09"))
        #expect(LetterRules.transferDeadline(receivedOn: day("2026-09-30"), calendar: calendar) == day("2026-10-08"))
    }

    @Test("working days on the clock leave out pauses and the wait for a correction")
    func workingDaysOnClock() {
        // Paused Thu 11-05 to Tue 11-10 (3 working days stopped).
        let paused = trace([
            ClockEvent(kind: .paused, on: day("2026-11-05"), reason: .thirdParty), ClockEvent(kind: .resumed, on: day("2026-11-10")),
        ])
        // From 11-02 to 11-20: 14 working days, 3 of them stopped.
        #expect(paused.workingDaysOnClock(through: day("2026-11-20"), calendar: calendar) == 11)
        // A correction: the period counts from the corrected request.
        let corrected = trace([
            ClockEvent(kind: .paused, on: day("2026-11-04"), workingDays: 15, reason: .correction),
            ClockEvent(kind: .restarted, on: day("2026-11-16")),
        ])
        #expect(corrected.workingDaysOnClock(through: day("2026-11-20"), calendar: calendar) == 4)
        // Replied while stopped: what ran before the stop.
        let stopped = trace([ClockEvent(kind: .paused, on: day("2026-11-05"), reason: .thirdParty)])
        #expect(stopped.workingDaysOnClock(through: day("2026-11-20"), calendar: calendar) == 3)
    }
}
