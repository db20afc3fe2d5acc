import Foundation
import Testing
import WenzhengCore

@Suite("Calling an interview off")
struct InterviewCancellationRuleTests {
    @Test("only before it goes live, with a reason; the status is final and not a step of the programme")
    func rule() throws {
        #expect(try InterviewRules.checkCancellation(from: .scheduled, reason: "  嘉宾临时公务 ") == "嘉宾临时公务")
        #expect(try InterviewRules.checkCancellation(from: .open, reason: "计划调整") == "计划调整")
        for status in [InterviewStatus.live, .ended, .published, .cancelled] {
            #expect(throws: InterviewCancellationRefusal.notCancellable(status)) {
                try InterviewRules.checkCancellation(from: status, reason: "理由")
            }
        }
        #expect(throws: InterviewCancellationRefusal.invalid(ValidationFailure([.required("reason")]))) {
            try InterviewRules.checkCancellation(from: .open, reason: " ")
        }
        #expect(throws: InterviewCancellationRefusal.invalid(ValidationFailure([.tooLong("reason", max: 500)]))) {
            try InterviewRules.checkCancellation(from: .open, reason: String(repeating: "因", count: 501))
        }
        #expect(InterviewStatus.cancelled.next.isEmpty && !InterviewStatus.cancelled.acceptsQuestions)
        #expect(InterviewStatus.allCases.allSatisfy { !$0.next.contains(.cancelled) })
        #expect(
            InterviewCancellationRefusal.notCancellable(.live).description
                == "an interview that is live cannot be cancelled; only scheduled or open interviews can")
    }

    @Test("a planned length on the command line: 10m to 8h, with an example")
    func duration() {
        var errors: [FieldError] = []
        InterviewRules.checkDuration(minutes: 90, into: &errors)
        #expect(errors.isEmpty)
        InterviewRules.checkDuration(minutes: 9, into: &errors)
        InterviewRules.checkDuration(minutes: 481, into: &errors)
        #expect(errors.map(\.message) == Array(repeating: "an interview lasts from 10m to 8h, for example --duration 90m", count: 2))
    }

    @Test("a cancelled interview's calendar event says so in front of its summary, with the reason")
    func calendarEvent() {
        let start = Date(timeIntervalSince1970: 1_805_160_600)
        let event = ICalendarEvent(
            interviewID: 4, host: "w.example", title: "访谈", summary: "简介", start: start, durationMinutes: 60,
            guests: [GuestCredit(name: "张明")], url: nil, revision: 2, cancelled: true, cancellationReason: "嘉宾临时公务")
        #expect(event.status == .cancelled && event.sequence == 2)
        #expect(event.description == "本次访谈已取消：嘉宾临时公务\n\n简介\n嘉宾：张明")
        let noReason = ICalendarEvent(
            interviewID: 4, host: "w.example", title: "访谈", summary: "", start: start, durationMinutes: 60, guests: [], url: nil,
            revision: 1, cancelled: true)
        #expect(noReason.description == "本次访谈已取消。")
    }
}
