import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

@Suite("Mailbox: the reply clock in the store")
struct MailboxClockTests {
    /// An information-disclosure request received on Monday 2026-11-02,
    /// accepted and assigned to 城建处: 20 working days, due 2026-11-30
    /// (November 2026 has no holidays).
    func request(_ box: Mailbox) async throws -> LetterView {
        let letter = try await box.submit(.informationDisclosure, at: "2026-11-02 09:00")
        _ = try await box.db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: beijing("2026-11-02 10:00"))
        let assigned = try await box.db.mailbox.assignLetter(id: letter.id, lead: box.cityID, actor: box.office, at: beijing("2026-11-02 10:00"))
        #expect(assigned.dueOn == "2026-11-30")
        return assigned
    }

    @Test("an extension is granted once, by a reviewer, up to 20 working days", arguments: StoreBackend.underTest)
    func extensionOnce(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let letter = try await request(box)
        let now = beijing("2026-11-20 10:00")
        // Out of range, or without a notice: invalid
        #expect(
            await storeError { _ = try await db.mailbox.extendLetter(id: letter.id, workingDays: 21, notice: "", actor: box.reviewer, at: now) }?
                .invalidFields == ["workingDays", "notice"])
        #expect(
            await storeError { _ = try await db.mailbox.extendLetter(id: letter.id, workingDays: 0, notice: "延期", actor: box.reviewer, at: now) }?
                .invalidFields == ["workingDays"])
        // A handler is not an approver
        #expect(
            await storeError { _ = try await db.mailbox.extendLetter(id: letter.id, workingDays: 20, notice: "延期", actor: box.city, at: now) }?
                .isForbidden == true)

        // When the reviewer approves 20 more working days
        let extended = try await db.mailbox.extendLetter(id: letter.id, workingDays: 20, notice: "需要协调多个部门，延期20个工作日", actor: box.reviewer, at: now)
        // Then the deadline is 40 working days after receipt
        #expect(extended.dueOn == "2026-12-28")
        #expect(extended.extensionWorkingDays == 20)
        let event = try #require(try await db.mailbox.timeline(letterID: letter.id).last)
        #expect(event.kind == .extended && event.clockKind == .extended && event.clockDays == 20 && event.actorName == "钱领导")
        #expect(event.note == "需要协调多个部门，延期20个工作日")
        // And a second extension is refused.
        #expect(
            await storeError { _ = try await db.mailbox.extendLetter(id: letter.id, workingDays: 5, notice: "再延", actor: box.admin, at: now) }?
                .isConflict == true)
        #expect(try await db.audit.auditEntries().contains { $0.action == "letter.extend" && $0.actorName == "leader" })
    }

    @Test("only information-disclosure requests have the clock actions, and only before the deadline for an extension", arguments: StoreBackend.underTest)
    func clockActionsNeedTheRightLetter(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let complaint = try await box.submit(.complaint, at: "2026-11-02 09:00")
        let now = beijing("2026-11-03 09:00")
        #expect(
            await storeError {
                _ = try await db.mailbox.extendLetter(id: complaint.id, workingDays: 5, notice: "延期", actor: box.reviewer, at: now)
            }?.isConflict == true)
        #expect(
            await storeError { _ = try await db.mailbox.pauseLetter(id: complaint.id, reason: .thirdParty, note: "征求意见", actor: box.office, at: now) }?.isConflict
                == true)
        #expect(
            await storeError { _ = try await db.mailbox.sendCorrectionNotice(id: complaint.id, text: "请补正", correctionDays: 15, actor: box.office, at: now) }?
                .isConflict == true)

        let letter = try await request(box)
        #expect(
            await storeError {
                _ = try await db.mailbox.extendLetter(
                    id: letter.id, workingDays: 5, notice: "延期", actor: box.reviewer, at: beijing("2026-12-01 09:00"))
            }?.isConflict == true)
        // The education department's handler does not work on 城建处's letter.
        #expect(
            await storeError { _ = try await db.mailbox.pauseLetter(id: letter.id, reason: .thirdParty, note: "征求意见", actor: box.education, at: now) }?.isForbidden
                == true)
    }

    @Test("pausing stops the clock and resuming moves the deadline by the pause", arguments: StoreBackend.underTest)
    func pauseAndResume(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let letter = try await request(box)
        // When the clock stops on Friday 2026-11-06, after 4 working days
        let paused = try await db.mailbox.pauseLetter(id: letter.id, reason: .thirdParty, note: "征求第三方意见", actor: box.city, at: beijing("2026-11-06 15:00"))
        // Then there is no due date while it waits, and 16 working days left
        #expect(paused.clockPaused && paused.dueOn == nil && !paused.awaitingCorrection)
        let row = try #require(try await db.mailbox.openLetterDeadlines(filter: .all, at: beijing("2026-11-10 09:00")).rows.first)
        #expect(row.paused && row.dueOn == nil && row.workingDaysLeft == 16 && !row.overdue)
        #expect(
            await storeError {
                _ = try await db.mailbox.pauseLetter(id: letter.id, reason: .thirdParty, note: "again", actor: box.city, at: beijing("2026-11-09 09:00"))
            }?.isConflict == true)
        #expect(
            await storeError { _ = try await db.mailbox.correctedRequestReceived(id: letter.id, actor: box.city, at: beijing("2026-11-09 09:00")) }?
                .isConflict == true)

        // When it resumes on Monday 2026-11-16
        let resumed = try await db.mailbox.resumeLetter(id: letter.id, actor: box.city, at: beijing("2026-11-16 09:00"))
        // Then the 16 days count from there
        #expect(!resumed.clockPaused && resumed.dueOn == "2026-12-08")
        #expect(
            await storeError { _ = try await db.mailbox.resumeLetter(id: letter.id, actor: box.city, at: beijing("2026-11-17 09:00")) }?.isConflict
                == true)
        let clock = try await db.mailbox.timeline(letterID: letter.id).compactMap(\.clockKind)
        #expect(clock == [.paused, .resumed])
    }

    @Test("a correction notice goes out only within 7 working days, stops the clock, and the corrected request restarts it", arguments: StoreBackend.underTest)
    func correction(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let letter = try await request(box)
        // The 7th working day after Monday 11-02 is Wednesday 11-11
        let late = await storeError {
            _ = try await db.mailbox.sendCorrectionNotice(id: letter.id, text: "请补充所需信息的名称", correctionDays: 15, actor: box.office, at: beijing("2026-11-12 09:00"))
        }
        #expect(late?.isConflict == true)
        #expect(late?.description.contains("2026-11-11") == true)

        // When the notice goes out on 11-05
        let noticed = try await db.mailbox.sendCorrectionNotice(
            id: letter.id, text: "请补充所需信息的名称", correctionDays: 15, actor: box.office, at: beijing("2026-11-05 09:00"))
        #expect(noticed.clockPaused && noticed.awaitingCorrection && noticed.dueOn == nil)
        // Then an ordinary resume is refused, and so is a second notice
        #expect(
            await storeError { _ = try await db.mailbox.resumeLetter(id: letter.id, actor: box.city, at: beijing("2026-11-10 09:00")) }?.isConflict
                == true)
        #expect(
            await storeError {
                _ = try await db.mailbox.sendCorrectionNotice(id: letter.id, text: "再次", correctionDays: 15, actor: box.office, at: beijing("2026-11-06 09:00"))
            }?.isConflict == true)

        // When the corrected request arrives on Friday 11-20, the full 20
        // working days start again from there.
        let restarted = try await db.mailbox.correctedRequestReceived(
            id: letter.id, entry: ClockEntry(note: "申请人已补正"), actor: box.city, at: beijing("2026-11-20 16:00"))
        #expect(!restarted.clockPaused && !restarted.awaitingCorrection && restarted.dueOn == "2026-12-18")
        let events = try await db.mailbox.timeline(letterID: letter.id).filter { $0.clockKind != nil }
        #expect(events.map(\.kind) == [.correctionNotice, .restarted])
        #expect(events.map(\.clockKind) == [.paused, .restarted])
        #expect(
            await storeError {
                _ = try await db.mailbox.sendCorrectionNotice(id: letter.id, text: "再次", correctionDays: 15, actor: box.office, at: beijing("2026-11-23 09:00"))
            }?.isConflict == true)
    }

    @Test("an information-disclosure request answered on the spot", arguments: StoreBackend.underTest)
    func onTheSpot(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let letter = try await box.submit(.informationDisclosure, at: "2026-11-02 09:00", mayPublish: true)
        let replied = try await box.db.mailbox.replyOnTheSpot(
            id: letter.id, body: "所申请信息已在门户网站公开。", filter: plainFilter, actor: box.office, at: beijing("2026-11-02 09:30"))
        #expect(replied.state == .replied && replied.repliedOn == "2026-11-02")
        #expect(replied.leadDepartment?.name == "办公室" && replied.replyDepartment?.name == "办公室")
        #expect(replied.moderationItemId != nil)
        #expect(try await box.kinds(letter) == [.submitted, .repliedOnTheSpot])
        #expect(try await box.db.mailbox.letterDrafts(letterID: letter.id).map(\.reviewState) == [.signedOff])
        #expect(
            await storeError {
                _ = try await box.db.mailbox.replyOnTheSpot(
                    id: letter.id, body: "x", filter: plainFilter, actor: box.office, at: beijing("2026-11-02 10:00"))
            }?.isConflict == true)
    }

    @Test("a deadline crossing into a year without a notice is provisional until the notice is imported", arguments: StoreBackend.underTest)
    func provisionalAndCalendarImport(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        // Given a complaint received Monday 2026-12-21: 15 working days end
        // in January 2027, whose notice is not loaded (01-01 is a day off
        // all the same)
        let letter = try await box.submit(.complaint, at: "2026-12-21 09:00")
        #expect(letter.dueOn == "2027-01-12" && letter.dueProvisional)
        // When a 2027 notice also gives Monday 01-04 off
        let notice = try HolidayNotice(
            year: 2027,
            days: [
                .init(date: civil("2027-01-01"), name: "元旦", isOffDay: true), .init(date: civil("2027-01-04"), name: "元旦", isOffDay: true),
            ])
        _ = try await db.calendar.importHolidayNotice(notice, source: "test", actor: cliActor, at: beijing("2026-12-22 09:00"))
        // Then the open letter's deadline moves a day and is no longer provisional
        let after = try await db.mailbox.letter(id: letter.id)
        #expect(after.dueOn == "2027-01-13" && !after.dueProvisional)
        #expect(try await db.mailbox.openLetterDeadlines(at: beijing("2026-12-22 09:00")).rows.first?.provisional == false)
    }

    @Test("overdue letters are marked once, and the lists show how late they are", arguments: StoreBackend.underTest)
    func overdue(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        // Given a consultation received Monday 11-02, due Monday 11-09
        let letter = try await box.submit(.consultation, at: "2026-11-02 09:00")
        #expect(letter.dueOn == "2026-11-09")
        let later = try await box.submit(.complaint, at: "2026-11-02 09:00")
        // On the due day nothing is overdue yet
        #expect(try await db.mailbox.markOverdueLetters(at: beijing("2026-11-09 23:00")).isEmpty)
        #expect(
            try await db.mailbox.openLetterDeadlines(filter: .dueWithin(workingDays: 3), at: beijing("2026-11-04 09:00")).rows.map(\.letterId) == [
                letter.id
            ])
        #expect(try await db.mailbox.openLetterDeadlines(filter: .dueWithin(workingDays: 2), at: beijing("2026-11-04 09:00")).rows.isEmpty)
        #expect(
            try await db.mailbox.openLetterDeadlines(filter: .dueWithin(workingDays: 3), at: beijing("2026-11-04 09:00")).rows.first?.workingDaysLeft
                == 3)

        // When the sweep runs the next day, and again
        let marked = try await db.mailbox.markOverdueLetters(at: beijing("2026-11-10 08:00"))
        let again = try await db.mailbox.markOverdueLetters(at: beijing("2026-11-10 09:00"))
        // Then the letter is marked once, with one event
        #expect(marked.map(\.id) == [letter.id] && marked.first?.overdue == true)
        #expect(again.isEmpty)
        #expect(try await box.kinds(letter) == [.submitted, .overdue])
        let overdue = try await db.mailbox.openLetterDeadlines(filter: .overdueOnly, at: beijing("2026-11-11 09:00")).rows
        #expect(overdue.map(\.number) == [letter.number])
        #expect(overdue.first?.overdue == true && overdue.first?.workingDaysLeft == -2)
        #expect(try await db.mailbox.openLetterDeadlines(filter: .all, at: beijing("2026-11-11 09:00")).rows.map(\.letterId) == [letter.id, later.id])
    }

    @Test("a department's list has the letters it leads and its co-handling shares", arguments: StoreBackend.underTest)
    func departmentDeadlines(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let now = beijing("2026-11-02 10:00")
        let led = try await box.submit(.complaint, at: "2026-11-02 09:00")
        let shared = try await box.submit(.suggestion, at: "2026-11-02 09:00")
        for letter in [led, shared] { _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: now) }
        _ = try await db.mailbox.assignLetter(id: led.id, lead: box.educationID, actor: box.office, at: now)
        _ = try await db.mailbox.assignLetter(
            id: shared.id, lead: box.cityID, coHandlers: [CoHandler(departmentID: box.educationID, dueOn: civil("2026-11-13"))],
            actor: box.office, at: now)
        let rows = try await db.mailbox.openLetterDeadlines(filter: .all, departmentID: box.educationID, at: now).rows
        #expect(rows.map(\.letterId) == [shared.id, led.id])
        #expect(rows.map(\.coHandling) == [true, false])
        #expect(rows.map(\.dueOn) == ["2026-11-13", "2026-11-23"])
        #expect(rows.map(\.department) == ["教育处", "教育处"])
        #expect(try await db.mailbox.openLetterDeadlines(filter: .all, departmentID: box.cityID, at: now).rows.map(\.letterId) == [shared.id])
        #expect(try await db.mailbox.letters(departmentID: box.educationID).map(\.id) == [led.id, shared.id])
    }
}
