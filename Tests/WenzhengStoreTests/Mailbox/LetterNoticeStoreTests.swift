import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// Letter notices are written in the letter's own transaction: a notice
/// exists exactly when its change committed, goes to the department's
/// shared address (none without one), and the citizen's never holds the
/// reply. The daily digest is made once per department and office day.
@Suite("Letter notices in the store")
struct LetterNoticeStoreTests {
    static let links = LetterNoticeLinks(base: "https://wenzheng.sft.example.cn/")!

    /// A mailbox whose 办公室, 城建处 and 教育处 have shared addresses.
    func mailbox(_ backend: StoreBackend, addresses: Bool = true) async throws -> Mailbox {
        let box = try await Mailbox(on: backend, noticeLinks: Self.links)
        if addresses {
            for (name, email) in [("办公室", "bgs@sft.example.cn"), ("城建处", "cjc@sft.example.cn"), ("教育处", "jyc@sft.example.cn")] {
                try await box.db.accounts.setDepartmentNoticeAddress(department: name, email: email, actor: cliActor, at: testStart)
            }
        }
        return box
    }

    func outbox(_ box: Mailbox) async throws -> [OutboxMessage] {
        try await box.db.outboxMessages()
    }

    @Test("a department's address is validated, audited, listed and removable", arguments: StoreBackend.underTest)
    func addresses(_ backend: StoreBackend) async throws {
        let box = try await mailbox(backend, addresses: false)
        let accounts = box.db.accounts
        for bad in ["cjc", "cjc@localhost", "a b@sft.example.cn", "<cjc@sft.example.cn>", "cjc@sft.example.cn\r\nRCPT TO:<x@y.cn>"] {
            let error = await storeError { try await accounts.setDepartmentNoticeAddress(department: "城建处", email: bad, actor: cliActor, at: testStart) }
            guard case .invalid(let failure)? = error else {
                Issue.record("\(bad): \(String(describing: error))")
                continue
            }
            #expect(failure.errors.map(\.field) == ["email"])
        }
        let unknown = await storeError {
            try await accounts.setDepartmentNoticeAddress(department: "外交部", email: "a@b.cn", actor: cliActor, at: testStart)
        }
        guard case .notFound? = unknown else { Issue.record("\(String(describing: unknown))"); return }

        let set = try await accounts.setDepartmentNoticeAddress(department: " 城建处 ", email: " cjc@sft.example.cn ", actor: cliActor, at: testStart)
        #expect(set.email == "cjc@sft.example.cn" && set.name == "城建处")
        #expect(try await accounts.departmentNoticeAddresses().first { $0.name == "城建处" }?.email == "cjc@sft.example.cn")
        #expect(try await box.db.audit.auditEntries().contains { $0.action == "department.notice_email" })
        try await accounts.setDepartmentNoticeAddress(department: "城建处", email: "  ", actor: cliActor, at: testStart)
        #expect(try await accounts.departmentNoticeAddresses().allSatisfy { $0.email == nil })
    }

    @Test("a new letter tells the triaging department once; a repeated submission tells nobody again", arguments: StoreBackend.underTest)
    func received(_ backend: StoreBackend) async throws {
        let box = try await mailbox(backend)
        var letter = box.newLetter(key: "k-1")
        letter.subject = "我的邻居王五违章搭建"
        let first = try await box.db.mailbox.submitLetter(letter, passwordHash: "h", at: beijing("2026-11-02 09:00"))
        _ = try await box.db.mailbox.submitLetter(letter, passwordHash: "h", at: beijing("2026-11-02 09:01"))
        let sent = try await outbox(box)
        #expect(sent.count == 1)
        let notice = try #require(sent.first)
        #expect(notice.kind == "letter.received" && notice.recipient == "bgs@sft.example.cn")
        #expect(notice.subjectType == "letter" && notice.subjectId == String(first.letter.id))
        #expect(notice.body.contains(first.letter.number) && notice.body.contains("https://wenzheng.sft.example.cn/office/letters/\(first.letter.id)"))
        #expect(!notice.body.contains("王五") && !notice.subject.contains("王五") && !notice.body.contains("张三"))
    }

