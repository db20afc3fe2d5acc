import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

@Suite("Mailbox: statistics and schema rules")
struct MailboxReportTests {
    @Test("department and monthly statistics on a small fixture", arguments: StoreBackend.underTest)
    func statistics(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        // Given 城建处 answered a complaint on time (received 09-18, due
        // 10-15, replied 10-14: 14 working days; satisfied) and a
        // consultation late (received 11-02, due 11-09, replied 11-12: 8
        // working days; unsatisfied)
        let a = try await box.reply(try await box.submit(.complaint, at: "2026-09-18 10:00"), at: "2026-10-14 10:00")
        _ = try await db.mailbox.rateLetter(number: a.number, rating: .satisfied, at: beijing("2026-10-15 10:00"))
        let b = try await box.reply(try await box.submit(.consultation, at: "2026-11-02 10:00"), at: "2026-11-12 10:00")
        _ = try await db.mailbox.rateLetter(number: b.number, rating: .unsatisfied, at: beijing("2026-11-13 10:00"))
        // And 教育处 answered a suggestion in 3 working days, unrated
        _ = try await box.reply(try await box.submit(.suggestion, at: "2026-11-02 11:00"), lead: box.educationID, at: "2026-11-05 10:00")
        // And one letter is still open, one was rejected
        _ = try await box.submit(.complaint, at: "2026-11-20 10:00")
        let rejected = try await box.submit(.complaint, at: "2026-11-20 10:00")
        _ = try await db.mailbox.rejectLetter(id: rejected.id, reason: .noContent, actor: box.office, at: beijing("2026-11-20 11:00"))

        // When the year's statistics are read
        let departments = try await db.mailbox.departmentStatistics(from: civil("2026-01-01"), to: civil("2026-12-31"))
        // Then each lead department has its figures
        #expect(departments.map(\.department) == ["城建处", "教育处"])
        let city = departments[0]
        #expect(city.replied == 2 && city.repliedOnTime == 1 && city.onTimeRate == 0.5)
        #expect(city.medianWorkingDaysToReply == 11)
        #expect(city.satisfied == 1 && city.basicallySatisfied == 0 && city.unsatisfied == 1 && city.unrated == 0)
        let education = departments[1]
        #expect(education.replied == 1 && education.repliedOnTime == 1 && education.onTimeRate == 1)
        #expect(education.medianWorkingDaysToReply == 3 && education.unrated == 1)
        // And a period is a filter on the reply date
        #expect(try await db.mailbox.departmentStatistics(from: civil("2026-11-01"), to: civil("2026-11-30")).map(\.replied) == [1, 1])
        #expect(
            await storeError { _ = try await db.mailbox.departmentStatistics(from: civil("2026-12-01"), to: civil("2026-11-01")) }?.invalidFields
                == ["to"])

        let months = try await db.mailbox.monthlyStatistics(year: 2026)
        #expect(months.count == 12)
        #expect(months[8] == MonthlyLetterStatistics(month: 9, received: 1, replied: 0, repliedOnTime: 0))
        #expect(months[9] == MonthlyLetterStatistics(month: 10, received: 0, replied: 1, repliedOnTime: 1))
        #expect(months[10] == MonthlyLetterStatistics(month: 11, received: 4, replied: 2, repliedOnTime: 1))
        #expect(try await db.mailbox.monthlyStatistics(year: 2027).allSatisfy { $0.received == 0 && $0.replied == 0 })
    }

    @Test("the schema refuses what the rules refuse", arguments: StoreBackend.underTest)
    func schemaRules(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let letter = try await box.submit(at: "2026-11-02 09:00")
        let db = box.db
        let id = letter.id
        // No contact at all
        await expectRefused(db, "UPDATE letter SET phone = NULL, email = NULL WHERE id = \(id)")
        // A state outside the list
        await expectRefused(db, "UPDATE letter SET state = 'lost' WHERE id = \(id)")
        // Replied without a reply
        await expectRefused(db, "UPDATE letter SET state = 'replied' WHERE id = \(id)")
        // The timeline is append-only
        await expectRefused(db, "UPDATE letter_event SET note = 'changed' WHERE letter_id = \(id)")
        await expectRefused(db, "DELETE FROM letter_event WHERE letter_id = \(id)")
        // One default policy per type
        await expectRefused(db, "INSERT INTO deadline_policy (letter_type, department_id, working_days) VALUES ('complaint', NULL, 9)")
        // An extension is 1…20 working days
        await expectRefused(
            db,
            """
            INSERT INTO letter_event (letter_id, kind, actor_name, clock_kind, clock_on, clock_days, recorded_at)
            VALUES (\(id), 'extended', 'x', 'extended', '2026-11-03', 30, CURRENT_TIMESTAMP)
            """)
        // And the defaults are seeded.
        #expect(try await box.db.mailbox.deadlinePolicies().map(\.workingDays) == [5, 15, 15, 20])
    }
}
