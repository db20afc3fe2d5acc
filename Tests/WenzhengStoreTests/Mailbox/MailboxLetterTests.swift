import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

@Suite("Mailbox: submitting and handling letters")
struct MailboxLetterTests {
    @Test("a submitted letter gets a number, its type's deadline on the shipped calendar, and a timeline", arguments: StoreBackend.underTest)
    func submit(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        // Given a complaint received on Friday 2026-09-18, before 中秋 and 国庆
        let (letter, created) = try await box.db.mailbox.submitLetter(
            box.newLetter(.complaint, subject: " 小区路灯\n不亮 ", key: "form-1"), passwordHash: "$2b$hash",
            at: beijing("2026-09-18 10:00"))
        // Then it is stored with a random number in the year and 15 working days
        // counted on the calendar (09-20 is a make-up working day; 09-25…27
        // and 10-01…07 are off; 10-10 is worked)
        #expect(created)
        #expect(letter.number.wholeMatch(of: /2026-[1-9]\d{8}/) != nil)
        #expect(letter.state == .received)
        #expect(letter.subject == "小区路灯 不亮")
        #expect(letter.receivedOn == "2026-09-18")
        #expect(letter.policyDays == 15)
        #expect(letter.dueOn == "2026-10-15")
        #expect(!letter.dueProvisional && !letter.clockPaused && !letter.overdue)
        #expect(try await box.kinds(letter) == [.submitted])
        #expect(try await box.db.mailbox.timeline(letterID: letter.id).first?.actorName == "citizen")

        // And an information-disclosure request the same day has 20 working days.
        let request = try await box.submit(.informationDisclosure, at: "2026-09-18 11:00")
        #expect(request.dueOn == "2026-10-22")
        #expect(request.number.wholeMatch(of: /2026-[1-9]\d{8}/) != nil)
        let consultation = try await box.submit(.consultation, at: "2026-09-18 12:00")
        #expect(consultation.dueOn == "2026-09-24")

        // And the query finds it by number with the password hash.
        let query = try await box.db.mailbox.letterForQuery(number: " \(letter.number) ")
        #expect(query?.0.id == letter.id)
        #expect(query?.passwordHash == "$2b$hash")
        #expect(try await box.db.mailbox.letterForQuery(number: "2026-999999") == nil)
    }