    @Test("no address, no notice", arguments: StoreBackend.underTest)
    func withoutAddress(_ backend: StoreBackend) async throws {
        let box = try await mailbox(backend, addresses: false)
        var new = box.newLetter()
        new.email = "citizen@example.cn"
        let letter = try await box.db.mailbox.submitLetter(new, passwordHash: "h", at: beijing("2026-11-02 09:00")).letter
        try await box.reply(letter, at: "2026-11-02 10:00")
        // Only the citizen, who gave an address, is told.
        #expect(try await outbox(box).map(\.kind) == ["letter.replied"])
    }

    @Test("an assignment tells each department newly given the letter; a refused one tells nobody", arguments: StoreBackend.underTest)
    func assigned(_ backend: StoreBackend) async throws {
        let box = try await mailbox(backend)
        let mailbox = box.db.mailbox
        let letter = try await box.submit(at: "2026-11-02 09:00")
        _ = try await mailbox.acceptLetter(id: letter.id, actor: box.office, at: beijing("2026-11-02 09:30"))
        let before = try await outbox(box).count

        // Refused (a co-handler that is the lead): rolled back, no notice.
        let refused = await storeError {
            _ = try await mailbox.assignLetter(
                id: letter.id, lead: box.cityID, coHandlers: [CoHandler(departmentID: box.cityID)], actor: box.office,
                at: beijing("2026-11-02 10:00"))
        }
        #expect(refused != nil)
        #expect(try await outbox(box).count == before)

        _ = try await mailbox.assignLetter(
            id: letter.id, lead: box.cityID, coHandlers: [CoHandler(departmentID: box.educationID)], actor: box.office,
            at: beijing("2026-11-02 10:00"))
        var notices = try await outbox(box).dropFirst(before)
        #expect(notices.map(\.recipient) == ["cjc@sft.example.cn", "jyc@sft.example.cn"])
        #expect(notices.allSatisfy { $0.kind == "letter.assigned" && $0.body.contains(letter.number) })
        #expect(notices.last?.body.contains("协办") == true)

        // Education becomes lead: it had the letter already; nobody is told.
        _ = try await mailbox.assignLetter(id: letter.id, lead: box.educationID, actor: box.office, at: beijing("2026-11-03 10:00"))
        #expect(try await outbox(box).count == before + 2)
        // Back to 城建处, which had lost it: told again.
        _ = try await mailbox.assignLetter(id: letter.id, lead: box.cityID, actor: box.office, at: beijing("2026-11-04 10:00"))
        notices = try await outbox(box).dropFirst(before + 2)
        #expect(notices.map(\.recipient) == ["cjc@sft.example.cn"])
    }

    @Test("the reply tells a citizen with an address: number and query link, never the reply", arguments: StoreBackend.underTest)
    func replied(_ backend: StoreBackend) async throws {
        let box = try await mailbox(backend)
        var new = box.newLetter(subject: "关于李四家门前路灯")
        new.email = "citizen@example.cn"
        let letter = try await box.db.mailbox.submitLetter(new, passwordHash: "h", at: beijing("2026-11-02 09:00")).letter
        try await box.reply(letter, at: "2026-11-03 10:00")
        let citizen = try await outbox(box).filter { $0.recipient == "citizen@example.cn" }
        #expect(citizen.count == 1)
        let notice = try #require(citizen.first)
        #expect(notice.kind == "letter.replied")
        #expect(notice.body.contains(letter.number))
        #expect(notice.body.contains("https://wenzheng.sft.example.cn/letters/query?number=\(letter.number)"))
        // `reply` answers 您好，已处理。
        #expect(!notice.body.contains("已处理") && !notice.body.contains("李四") && !notice.subject.contains("李四"))

        // Sent back for changes is no reply: nobody is told.
        let other = try await box.db.mailbox.submitLetter(new, passwordHash: "h", at: beijing("2026-11-02 09:00")).letter
        _ = try await box.db.mailbox.acceptLetter(id: other.id, actor: box.office, at: beijing("2026-11-02 10:00"))
        _ = try await box.db.mailbox.assignLetter(id: other.id, lead: box.cityID, actor: box.office, at: beijing("2026-11-02 10:00"))
        _ = try await box.db.mailbox.draftReply(id: other.id, body: "草稿", actor: box.city, at: beijing("2026-11-02 11:00"))
        _ = try await box.db.mailbox.signOff(
            id: other.id, approve: false, comment: "再改", filter: plainFilter, actor: box.reviewer, at: beijing("2026-11-02 12:00"))
        #expect(try await outbox(box).filter { $0.recipient == "citizen@example.cn" }.count == 1)
    }

