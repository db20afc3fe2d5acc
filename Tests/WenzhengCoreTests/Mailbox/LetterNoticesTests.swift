import Foundation
import Testing
import WenzhengCore

/// Who is told what about letters, and the digest's selection and timing:
/// pure rules, with the calendar given.
@Suite("Letter notices")
struct LetterNoticesTests {
    static let links = LetterNoticeLinks(base: "https://wenzheng.sft.example.cn")!
    /// 2026-10-01…07 is the National Day holiday in this calendar; 2026-10-10 (a Saturday) is a make-up working day.
    static let calendar = HolidayCalendar(
        yearsWithData: [2026],
        days: (1...7).map { HolidayNotice.Day(date: CivilDate(year: 2026, month: 10, day: $0), name: "国庆节", isOffDay: true) }
            + [HolidayNotice.Day(date: CivilDate(year: 2026, month: 10, day: 10), name: "国庆节", isOffDay: false)])

    static func day(_ text: String) -> CivilDate { CivilDate(text)! }

    @Test("the base address is http(s) with a host; links end in the office page or the query page")
    func links() {
        #expect(Self.links.base == "https://wenzheng.sft.example.cn/")
        #expect(Self.links.officeLetter(id: 42) == "https://wenzheng.sft.example.cn/office/letters/42")
        #expect(Self.links.query(number: "2026-123456789") == "https://wenzheng.sft.example.cn/letters/query?number=2026-123456789")
        for bad in ["ftp://x.cn/", "wenzheng.example.cn", "https://", "https://a.cn/?x=1", "https://a.cn/#top", "https://u:p@a.cn/", "http://a b.cn/"] {
            #expect(LetterNoticeLinks(base: bad) == nil, "\(bad)")
        }
        #expect(Self.links.query(number: "a&b") == "https://wenzheng.sft.example.cn/letters/query?number=a%26b")
        #expect(LetterNoticeLinks(base: "http://127.0.0.1:8080/wz")?.base == "http://127.0.0.1:8080/wz/")
    }

    @Test("office notices carry number, type and link, never the subject or text")
    func officeNotices() {
        let received = LetterNotices.received(letterID: 7, number: "2026-000000042", type: .complaint, links: Self.links)
        let assigned = LetterNotices.assigned(
            letterID: 7, number: "2026-000000042", type: .complaint, dueOn: Self.day("2026-11-20"), coHandling: true, links: Self.links)
        #expect(received.kind == .received && assigned.kind == .assigned)
        for text in [received, assigned] {
            #expect(text.body.contains("2026-000000042") && text.body.contains("投诉") && text.body.contains("complaint"))
            #expect(text.body.contains("https://wenzheng.sft.example.cn/office/letters/7"))
            #expect(!text.subject.contains("\n"))
        }
        #expect(assigned.body.contains("协办") && assigned.body.contains("2026-11-20"))
    }

    @Test("the citizen's notice has the number and the query link, in Chinese then English")
    func citizenNotice() {
        let text = LetterNotices.replied(number: "2026-000000042", links: Self.links)
        #expect(text.kind == .replied)
        #expect(text.body.contains("https://wenzheng.sft.example.cn/letters/query?number=2026-000000042"))
        let chinese = text.body.range(of: "已有答复")!
        let english = text.body.range(of: "was answered")!
        #expect(chinese.lowerBound < english.lowerBound)
    }

    @Test("the digest lists overdue letters and those due within 2 working days, across a holiday")
    func digestSelection() {
        // Wednesday 2026-09-30: the holiday runs 1…7 October, so two working days later is Friday 9 October.
        let today = Self.day("2026-09-30")
        let horizon = Self.calendar.adding(workingDays: 2, to: today)
        #expect(horizon == Self.day("2026-10-09"))
        let candidates = [
            LetterDigestEntry(letterID: 1, number: "A", type: .complaint, dueOn: Self.day("2026-10-12"), overdue: false),
            LetterDigestEntry(letterID: 2, number: "B", type: .complaint, dueOn: Self.day("2026-10-09"), overdue: false),
            LetterDigestEntry(letterID: 3, number: "C", type: .consultation, dueOn: Self.day("2026-09-28"), overdue: true),
            LetterDigestEntry(letterID: 4, number: "D", type: .suggestion, dueOn: Self.day("2026-10-05"), overdue: false),
            // Marked overdue by the sweep though its date moved out: still listed as overdue.
            LetterDigestEntry(letterID: 5, number: "E", type: .suggestion, dueOn: Self.day("2026-12-01"), overdue: true),
        ]
        let entries = LetterNotices.digestEntries(candidates, today: today, calendar: Self.calendar)
        #expect(entries.map(\.number) == ["C", "E", "D", "B"])
    }

