import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// Issue 9, items 12–22 (the mailbox's half): the reply clock's loopholes,
/// on real SQLite files. November 2026 has no holidays.
@Suite("Mailbox: the reply clock's compliance rules in the store")
struct MailboxComplianceTests {
    let calendar = HolidayCalendar.shipped

    /// An information-disclosure request received Monday 2026-11-02,
    /// accepted and assigned to 城建处: due Monday 2026-11-30.
    func request(_ box: Mailbox, mayPublish: Bool = false) async throws -> LetterView {
        let letter = try await box.submit(.informationDisclosure, at: "2026-11-02 09:00", mayPublish: mayPublish)
        _ = try await box.db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: beijing("2026-11-02 10:00"))
        let assigned = try await box.db.mailbox.assignLetter(id: letter.id, lead: box.cityID, actor: box.office, at: beijing("2026-11-02 10:00"))
        #expect(assigned.dueOn == "2026-11-30")
        return assigned
    }

    func due(_ workingDays: Int, after text: String) -> String {
        calendar.adding(workingDays: workingDays, to: civil(text)).description
    }

    // MARK: 13. An overdue letter stays overdue

    @Test("13: a pause after the deadline, stored by the old rules, neither hides nor erases the overdue letter", arguments: StoreBackend.underTest)
    func latePauseStoredBefore(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let letter = try await request(box)
        // Given the state the old code left: paused on 12-02, after the
        // deadline, with no due date
        try await db.appendLetterEventRaw(
            letterID: letter.id, kind: .paused, note: "征求第三方意见",
            clockEvent: ClockEvent(kind: .paused, on: civil("2026-12-02"), reason: .thirdParty), at: beijing("2026-12-02 10:00"))
        try await db.rawExecute("UPDATE letter SET clock_paused = true, due_on = NULL WHERE id = \(letter.id)")
        // When the sweep runs
        let marked = try await db.mailbox.markOverdueLetters(at: beijing("2026-12-02 23:00"))
        // Then the letter is overdue, due 11-30, its clock running
        #expect(marked.map(\.id) == [letter.id])
        let after = try await db.mailbox.letter(id: letter.id)
        #expect(after.dueOn == "2026-11-30" && after.overdue && !after.clockPaused)
        // And it cannot be resumed into a later deadline
        let resumed = await storeError {
            _ = try await db.mailbox.resumeLetter(id: letter.id, actor: box.city, at: beijing("2026-12-03 09:00"))
        }
        #expect(resumed?.isConflict == true)
        // And a reply on 12-03 counts as late
        _ = try await box.reply(after, at: "2026-12-03 10:00")
        let statistics = try await db.mailbox.departmentStatistics(from: civil("2026-12-01"), to: civil("2026-12-31"))
        #expect(statistics.first?.replied == 1 && statistics.first?.repliedOnTime == 0)
        #expect(try await db.mailbox.letter(id: letter.id).replies.first?.onTime == false)
    }

    @Test("13, 16: pauses and extensions are refused once the letter is overdue on the day they are recorded, even backdated", arguments: StoreBackend.underTest)
    func noPauseAfterTheDeadline(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let letter = try await request(box)
        let december = beijing("2026-12-01 09:00")
        #expect(
            await storeError {
                _ = try await db.mailbox.pauseLetter(id: letter.id, reason: .thirdParty, note: "征求意见", actor: box.city, at: december)
            }?.isConflict == true)
        #expect(
            await storeError {
                _ = try await db.mailbox.extendLetter(id: letter.id, workingDays: 10, notice: "延期", actor: box.reviewer, at: december)
            }?.isConflict == true)
        // Dated Friday 11-27, before the deadline, but recorded when overdue
        let backdated = await storeError {
            _ = try await db.mailbox.pauseLetter(
                id: letter.id, reason: .thirdParty, note: "征求意见", entry: ClockEntry(on: civil("2026-11-27")), actor: box.city,
                at: december)
        }
        #expect(backdated?.isConflict == true)
        #expect(backdated?.description.contains("2026-11-30") == true)
        #expect(try await db.mailbox.timeline(letterID: letter.id).allSatisfy { $0.clockKind == nil })
    }

    // MARK: 14. Consultation (arts. 32, 34)

    @Test("14: pauses carry their reason and the consulted party's 15 working days; repeated pauses add up; a lapsed one ends", arguments: StoreBackend.underTest)
    func consultations(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let letter = try await request(box)
        let first = try await db.mailbox.pauseLetter(
            id: letter.id, reason: .thirdParty, note: "征求某公司意见", actor: box.city, at: beijing("2026-11-05 10:00"))
        #expect(first.stoppages.map(\.reason) == [.thirdParty])
        #expect(first.currentStoppage?.answerDueOn == "2026-11-26")
        #expect(try await db.mailbox.timeline(letterID: letter.id).last?.clockReason == .thirdParty)
        let row = try #require(try await db.mailbox.openLetterDeadlines(at: beijing("2026-11-06 09:00")).rows.first)
        #expect(row.paused && row.stopReason == .thirdParty && row.answerDueOn == "2026-11-26")

        _ = try await db.mailbox.resumeLetter(id: letter.id, actor: box.city, at: beijing("2026-11-10 10:00"))
        _ = try await db.mailbox.pauseLetter(
            id: letter.id, reason: .otherAgency, note: "征求市司法局意见", actor: box.city, at: beijing("2026-11-12 10:00"))
        let twice = try await db.mailbox.resumeLetter(id: letter.id, actor: box.city, at: beijing("2026-11-16 10:00"))
        #expect(twice.stoppages.map(\.reason) == [.thirdParty, .otherAgency])
        #expect(twice.stoppages.map(\.workingDays) == [3, 2])
        #expect(twice.stoppedWorkingDays == 5)
        #expect(twice.dueOn == due(25, after: "2026-11-02"))

        // A third consultation nobody answers: the sweep ends it when its
        // 15 working days (to 12-09) have run out.
        _ = try await db.mailbox.pauseLetter(id: letter.id, reason: .thirdParty, note: "再次征求意见", actor: box.city, at: beijing("2026-11-18 10:00"))
        #expect(try await db.mailbox.sweepLetterClocks(at: beijing("2026-12-09 23:00")).resumed.isEmpty)
        let sweep = try await db.mailbox.sweepLetterClocks(at: beijing("2026-12-10 08:00"))
        #expect(sweep.resumed.map(\.id) == [letter.id])
        let lapsed = try await db.mailbox.letter(id: letter.id)
        #expect(!lapsed.clockPaused && lapsed.stoppages.last?.endedByLimit == true)
        // 7 working days ran before the third pause: 13 remain from 12-09.
        #expect(lapsed.dueOn == due(13, after: "2026-12-09"))
        let event = try #require(try await db.mailbox.timeline(letterID: letter.id).last)
        #expect(event.kind == .resumed && event.actorName == "system" && event.clockOn == "2026-12-09")
    }

    // MARK: 15. Correction (art. 30)

    @Test("15: the corrected request starts a period without the earlier extension; the correction period is recorded", arguments: StoreBackend.underTest)
    func correctionDropsTheExtension(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let letter = try await request(box)
        _ = try await db.mailbox.extendLetter(id: letter.id, workingDays: 5, notice: "延期5个工作日", actor: box.reviewer, at: beijing("2026-11-03 10:00"))
        let noticed = try await db.mailbox.sendCorrectionNotice(
            id: letter.id, text: "请补充申请内容", correctionDays: 10, actor: box.office, at: beijing("2026-11-04 10:00"))
        #expect(noticed.awaitingCorrection && noticed.currentStoppage?.answerDueOn == "2026-11-18")
        #expect(try await db.mailbox.timeline(letterID: letter.id).last?.clockDays == 10)
        let restarted = try await db.mailbox.correctedRequestReceived(id: letter.id, actor: box.city, at: beijing("2026-11-16 10:00"))
        #expect(restarted.dueOn == due(20, after: "2026-11-16"))
        #expect(restarted.extensionWorkingDays == nil && !restarted.extendedInPeriod)
        // The new period may be extended once.
        let extended = try await db.mailbox.extendLetter(
            id: letter.id, workingDays: 5, notice: "再次延期", actor: box.reviewer, at: beijing("2026-11-17 10:00"))
        #expect(extended.dueOn == due(25, after: "2026-11-16"))
        #expect(
            await storeError {
                _ = try await db.mailbox.sendCorrectionNotice(
                    id: letter.id, text: "x", correctionDays: 4, actor: box.office, at: beijing("2026-11-17 10:00"))
            }?.invalidFields == ["correctionDays"])
    }

    @Test("15: a request whose correction does not come in time is closed as abandoned, with its own event", arguments: StoreBackend.underTest)
    func deemedWithdrawn(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let letter = try await request(box)
        _ = try await db.mailbox.sendCorrectionNotice(
            id: letter.id, text: "请补充申请内容", correctionDays: 10, actor: box.office, at: beijing("2026-11-04 10:00"))
        let early = await storeError { _ = try await db.mailbox.deemWithdrawn(id: letter.id, actor: box.city, at: beijing("2026-11-18 17:00")) }
        #expect(early?.isConflict == true && early?.description.contains("2026-11-18") == true)
        let closed = try await db.mailbox.deemWithdrawn(id: letter.id, note: "逾期未补正", actor: box.city, at: beijing("2026-11-19 09:00"))
        #expect(closed.state == .withdrawn && !closed.state.isOpen)
        let event = try #require(try await db.mailbox.timeline(letterID: letter.id).last)
        #expect(event.kind == .withdrawn && event.note == "逾期未补正" && event.actorName == "王城")
        #expect(try await db.mailbox.openLetterDeadlines(at: beijing("2026-12-10 09:00")).rows.isEmpty)
        #expect(try await db.mailbox.markOverdueLetters(at: beijing("2026-12-10 09:00")).isEmpty)
        #expect(try await db.audit.auditEntries().contains { $0.action == "letter.deemed_withdrawn" })
    }

    @Test("15: a follow-up reopens with the policy's period, not the earlier extension", arguments: StoreBackend.underTest)
    func followUpWithoutExtension(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let letter = try await request(box)
        _ = try await db.mailbox.extendLetter(id: letter.id, workingDays: 10, notice: "延期", actor: box.reviewer, at: beijing("2026-11-03 10:00"))
        _ = try await box.reply(letter, at: "2026-11-10 10:00")
        _ = try await db.mailbox.rateLetter(number: letter.number, rating: .unsatisfied, at: beijing("2026-11-11 09:00"))
        let reopened = try await db.mailbox.followUp(number: letter.number, text: "答复不完整", at: beijing("2026-11-12 09:00"))
        #expect(reopened.dueOn == due(20, after: "2026-11-12"))
        #expect(reopened.extensionWorkingDays == nil)
    }

    // MARK: 16. Backdated clock events

    @Test("16: a clock event carries the day it happened, up to 3 working days back, with recorder and recording time kept", arguments: StoreBackend.underTest)
    func backdatedEvents(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let letter = try await request(box)
        let monday = beijing("2026-11-09 10:00")
        // The consultation letter went out on Thursday 11-05; recorded Monday.
        #expect(
            await storeError {
                _ = try await db.mailbox.pauseLetter(
                    id: letter.id, reason: .thirdParty, note: "征求意见", entry: ClockEntry(on: civil("2026-11-03")), actor: box.city,
                    at: monday)
            }?.invalidFields == ["on"])
        #expect(
            await storeError {
                _ = try await db.mailbox.pauseLetter(
                    id: letter.id, reason: .thirdParty, note: "征求意见", entry: ClockEntry(on: civil("2026-11-10")), actor: box.city,
                    at: monday)
            }?.invalidFields == ["on"])
        _ = try await db.mailbox.pauseLetter(
            id: letter.id, reason: .thirdParty, note: "征求意见", entry: ClockEntry(on: civil("2026-11-05")), actor: box.city, at: monday)
        let event = try #require(try await db.mailbox.timeline(letterID: letter.id).last)
        #expect(event.clockOn == "2026-11-05" && event.recordedAt == monday && event.actorName == "王城")
        // The clock counts from the day it happened: 3 working days used, not 5.
        #expect(try await db.mailbox.openLetterDeadlines(at: monday).rows.first?.workingDaysLeft == 17)
        // A resume may not come before the pause.
        #expect(
            await storeError {
                _ = try await db.mailbox.resumeLetter(id: letter.id, entry: ClockEntry(on: civil("2026-11-04")), actor: box.city, at: monday)
            }?.invalidFields == ["on"])
        let resumed = try await db.mailbox.resumeLetter(
            id: letter.id, entry: ClockEntry(on: civil("2026-11-10"), note: "第三方已答复"), actor: box.city, at: beijing("2026-11-12 10:00"))
        #expect(resumed.dueOn == due(17, after: "2026-11-10"))
    }

    // MARK: 17. Information disclosure and reassignment

    @Test("17: information-disclosure periods never exceed 20 working days, in the store and in the schema", arguments: StoreBackend.underTest)
    func disclosurePolicyCap(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        #expect(
            await storeError {
                try await db.mailbox.setDeadlinePolicy(type: .informationDisclosure, departmentID: nil, workingDays: 21, actor: cliActor, at: testStart)
            }?.invalidFields == ["workingDays"])
        #expect(
            await storeError {
                try await db.mailbox.setDeadlinePolicy(
                    type: .informationDisclosure, departmentID: box.cityID, workingDays: 365, actor: cliActor, at: testStart)
            }?.invalidFields == ["workingDays"])
        try await db.mailbox.setDeadlinePolicy(type: .informationDisclosure, departmentID: box.cityID, workingDays: 15, actor: cliActor, at: testStart)
        try await db.mailbox.setDeadlinePolicy(type: .complaint, departmentID: nil, workingDays: 30, actor: cliActor, at: testStart)
        await expectRefused(
            db, "UPDATE deadline_policy SET working_days = 25 WHERE letter_type = 'information_disclosure' AND department_id IS NULL")
    }

    @Test("17: an unclear request gets a correction notice, not a no_content rejection; rejections are limited per type", arguments: StoreBackend.underTest)
    func rejectionsPerType(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let now = beijing("2026-11-03 09:00")
        let disclosure = try await box.submit(.informationDisclosure, at: "2026-11-02 09:00")
        for reason in [TriageRejection.noContent, .abusive] {
            let error = await storeError {
                _ = try await db.mailbox.rejectLetter(id: disclosure.id, reason: reason, actor: box.office, at: now)
            }
            #expect(error?.invalidFields == ["reason"])
        }
        #expect(try await db.mailbox.rejectLetter(id: disclosure.id, reason: .duplicate, actor: box.office, at: now).state == .rejected)
        let complaint = try await box.submit(.complaint, at: "2026-11-02 09:00")
        #expect(try await db.mailbox.rejectLetter(id: complaint.id, reason: .noContent, actor: box.office, at: now).state == .rejected)
    }

    @Test("17: assigning or reassigning an overdue letter never moves its deadline or clears overdue", arguments: StoreBackend.underTest)
    func reassignmentKeepsTheDeadline(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let start = beijing("2026-11-02 10:00")
        // 教育处 answers consultations in 10 working days
        try await db.mailbox.setDeadlinePolicy(type: .consultation, departmentID: box.educationID, workingDays: 10, actor: cliActor, at: start)
        let assigned = try await box.submit(.consultation, at: "2026-11-02 09:00")
        let waiting = try await box.submit(.consultation, at: "2026-11-02 09:00")
        for letter in [assigned, waiting] { _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: start) }
        _ = try await db.mailbox.assignLetter(id: assigned.id, lead: box.cityID, actor: box.office, at: start)
        // Due 11-09; overdue on 11-11
        #expect(try await db.mailbox.markOverdueLetters(at: beijing("2026-11-11 08:00")).count == 2)
        let later = beijing("2026-11-11 10:00")
        let reassigned = try await db.mailbox.assignLetter(id: assigned.id, lead: box.educationID, actor: box.office, at: later)
        #expect(reassigned.dueOn == "2026-11-09" && reassigned.overdue && reassigned.policyDays == 5)
        let late = try await db.mailbox.assignLetter(id: waiting.id, lead: box.educationID, actor: box.office, at: later)
        #expect(late.dueOn == "2026-11-09" && late.overdue && late.policyDays == 5)
    }

    // MARK: 18. Provisional dates

    @Test("18: a deadline in the last week of December is provisional until the next year's notice", arguments: StoreBackend.underTest)
    func lateDecemberDeadline(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        // 5 working days after Monday 12-14: Monday 12-21, final.
        #expect(try await box.submit(.consultation, at: "2026-12-14 09:00").dueProvisional == false)
        // After Monday 12-21: Monday 12-28, which the 2027 notice may move.
        let december = try await box.submit(.consultation, at: "2026-12-21 09:00")
        #expect(december.dueOn == "2026-12-28" && december.dueProvisional)
    }

    @Test("18: replied letters and their replies are recomputed after a calendar import", arguments: StoreBackend.underTest)
    func repliedLettersAreRecomputed(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        // A complaint of Monday 12-14 is due 2027-01-05, provisionally
        let letter = try await box.submit(.complaint, at: "2026-12-14 09:00")
        #expect(letter.dueOn == "2027-01-05" && letter.dueProvisional)
        let replied = try await box.reply(letter, at: "2026-12-30 10:00")
        #expect(replied.replies.first?.dueOn == "2027-01-05" && replied.replies.first?.dueProvisional == true)
        // When the 2027 notice gives 01-04 off too
        let notice = try HolidayNotice(
            year: 2027,
            days: [
                .init(date: civil("2027-01-01"), name: "元旦", isOffDay: true), .init(date: civil("2027-01-04"), name: "元旦", isOffDay: true),
            ])
        try await db.calendar.importHolidayNotice(notice, source: "test", actor: cliActor, at: beijing("2027-01-02 09:00"))
        // Then the replied letter's deadline and its reply's are final
        let after = try await db.mailbox.letter(id: letter.id)
        #expect(after.dueOn == "2027-01-06" && !after.dueProvisional)
        #expect(after.replies.first?.dueOn == "2027-01-06" && after.replies.first?.dueProvisional == false)
    }

    // MARK: 19. Replies kept

    @Test("19: a follow-up's reply does not overwrite the first; both are published with their own dates; 受理日期 is the acceptance", arguments: StoreBackend.underTest)
    func bothRepliesPublished(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let letter = try await box.submit(.complaint, at: "2026-11-02 09:00", mayPublish: true)
        _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: beijing("2026-11-03 09:00"))
        let first = try await box.reply(letter, at: "2026-11-10 10:00")
        _ = try await db.moderation.decideModeration(
            id: try #require(first.moderationItemId), .approve(override: false), by: box.moderator, allowedReasons: [],
            at: beijing("2026-11-10 11:00"))
        _ = try await db.mailbox.rateLetter(number: letter.number, rating: .unsatisfied, at: beijing("2026-11-11 09:00"))
        _ = try await db.mailbox.followUp(number: letter.number, text: "路灯又坏了", at: beijing("2026-11-12 09:00"))
        _ = try await db.mailbox.draftReply(id: letter.id, body: "已再次维修，并加装巡检。", actor: box.city, at: beijing("2026-11-16 09:00"))
        let second = try await db.mailbox.signOff(
            id: letter.id, approve: true, comment: nil, filter: plainFilter, actor: box.reviewer, at: beijing("2026-11-16 10:00"))
        #expect(second.replies.map(\.round) == [1, 2])
        #expect(second.replies.map(\.body) == ["您好，已处理。", "已再次维修，并加装巡检。"])
        #expect(second.replies.map(\.repliedOn) == ["2026-11-10", "2026-11-16"])
        #expect(second.replies.first?.rating == .unsatisfied && second.replies.last?.rating == nil)

        let published = try #require(try await db.mailbox.publishedLetter(id: letter.id))
        #expect(published.receivedOn == "2026-11-02" && published.acceptedOn == "2026-11-03")
        #expect(published.reply == "您好，已处理。" && published.repliedOn == "2026-11-10")
        #expect(published.replies.map(\.repliedOn) == ["2026-11-10", "2026-11-16"])
        #expect(published.replies.map(\.department) == ["城建处", "城建处"])
        // Search finds the follow-up's reply too.
        #expect(try await db.mailbox.searchLetters("巡检", limit: 10, offset: 0).ids == [letter.id])
    }

    // MARK: 21. Transfer within one working day

    @Test("21: letters waiting for triage show their transfer deadline; transfers are counted against it", arguments: StoreBackend.underTest)
    func transferDeadline(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        // Friday 11-06: transfer by Monday 11-09
        let friday = try await box.submit(.complaint, at: "2026-11-06 09:00")
        let monday = try await box.submit(.complaint, at: "2026-11-09 09:00")
        #expect(friday.transferDueOn == "2026-11-09")
        let queue = try await db.mailbox.triageQueue(at: beijing("2026-11-10 09:00"))
        #expect(queue.rows.map(\.letterId) == [friday.id, monday.id])
        #expect(queue.rows.map(\.late) == [true, false] && queue.total == 2 && queue.late == 1)
        let row = try #require(try await db.mailbox.openLetterDeadlines(at: beijing("2026-11-10 09:00")).rows.first { $0.letterId == friday.id })
        #expect(row.transferDueOn == "2026-11-09")
        _ = try await db.mailbox.transferLetter(id: friday.id, to: "市公安局", actor: box.office, at: beijing("2026-11-10 09:00"))
        _ = try await db.mailbox.transferLetter(id: monday.id, to: "市公安局", actor: box.office, at: beijing("2026-11-10 09:00"))
        let transfers = try await db.mailbox.transferStatistics(from: civil("2026-11-01"), to: civil("2026-11-30"))
        #expect(transfers == TransferStatistics(transferred: 2, withinDeadline: 1))
    }

    // MARK: 22. Median working days

    @Test("22: the median working days to reply leaves out paused and correction time", arguments: StoreBackend.underTest)
    func medianExcludesStoppedTime(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        let paused = try await request(box)
        _ = try await db.mailbox.pauseLetter(id: paused.id, reason: .thirdParty, note: "征求意见", actor: box.city, at: beijing("2026-11-05 10:00"))
        _ = try await db.mailbox.resumeLetter(id: paused.id, actor: box.city, at: beijing("2026-11-12 10:00"))
        _ = try await box.reply(paused, at: "2026-11-20 10:00")
        let corrected = try await request(box)
        _ = try await db.mailbox.sendCorrectionNotice(
            id: corrected.id, text: "请补正", correctionDays: 10, actor: box.office, at: beijing("2026-11-04 10:00"))
        _ = try await db.mailbox.correctedRequestReceived(id: corrected.id, actor: box.city, at: beijing("2026-11-16 10:00"))
        _ = try await box.reply(corrected, at: "2026-11-20 10:00")
        // 14 working days from 11-02 to 11-20 less 5 paused; 4 from the
        // corrected request.
        #expect(try await db.mailbox.letter(id: paused.id).replies.first?.workingDays == 9)
        #expect(try await db.mailbox.letter(id: corrected.id).replies.first?.workingDays == 4)
        let statistics = try await db.mailbox.departmentStatistics(from: civil("2026-11-01"), to: civil("2026-11-30"))
        #expect(statistics.first?.medianWorkingDaysToReply == 6.5)
    }

    // MARK: 12. Bounded deadline lists

    @Test("12: deadline lists come in pages of at most 200 rows, with a count", arguments: StoreBackend.underTest)
    func pagedDeadlines(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        let db = box.db
        for _ in 0..<5 { try await box.submit(.complaint, at: "2026-11-02 09:00") }
        let now = beijing("2026-11-03 09:00")
        let first = try await db.mailbox.openLetterDeadlines(limit: 2, at: now)
        let last = try await db.mailbox.openLetterDeadlines(limit: 2, offset: 4, at: now)
        #expect(first.rows.count == 2 && first.more)
        #expect(last.rows.count == 1 && !last.more)
        #expect(try await db.mailbox.countOpenLetterDeadlines(at: now) == 5)
        #expect(try await db.mailbox.openDeadlineYears() == [2026])
        #expect(await storeError { _ = try await db.mailbox.openLetterDeadlines(limit: 201, at: now) }?.invalidFields == ["limit"])
        #expect(await storeError { _ = try await db.mailbox.openLetterDeadlines(limit: 0, at: now) }?.invalidFields == ["limit"])
    }
}