    @Test("a follow-up tells the lead department, without the citizen's text; its answer tells the citizen again", arguments: StoreBackend.underTest)
    func followUp(_ backend: StoreBackend) async throws {
        let box = try await mailbox(backend)
        var new = box.newLetter()
        new.email = "citizen@example.cn"
        let letter = try await box.db.mailbox.submitLetter(new, passwordHash: "h", at: beijing("2026-11-02 09:00")).letter
        try await box.reply(letter, at: "2026-11-03 10:00")
        _ = try await box.db.mailbox.rateLetter(number: letter.number, rating: .unsatisfied, at: beijing("2026-11-04 09:00"))
        let before = try await outbox(box).count
        _ = try await box.db.mailbox.followUp(number: letter.number, text: "路灯还是不亮，赵六家也一样", at: beijing("2026-11-04 09:05"))
        let reopened = try await outbox(box).dropFirst(before)
        #expect(reopened.map(\.kind) == ["letter.reopened"] && reopened.map(\.recipient) == ["cjc@sft.example.cn"])
        #expect(reopened.first.map { $0.body.contains(letter.number) && !$0.body.contains("赵六") } == true)

        _ = try await box.db.mailbox.draftReply(id: letter.id, body: "已再次派人检修。", actor: box.city, at: beijing("2026-11-05 10:00"))
        _ = try await box.db.mailbox.signOff(
            id: letter.id, approve: true, comment: nil, filter: plainFilter, actor: box.reviewer, at: beijing("2026-11-05 11:00"))
        #expect(try await outbox(box).filter { $0.kind == "letter.replied" }.count == 2)
    }

    @Test("a reply on the spot tells the citizen too", arguments: StoreBackend.underTest)
    func repliedOnTheSpot(_ backend: StoreBackend) async throws {
        let box = try await mailbox(backend)
        var new = box.newLetter(.informationDisclosure)
        new.email = "applicant@example.cn"
        let letter = try await box.db.mailbox.submitLetter(new, passwordHash: "h", at: beijing("2026-11-02 09:00")).letter
        _ = try await box.db.mailbox.replyOnTheSpot(id: letter.id, body: "当场答复内容", filter: plainFilter, actor: box.office, at: beijing("2026-11-02 09:30"))
        let notice = try #require(try await outbox(box).first { $0.recipient == "applicant@example.cn" })
        #expect(notice.kind == "letter.replied" && !notice.body.contains("当场答复内容"))
    }