    @Test("the same idempotency key twice is one letter; with other content it is refused", arguments: StoreBackend.underTest)
    func idempotency(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let first = try await box.db.mailbox.submitLetter(box.newLetter(key: "k-1"), passwordHash: "$2b$first", at: beijing("2026-11-02 09:00"))
        // When the form is submitted again with the same key
        let again = try await box.db.mailbox.submitLetter(box.newLetter(key: "k-1"), passwordHash: "$2b$second", at: beijing("2026-11-02 09:01"))
        // Then the first letter comes back, unchanged, and nothing is stored
        #expect(first.created && !again.created)
        #expect(again.letter == first.letter)
        #expect(try await box.db.mailbox.letterForQuery(number: first.letter.number)?.passwordHash == "$2b$first")
        #expect(try await box.db.mailbox.letters().count == 1)
        #expect(try await box.kinds(first.letter) == [.submitted])
        // But the same key with any other content is refused, and stores nothing.
        for changed in [
            box.newLetter(body: "另一封信的正文", key: "k-1"), box.newLetter(author: "李四", key: "k-1"),
            box.newLetter(phone: "13900001111", key: "k-1"), box.newLetter(.consultation, key: "k-1"),
            box.newLetter(mayPublish: true, key: "k-1"),
        ] {
            await #expect(throws: LetterIdempotencyKeyReused.self) {
                try await box.db.mailbox.submitLetter(changed, passwordHash: "$2b$third", at: beijing("2026-11-02 09:01"))
            }
        }
        // Surrounding spaces are not content.
        let spaced = box.newLetter(subject: " 小区路灯不亮 ", key: "k-1")
        #expect(try await box.db.mailbox.submitLetter(spaced, passwordHash: "$2b$x", at: beijing("2026-11-02 09:01")).letter == first.letter)
        #expect(try await box.db.mailbox.letters().count == 1)
        // And a different key is a different letter.
        let other = try await box.db.mailbox.submitLetter(box.newLetter(key: "k-2"), passwordHash: "$2b$x", at: beijing("2026-11-02 09:02"))
        #expect(other.created && other.letter.number != first.letter.number)
    }

    @Test("numbers carry the year in Beijing time and are random, not a sequence; old sequence numbers still work", arguments: StoreBackend.underTest)
    func numbersAreRandom(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let a = try await box.submit(at: "2026-12-31 23:59")
        let b = try await box.submit(at: "2027-01-01 00:01")
        #expect(a.number.hasPrefix("2026-") && b.number.hasPrefix("2027-"))
        #expect(b.receivedOn == "2027-01-01")
        var numbers: [String] = []
        for _ in 0..<30 { numbers.append(try await box.submit(at: "2026-11-02 09:00").number) }
        #expect(Set(numbers).count == 30)
        let suffixes = numbers.map { Int($0.dropFirst(5))! }
        #expect(suffixes.allSatisfy { (100_000_000...999_999_999).contains($0) })
        // Not consecutive, nor in order: knowing one tells nothing of the next.
        #expect(zip(suffixes, suffixes.dropFirst()).allSatisfy { abs($0 - $1) > 1 })
        #expect(suffixes != suffixes.sorted())
        // A letter numbered before the change keeps its number and is found by it.
        try await box.db.rawExecute("UPDATE letter SET number = '2026-000123' WHERE id = \(a.id)")
        #expect(try await box.db.mailbox.letterForQuery(number: "2026-000123")?.0.id == a.id)
    }

    @Test("every field's problem is reported at once", arguments: StoreBackend.underTest)
    func validation(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        var letter = box.newLetter(subject: String(repeating: "长", count: 101), body: "  ", author: "", phone: nil, email: nil)
        var error = await storeError { _ = try await box.db.mailbox.submitLetter(letter, passwordHash: "h", at: testStart) }
        #expect(error?.invalidFields == ["subject", "body", "authorName", "phone"])

        letter = box.newLetter(phone: "call me", email: "not-an-address")
        error = await storeError { _ = try await box.db.mailbox.submitLetter(letter, passwordHash: "h", at: testStart) }
        #expect(error?.invalidFields == ["phone", "email"])

        // An e-mail address alone is enough.
        letter = box.newLetter(phone: nil, email: "zhang@example.cn")
        #expect(try await box.db.mailbox.submitLetter(letter, passwordHash: "h", at: testStart).created)

        // A letter to publish must fit the moderation queue with its subject.
        letter = box.newLetter(body: String(repeating: "字", count: LetterRules.bodyMaxLength), mayPublish: true)
        error = await storeError { _ = try await box.db.mailbox.submitLetter(letter, passwordHash: "h", at: testStart) }
        #expect(error?.invalidFields == ["body"])
        letter.mayPublish = false
        #expect(try await box.db.mailbox.submitLetter(letter, passwordHash: "h", at: testStart).created)
    }

    @Test("accept, assign, draft, send back, draft again, sign off, publish after moderation", arguments: StoreBackend.underTest)
    func lifecycle(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        // Given a complaint whose author agreed to publication, naming
        // themselves and their phone in the text
        let letter = try await box.submit(
            at: "2026-09-18 10:00", mayPublish: true, body: "我是张三，电话13812345678，小区门口的路灯坏了三个月。")

        // When the office accepts it and assigns it to 城建处 with 教育处 co-handling
        _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: beijing("2026-09-18 11:00"))
        let assigned = try await db.mailbox.assignLetter(
            id: letter.id, lead: box.cityID, coHandlers: [CoHandler(departmentID: box.educationID, dueOn: civil("2026-10-09"))],
            actor: box.office, at: beijing("2026-09-21 09:00"))
        #expect(assigned.state == .assigned)
        #expect(assigned.leadDepartment?.name == "城建处")
        #expect(assigned.coHandlers.map(\.department) == ["教育处"])
        #expect(assigned.coHandlers.first?.dueOn == "2026-10-09")

        // Then a handler of the co-handling department may not draft the reply
        let forbidden = await storeError {
            _ = try await db.mailbox.draftReply(id: letter.id, body: "答复", actor: box.education, at: beijing("2026-09-22 09:00"))
        }
        #expect(forbidden?.isForbidden == true)

        // And the lead department's handler drafts, the reviewer sends it back
        _ = try await db.mailbox.draftReply(id: letter.id, body: "张三您好：正在协调。", actor: box.city, at: beijing("2026-09-22 09:00"))
        let noComment = await storeError {
            _ = try await db.mailbox.signOff(
                id: letter.id, approve: false, comment: " ", filter: plainFilter, actor: box.reviewer, at: beijing("2026-09-22 10:00"))
        }
        #expect(noComment?.invalidFields == ["comment"])
        let returned = try await db.mailbox.signOff(
            id: letter.id, approve: false, comment: "请写明维修时间", filter: plainFilter, actor: box.reviewer,
            at: beijing("2026-09-22 10:00"))
        #expect(returned.state == .assigned)

        // And the second draft is signed off
        _ = try await db.mailbox.draftReply(
            id: letter.id, body: "张三您好：路灯已于9月28日修复。", actor: box.city, at: beijing("2026-09-23 09:00"))
        let replied = try await db.mailbox.signOff(
            id: letter.id, approve: true, comment: "同意", filter: plainFilter, actor: box.reviewer, at: beijing("2026-09-29 16:00"))
        #expect(replied.state == .replied)
        #expect(replied.replyBody == "张三您好：路灯已于9月28日修复。")
        #expect(replied.repliedOn == "2026-09-29")
        #expect(replied.replyDepartment?.name == "城建处")
        #expect(replied.canRate)
        let itemID = try #require(replied.moderationItemId)

        // Then it waits for moderation, masked with the author's name
        let item = try await db.moderation.moderationItem(id: itemID)
        #expect(item.kind == .letter)
        #expect(item.text.hasPrefix("小区路灯不亮\n"))
        #expect(!item.maskedText.contains("张三") && !item.maskedText.contains("13812345678"))
        #expect(try await db.mailbox.publishedLetters().isEmpty)

        // When the moderator approves it, it is published
        _ = try await db.moderation.decideModeration(
            id: itemID, .approve(override: false), by: box.moderator, allowedReasons: [], at: beijing("2026-09-30 09:00"))
        #expect(try await db.mailbox.letter(id: letter.id).publishedAt == beijing("2026-09-30 09:00"))
        let published = try await db.mailbox.publishedLetters()
        #expect(published.count == 1)
        let page = try #require(published.first)
        #expect(page.subject == "小区路灯不亮")
        #expect(page.body.hasSuffix("小区门口的路灯坏了三个月。"))
        #expect(!page.body.contains("张三") && !page.body.contains("13812345678"))
        #expect(page.reply.hasSuffix("您好：路灯已于9月28日修复。") && !page.reply.contains("张三"))
        #expect(page.receivedOn == "2026-09-18" && page.repliedOn == "2026-09-29" && page.replyDepartment == "城建处")
        #expect(try await db.mailbox.publishedLetter(id: letter.id) == page)

        // And the timeline, the drafts and the audit log tell the story.
        #expect(
            try await box.kinds(letter) == [.submitted, .accepted, .assigned, .drafted, .returned, .drafted, .signedOff, .published])
        let timeline = try await db.mailbox.timeline(letterID: letter.id)
        #expect(timeline[2].note == "城建处; 协办: 教育处")
        #expect(timeline[4].note == "请写明维修时间" && timeline[4].actorName == "钱领导")
        #expect(timeline[7].actorName == "审核员")
        let drafts = try await db.mailbox.letterDrafts(letterID: letter.id)
        #expect(drafts.map(\.reviewState) == [.returned, .signedOff])
        #expect(drafts.map(\.draftedBy) == ["王城", "王城"])
        #expect(drafts.first?.reviewComment == "请写明维修时间")
        let actions = try await db.audit.auditEntries().filter { $0.subjectType == "letter" }.map(\.action)
        #expect(Set(actions) == ["letter.accept", "letter.assign", "letter.draft", "letter.return", "letter.sign_off"])
    }

    @Test("a rejected publication and a letter not to be published stay off the public page", arguments: StoreBackend.underTest)
    func publicationRefused(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let publishable = try await box.reply(try await box.submit(at: "2026-11-02 09:00", mayPublish: true), at: "2026-11-03 10:00")
        let unpublishable = try await box.reply(try await box.submit(at: "2026-11-02 09:00"), at: "2026-11-03 10:00")
        #expect(unpublishable.moderationItemId == nil)
        _ = try await box.db.moderation.decideModeration(
            id: publishable.moderationItemId!, .reject(reasonCode: "abuse", note: nil), by: box.moderator,
            allowedReasons: ["abuse"], at: beijing("2026-11-04 09:00"))
        #expect(try await box.db.mailbox.letter(id: publishable.id).publishedAt == nil)
        #expect(try await box.db.mailbox.publishedLetters().isEmpty)
        #expect(try await !box.kinds(publishable).contains(.published))
    }

    @Test("actions in the wrong state are conflicts", arguments: StoreBackend.underTest)
    func wrongState(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let now = beijing("2026-11-02 10:00")
        let letter = try await box.submit(at: "2026-11-02 09:00")
        // Not accepted yet: no assignment, no draft, no sign-off, no rating
        #expect(
            await storeError { _ = try await db.mailbox.assignLetter(id: letter.id, lead: box.cityID, actor: box.office, at: now) }?.isConflict
                == true)
        #expect(
            await storeError { _ = try await db.mailbox.draftReply(id: letter.id, body: "x", actor: box.reviewer, at: now) }?.isConflict == true)
        #expect(
            await storeError {
                _ = try await db.mailbox.signOff(id: letter.id, approve: true, comment: nil, filter: plainFilter, actor: box.reviewer, at: now)
            }?.isConflict == true)
        #expect(await storeError { _ = try await db.mailbox.rateLetter(number: letter.number, rating: .satisfied, at: now) }?.isConflict == true)
        #expect(await storeError { _ = try await db.mailbox.followUp(number: letter.number, text: "再问", at: now) }?.isConflict == true)
        // Accepting twice
        _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: now)
        #expect(await storeError { _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: now) }?.isConflict == true)
        // Only information-disclosure requests are answered on the spot
        #expect(
            await storeError {
                _ = try await db.mailbox.replyOnTheSpot(id: letter.id, body: "x", filter: plainFilter, actor: box.office, at: now)
            }?.isConflict == true)
        // A replied letter cannot be rejected or transferred
        let replied = try await box.reply(letter, at: "2026-11-03 10:00")
        #expect(
            await storeError { _ = try await db.mailbox.rejectLetter(id: replied.id, reason: .duplicate, actor: box.office, at: now) }?.isConflict
                == true)
        #expect(
            await storeError { _ = try await db.mailbox.transferLetter(id: replied.id, to: "市信访局", actor: box.office, at: now) }?.isConflict == true
        )
        // And a missing letter is not found.
        let missing = await storeError { _ = try await db.mailbox.acceptLetter(id: 999, actor: box.office, at: now) }
        #expect(missing == .notFound(kind: "letter", key: "999"))
    }

    @Test("who may do what", arguments: StoreBackend.underTest)
    func permissions(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let now = beijing("2026-11-02 10:00")
        let letter = try await box.submit(at: "2026-11-02 09:00")
        // Triage belongs to the office and admins
        #expect(await storeError { _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.city, at: now) }?.isForbidden == true)
        #expect(await storeError { _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.host, at: now) }?.isForbidden == true)
        _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.admin, at: now)
        _ = try await db.mailbox.assignLetter(id: letter.id, lead: box.cityID, actor: box.office, at: now)
        // Drafting belongs to the lead department (and reviewers, admins)
        #expect(await storeError { _ = try await db.mailbox.draftReply(id: letter.id, body: "x", actor: box.office, at: now) }?.isForbidden == true)
        #expect(
            await storeError { _ = try await db.mailbox.draftReply(id: letter.id, body: "x", actor: box.moderator, at: now) }?.isForbidden == true)
        _ = try await db.mailbox.draftReply(id: letter.id, body: "答复", actor: box.city, at: now)
        // Sign-off belongs to reviewers and admins
        #expect(
            await storeError {
                _ = try await db.mailbox.signOff(id: letter.id, approve: true, comment: nil, filter: plainFilter, actor: box.city, at: now)
            }?.isForbidden == true)
        _ = try await db.mailbox.signOff(id: letter.id, approve: true, comment: nil, filter: plainFilter, actor: box.admin, at: now)
    }

    @Test("transfer and rejection close a letter with the reason in the timeline", arguments: StoreBackend.underTest)
    func triageOutcomes(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let a = try await box.submit(at: "2026-11-02 09:00")
        let transferred = try await db.mailbox.transferLetter(id: a.id, to: "市信访局", actor: box.office, at: beijing("2026-11-04 09:00"))
        #expect(transferred.state == .transferred && transferred.transferredTo == "市信访局")
        let event = try #require(try await db.mailbox.timeline(letterID: a.id).last)
        #expect(event.kind == .transferred && event.note == "市信访局" && event.clockOn == "2026-11-04" && event.clockDays == 2)

        let b = try await box.submit(at: "2026-11-02 09:00")
        let rejected = try await db.mailbox.rejectLetter(
            id: b.id, reason: .duplicate, note: "同 2026-000001", actor: box.office, at: beijing("2026-11-02 10:00"))
        #expect(rejected.state == .rejected && rejected.triageReason == .duplicate)
        #expect(try await db.mailbox.timeline(letterID: b.id).last?.note == "duplicate: 同 2026-000001")
        #expect(
            await storeError { _ = try await db.mailbox.transferLetter(id: b.id, to: " ", actor: box.office, at: testStart) }?.invalidFields == [
                "to"
            ])
    }

    @Test("assignment checks departments and co-handlers' dates; a department's own policy sets the period", arguments: StoreBackend.underTest)
    func assignment(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let now = beijing("2026-11-02 10:00")
        let letter = try await box.submit(.complaint, at: "2026-11-02 09:00")
        #expect(letter.dueOn == "2026-11-23")
        _ = try await db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: now)
        let error = await storeError {
            _ = try await db.mailbox.assignLetter(
                id: letter.id, lead: 999,
                coHandlers: [
                    CoHandler(departmentID: box.educationID, dueOn: civil("2026-10-01")),
                    CoHandler(departmentID: box.educationID, dueOn: civil("2026-12-31")),
                    CoHandler(departmentID: 998),
                ],
                actor: box.office, at: now)
        }
        #expect(error?.invalidFields == ["lead", "coHandlers[0].dueOn", "coHandlers[1]", "coHandlers[1].dueOn", "coHandlers[2]"])

        // Given 城建处 answers complaints in 10 working days
        try await db.mailbox.setDeadlinePolicy(type: .complaint, departmentID: box.cityID, workingDays: 10, actor: cliActor, at: now)
        #expect(try await db.mailbox.deadlinePolicies().map(\.workingDays) == [5, 15, 15, 20, 10])
        // When the letter is assigned to it, its period becomes 10
        let assigned = try await db.mailbox.assignLetter(
            id: letter.id, lead: box.cityID, coHandlers: [CoHandler(departmentID: box.educationID)], actor: box.office, at: now)
        #expect(assigned.policyDays == 10 && assigned.dueOn == "2026-11-16")
        #expect(assigned.coHandlers.first?.dueOn == "2026-11-16" && assigned.coHandlers.first?.ownDueDate == false)
        // And reassigning to 教育处 keeps the period and the deadline: a
        // reassignment never moves a deadline (issue 9, item 17).
        let reassigned = try await db.mailbox.assignLetter(id: letter.id, lead: box.educationID, actor: box.office, at: now)
        #expect(reassigned.policyDays == 10 && reassigned.dueOn == "2026-11-16" && reassigned.coHandlers.isEmpty)
    }

    @Test("an unsatisfied citizen's one follow-up reopens the letter with a fresh period", arguments: StoreBackend.underTest)
    func ratingAndFollowUp(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let db = box.db
        let letter = try await box.reply(try await box.submit(.complaint, at: "2026-11-02 09:00"), at: "2026-11-10 10:00")
        // A follow-up needs an unsatisfied rating first
        #expect(
            await storeError { _ = try await db.mailbox.followUp(number: letter.number, text: "还没修", at: beijing("2026-11-11 09:00")) }?.isConflict
                == true)
        let rated = try await db.mailbox.rateLetter(number: letter.number, rating: .unsatisfied, at: beijing("2026-11-11 09:00"))
        #expect(rated.rating == .unsatisfied && rated.canFollowUp)
        #expect(
            await storeError { _ = try await db.mailbox.rateLetter(number: letter.number, rating: .satisfied, at: beijing("2026-11-11 09:05")) }?
                .isConflict == true)

        // When the citizen follows up on Wednesday 2026-11-11
        let reopened = try await db.mailbox.followUp(number: letter.number, text: "路灯还是不亮", at: beijing("2026-11-11 10:00"))
        // Then it is back with 城建处, due 15 working days from that day
        #expect(reopened.state == .assigned && reopened.leadDepartment?.id == box.cityID)
        #expect(reopened.dueOn == "2026-12-02")
        #expect(reopened.followUpUsed && reopened.followUpText == "路灯还是不亮" && reopened.rating == nil)
        let event = try #require(try await db.mailbox.timeline(letterID: letter.id).last)
        #expect(event.kind == .reopened && event.clockKind == .reopened && event.clockOn == "2026-11-11" && event.actorName == "citizen")

        // And after the second reply, a second unsatisfied rating allows no
        // second follow-up.
        _ = try await box.reply(reopened, at: "2026-11-20 10:00")
        _ = try await db.mailbox.rateLetter(number: letter.number, rating: .unsatisfied, at: beijing("2026-11-21 09:00"))
        #expect(
            await storeError { _ = try await db.mailbox.followUp(number: letter.number, text: "再次", at: beijing("2026-11-21 10:00")) }?.isConflict
                == true)
        #expect(
            try await box.kinds(letter).filter { [.rated, .reopened, .signedOff].contains($0) }
                == [.signedOff, .rated, .reopened, .signedOff, .rated])
    }
}
