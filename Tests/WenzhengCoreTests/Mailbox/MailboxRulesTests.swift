import Foundation
import Testing
import WenzhengCore

@Suite("Mailbox rules")
struct MailboxRulesTests {
    func day(_ text: String) -> CivilDate { CivilDate(text)! }

    @Test func letterNumbersArePaddedPerYear() {
        #expect(LetterRules.letterNumber(year: 2026, sequence: 123) == "2026-000123")
    }

    @Test func phoneNumbersAsPeopleTypeThem() {
        for valid in ["13812345678", "+86 138-1234-5678", "(010) 6512 3456", "010-65123456转808", "12345"] {
            #expect(LetterRules.isPlausiblePhone(valid), "\(valid)")
        }
        for invalid in ["call me", "1234", "138123456789012345678", "138@1234"] {
            #expect(!LetterRules.isPlausiblePhone(invalid), "\(invalid)")
        }
    }

    @Test func emailAddresses() {
        for valid in ["zhang@example.cn", "a.b+c@mail.gov.cn"] {
            #expect(LetterRules.isPlausibleEmail(valid), "\(valid)")
        }
        for invalid in ["zhang", "@example.cn", "zhang@example", "zhang@.cn", "zhang@example.", "zh ang@example.cn", "a@b@c.cn"] {
            #expect(!LetterRules.isPlausibleEmail(invalid), "\(invalid)")
        }
    }

    @Test func workingDaysBetweenDatesAreSigned() {
        let calendar = HolidayCalendar.shipped
        // Friday 09-18 to Wednesday 10-14 across 中秋 and 国庆: 14 working days.
        #expect(LetterRules.workingDays(from: day("2026-09-18"), to: day("2026-10-14"), calendar: calendar) == 14)
        #expect(LetterRules.workingDays(from: day("2026-10-14"), to: day("2026-09-18"), calendar: calendar) == -14)
        #expect(LetterRules.workingDays(from: day("2026-11-09"), to: day("2026-11-09"), calendar: calendar) == 0)
        // Saturday to Sunday: none.
        #expect(LetterRules.workingDays(from: day("2026-11-07"), to: day("2026-11-08"), calendar: calendar) == 0)
    }

    @Test func correctionNoticeWindowIsSevenWorkingDays() {
        #expect(LetterRules.correctionNoticeDeadline(receivedOn: day("2026-11-02"), calendar: WeekdayCalendar()) == day("2026-11-11"))
        // Across 国庆 on the shipped calendar.
        #expect(LetterRules.correctionNoticeDeadline(receivedOn: day("2026-09-28"), calendar: HolidayCalendar.shipped) == day("2026-10-13"))
    }

    @Test func median() {
        #expect(LetterRules.median([]) == nil)
        #expect(LetterRules.median([7]) == 7)
        #expect(LetterRules.median([14, 8]) == 11)
        #expect(LetterRules.median([5, 1, 3]) == 3)
    }

    @Test func citizensSeeTheirLetterStepsButNotTheOfficeDrafts() {
        #expect(LetterEventKind.signedOff.isVisibleToCitizen)
        #expect(LetterEventKind.extended.isVisibleToCitizen)
        #expect(!LetterEventKind.drafted.isVisibleToCitizen)
        #expect(!LetterEventKind.returned.isVisibleToCitizen)
    }
}