    @Test("the digest lists a department's overdue letters and those due within 2 working days, once per day", arguments: StoreBackend.underTest)
    func digest(_ backend: StoreBackend) async throws {
        let box = try await mailbox(backend)
        let mailbox = box.db.mailbox
        func assigned(_ type: LetterType, received: String, lead: Int64) async throws -> LetterView {
            let letter = try await box.submit(type, at: received)
            _ = try await mailbox.acceptLetter(id: letter.id, actor: box.office, at: beijing(received))
            return try await mailbox.assignLetter(id: letter.id, lead: lead, actor: box.office, at: beijing(received))
        }
        // Thursday 2026-11-05: a consultation (5 working days) from 26 October
        // is overdue, one from 2 November is due on the 9th (2 working days);
        // a complaint (15) from 2 November is not due yet.
        let overdue = try await assigned(.consultation, received: "2026-10-26 09:00", lead: box.cityID)
        let dueSoon = try await assigned(.consultation, received: "2026-11-02 09:00", lead: box.cityID)
        let later = try await assigned(.complaint, received: "2026-11-02 09:00", lead: box.cityID)
        let day = civil("2026-11-05")
        let now = beijing("2026-11-05 08:30")
        #expect(dueSoon.dueOn == civil("2026-11-09"))
        let before = try await outbox(box).count

        let made = try await mailbox.makeLetterDigests(day: day, at: now)
        // 办公室, 城建处 and 教育处 have addresses; only 城建处 has letters.
        #expect(made.map(\.department).sorted() == ["办公室", "城建处", "教育处"].sorted())
        let city = try #require(made.first { $0.departmentID == box.cityID })
        #expect(city.letters == 2 && city.overdue == 1 && city.outboxMessageID != nil)
        #expect(made.filter { $0.departmentID != box.cityID }.allSatisfy { $0.letters == 0 && $0.outboxMessageID == nil })

        let notices = try await outbox(box).dropFirst(before)
        #expect(notices.count == 1)
        let notice = try #require(notices.first)
        #expect(notice.kind == "letter.digest" && notice.recipient == "cjc@sft.example.cn")
        #expect(notice.body.contains(overdue.number) && notice.body.contains(dueSoon.number) && !notice.body.contains(later.number))
        #expect(notice.body.contains("https://wenzheng.sft.example.cn/office/letters/\(dueSoon.id)"))
        #expect(try await mailbox.letterDigestMade(departmentID: box.cityID, day: day))

        // Again the same day (a restart, a second check, the command line): nothing.
        #expect(try await mailbox.makeLetterDigests(day: day, at: beijing("2026-11-05 09:00")).isEmpty)
        #expect(try await outbox(box).count == before + 1)
        // The next day is a day of its own.
        #expect(try await mailbox.makeLetterDigests(day: civil("2026-11-06"), at: beijing("2026-11-06 08:30")).count == 3)
    }

    @Test("two processes making the same day's digest at once make it once", arguments: StoreBackend.underTest)
    func digestRace(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend, onFile: true)
        try await box.db.accounts.setDepartmentNoticeAddress(department: "城建处", email: "cjc@sft.example.cn", actor: cliActor, at: testStart)
        let letter = try await box.submit(.consultation, at: "2026-10-26 09:00")
        _ = try await box.db.mailbox.acceptLetter(id: letter.id, actor: box.office, at: beijing("2026-10-26 09:00"))
        _ = try await box.db.mailbox.assignLetter(id: letter.id, lead: box.cityID, actor: box.office, at: beijing("2026-10-26 09:00"))
        // The other process: its own connections to the same database.
        let other: AppDatabase
        switch box.db.backend {
        case .sqlite: other = try AppDatabase.openFile(atPath: try #require(box.db.filePath))
        case .postgres(let postgres):
            let connection = try await PostgresBackend.connect(to: postgres.location, maximumConnections: 2, migrate: false)
            other = AppDatabase.postgres(connection)
        }
        let day = civil("2026-11-05")
        let mine = box.db.mailbox
        async let first = mine.makeLetterDigests(day: day, at: beijing("2026-11-05 08:30"))
        async let second = other.mailbox.makeLetterDigests(day: day, at: beijing("2026-11-05 08:30"))
        let made = try await first + second
        #expect(made.filter { $0.departmentID == box.cityID }.count == 1)
        let digests = try await box.db.outboxMessages().filter { $0.kind == "letter.digest" }.count
        #expect(digests == 1)
    }
}