    @Test("an empty digest is no notice; a digest counts and lists each letter with due date and link")
    func digestText() throws {
        #expect(LetterNotices.digest(department: "城建处", day: Self.day("2026-11-04"), entries: [], links: Self.links) == nil)
        let entries = [
            LetterDigestEntry(letterID: 3, number: "2026-000000003", type: .consultation, dueOn: Self.day("2026-11-02"), overdue: true),
            LetterDigestEntry(letterID: 9, number: "2026-000000009", type: .complaint, dueOn: Self.day("2026-11-05"), overdue: false),
        ]
        let text = try #require(LetterNotices.digest(department: "城建处", day: Self.day("2026-11-04"), entries: entries, links: Self.links))
        #expect(text.kind == .digest)
        #expect(text.body.contains("已超期：1 件；2 个工作日内到期：1 件"))
        #expect(text.body.contains("2026-000000003") && text.body.contains("期限 2026-11-02"))
        #expect(text.body.contains("https://wenzheng.sft.example.cn/office/letters/9"))
        #expect(text.subject.contains("超期 1 件") && !text.subject.contains("\n"))
    }

    @Test("a long digest lists the most urgent letters, counts all, and stays within a notice's size")
    func longDigest() throws {
        let longBase = try #require(LetterNoticeLinks(base: "https://" + String(repeating: "w", count: 180) + ".cn/"))
        #expect(LetterNoticeLinks(base: "https://" + String(repeating: "w", count: 200) + ".cn/") == nil)
        let entries = (1...500).map { index in
            LetterDigestEntry(
                letterID: Int64(index), number: String(format: "2026-%09d", index), type: .informationDisclosure,
                dueOn: Self.day("2026-11-02"), overdue: index <= 400, coHandling: true)
        }
        let text = try #require(LetterNotices.digest(department: "城建处", day: Self.day("2026-11-04"), entries: entries, links: longBase))
        #expect(text.body.count <= 20000, "\(text.body.count)")
        #expect(text.body.contains("已超期：400 件；2 个工作日内到期：100 件"))
        #expect(text.body.contains("2026-000000030") && !text.body.contains("2026-000000031"))
        #expect(text.body.contains("另有 470 件未列出") && text.body.contains(longBase.officeDashboard))
    }

    @Test("the digest is due on working days from its time, Beijing time")
    func schedule() {
        let schedule = LetterDigestSchedule(parsing: "08:30")!
        func at(_ text: String) -> Date { officeInstant(text) }
        // Wednesday 2026-11-04.
        #expect(schedule.dueDay(at: at("2026-11-04T08:29"), calendar: Self.calendar) == nil)
        #expect(schedule.dueDay(at: at("2026-11-04T08:30"), calendar: Self.calendar) == Self.day("2026-11-04"))
        #expect(schedule.dueDay(at: at("2026-11-04T23:59"), calendar: Self.calendar) == Self.day("2026-11-04"))
        // A holiday, a Sunday, and the make-up Saturday.
        #expect(schedule.dueDay(at: at("2026-10-02T09:00"), calendar: Self.calendar) == nil)
        #expect(schedule.dueDay(at: at("2026-11-08T09:00"), calendar: Self.calendar) == nil)
        #expect(schedule.dueDay(at: at("2026-10-10T09:00"), calendar: Self.calendar) == Self.day("2026-10-10"))
        #expect(schedule.description == "08:30")
        #expect(LetterDigestSchedule(parsing: "7:05") == LetterDigestSchedule(hour: 7, minute: 5))
        for bad in ["24:00", "08:60", "8", "08:3", "０８:３０", "-1:30", "08:30:00", "off", ""] {
            #expect(LetterDigestSchedule(parsing: bad) == nil, "\(bad)")
        }
    }
}

/// `2026-11-04T08:30`, Beijing time.
private func officeInstant(_ text: String) -> Date {
    let parts = text.dropFirst(11).split(separator: ":")
    return OfficeDateTime(date: CivilDate(String(text.prefix(10)))!, hour: Int(parts[0])!, minute: Int(parts[1])!).instant()
}