/// SQLite only: these test SQLite's own migration history (v6 → v9, a CHECK
/// list rewritten in `sqlite_master`); PostgreSQL's schema starts at the
/// final SQLite schema (`PostgresMigrations`).
@Suite("Mailbox: migration v9-reply-clock")
struct ReplyClockMigrationTests {
    @Test("a CHECK list is widened in place, never narrowed")
    func widenCheckList() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: #"CREATE TABLE t (id INTEGER PRIMARY KEY, "state" TEXT CHECK ("state" IN ('a', 'b')))"#)
            try db.execute(sql: "INSERT INTO t (state) VALUES ('a')")
            try SchemaChanges.widenCheckList(db, table: "t", column: "state", to: ["a", "b", "c"])
            try db.execute(sql: "INSERT INTO t (state) VALUES ('c')")
            #expect(throws: DatabaseError.self) { try db.execute(sql: "INSERT INTO t (state) VALUES ('d')") }
            // A list that lacks a value already allowed keeps it: on a fresh
            // database an earlier migration may have allowed more already.
            try SchemaChanges.widenCheckList(db, table: "t", column: "state", to: ["a", "c"])
            try db.execute(sql: "INSERT INTO t (state) VALUES ('b')")
            try SchemaChanges.widenCheckList(db, table: "t", column: "state", to: ["e"])
            try db.execute(sql: "INSERT INTO t (state) VALUES ('e')")
            #expect(throws: DatabaseError.self) { try db.execute(sql: "INSERT INTO t (state) VALUES ('d')") }
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
    }

    @Test("a database of v6 keeps both replies of a followed-up letter, its acceptance date, and caps disclosure periods")
    func upgradeKeepsReplies() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-v7-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = try DatabasePool(path: directory.appendingPathComponent("old.sqlite").path)
        // Given a database as v6 left it, with the old state list
        try AppDatabase.migrator.migrate(pool, upTo: "v6-letter-search")
        try pool.write { db in
            // (v5 took its lists from the code of the day: a fresh file has
            // today's, so put back the list v5 had when it landed.)
            let sql = try #require(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'letter'"))
            let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(
                sql: "UPDATE sqlite_master SET sql = ? WHERE name = 'letter'", arguments: [sql.replacing("'replied', 'withdrawn'", with: "'replied'")])
            try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
            try db.execute(sql: "PRAGMA writable_schema = OFF")
            try db.execute(
                sql: """
                    INSERT INTO department (id, name, created_at) VALUES (1, '城建处', '2026-11-01 00:00:00.000');
                    INSERT INTO staff_user (id, username, display_name, role, department_id, password_hash, password_changed_at, created_at)
                    VALUES (1, 'city', '王城', 'handler', 1, 'x', '2026-11-01 00:00:00.000', '2026-11-01 00:00:00.000');
                    INSERT INTO letter (id, number, type, subject, body, author_name, phone, may_publish, password_hash, state,
                        received_at, received_on, policy_days, due_on, lead_department_id, reply_body, replied_at, replied_on,
                        reply_department_id, follow_up_used, follow_up_text, created_at, updated_at)
                    VALUES (1, '2026-000001', 'complaint', '路灯', '路灯坏了', '张三', '13812345678', 0, 'h', 'replied',
                        '2026-11-02 01:00:00.000', '2026-11-02', 15, '2026-12-03', 1, '第二次答复', '2026-11-16 02:00:00.000',
                        '2026-11-16', 1, 1, '又坏了', '2026-11-02 01:00:00.000', '2026-11-16 02:00:00.000');
                    INSERT INTO letter_draft (letter_id, body, drafted_by, drafted_at, review_state, reviewed_by, reviewed_at)
                    VALUES (1, '第一次答复', 1, '2026-11-10 01:00:00.000', 'signed_off', 1, '2026-11-10 02:00:00.000'),
                           (1, '第二次答复', 1, '2026-11-16 01:00:00.000', 'signed_off', 1, '2026-11-16 02:00:00.000');
                    INSERT INTO letter_event (letter_id, kind, actor_id, actor_name, note, recorded_at) VALUES
                        (1, 'accepted', 1, '王城', NULL, '2026-11-02 17:00:00.000'),
                        (1, 'rated', NULL, 'citizen', 'unsatisfied', '2026-11-11 01:00:00.000');
                    INSERT INTO deadline_policy (letter_type, department_id, working_days) VALUES ('information_disclosure', 1, 30);
                    """)
        }
        // When it opens with this version
        let database = try AppDatabase(pool)
        try database.writer.read { db in
            let replies = try Row.fetchAll(db, sql: "SELECT round, body, replied_on, rating FROM letter_reply ORDER BY round")
            #expect(replies.map { $0["body"] as String } == ["第一次答复", "第二次答复"])
            #expect(replies.map { $0["replied_on"] as String } == ["2026-11-10", "2026-11-16"])
            #expect(replies.map { $0["rating"] as String? } == ["unsatisfied", nil])
            // Recorded 17:00 UTC on 11-02 is 01:00 on 11-03 in Beijing.
            #expect(try String.fetchOne(db, sql: "SELECT accepted_on FROM letter WHERE id = 1") == "2026-11-03")
            #expect(try Int.fetchOne(db, sql: "SELECT working_days FROM deadline_policy WHERE department_id = 1") == 20)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
        // And the new state is accepted by the old table
        try database.writer.write { db in
            try db.execute(sql: "UPDATE letter SET state = 'withdrawn' WHERE id = 1")
        }
        #expect(try database.writer.read { db in try String.fetchOne(db, sql: "SELECT state FROM letter") } == "withdrawn")
    }
}
