import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// `PrivacyStore`: finding one person's data by phone or e-mail, erasing it
/// on request, and the retention pass (docs/privacy.md), on both backends
/// (a real SQLite file with migration `v19-retention`, and PostgreSQL).
///
/// The data is made through the mailbox and events stores. On PostgreSQL
/// they must be PostgreSQL stores too (the privacy store reads their
/// tables): while one is still an SQLite stand-in (issue 16 under way) the
/// PostgreSQL case fails at once and says so, rather than pass on nothing.
@Suite("Personal data: lookup, erasure, retention")
struct PrivacyStoreTests {
    static func requireRealStores(_ db: AppDatabase, mailbox: Bool = false, events: Bool = false) throws {
        guard case .postgres = db.backend else { return }
        if mailbox {
            try #require(!(db.mailbox is GRDBMailboxStore), "the mailbox store is an SQLite stand-in on this PostgreSQL database")
        }
        if events {
            try #require(!(db.events is GRDBEventsStore), "the events store is an SQLite stand-in on this PostgreSQL database")
        }
    }

    static let zhangPhone = PersonalDataRequest.phone("138-1234-5678")!
    static let zhangEmail = PersonalDataRequest.email("Zhang@Example.cn")!

    /// 张三 wrote twice (a phone typed with spaces, then an e-mail only),
    /// someone else once; the first letter is replied on 20 Nov 2026, the
    /// second still open.
    static func letters(_ mailbox: Mailbox) async throws -> (replied: LetterView, open: LetterView, other: LetterView) {
        var first = mailbox.newLetter(phone: "138 1234 5678")
        first.attachments = [
            NewAttachment(sha256: String(repeating: "a", count: 64), kind: .pdf, byteCount: 100, displayName: "材料.pdf", role: .letter)
        ]
        let replied = try await mailbox.db.mailbox.submitLetter(first, passwordHash: "$2b$hash", at: beijing("2026-11-18 10:00")).letter
        _ = try await mailbox.reply(replied, at: "2026-11-20 10:00")
        let open = try await mailbox.db.mailbox.submitLetter(
            mailbox.newLetter(author: "张三", phone: nil, email: "zhang@example.cn"), passwordHash: "$2b$hash", at: beijing("2026-11-19 10:00")
        ).letter
        let other = try await mailbox.db.mailbox.submitLetter(
            mailbox.newLetter(author: "李四", phone: "13900001111", mayPublish: true), passwordHash: "$2b$hash", at: beijing("2026-11-19 11:00")
        ).letter
        _ = try await mailbox.reply(other, at: "2026-11-20 11:00")
        return (replied, open, other)
    }

    @Test(
        "a phone number finds the letters it was given on, however it was typed; an e-mail address without regard to case",
        arguments: StoreBackend.underTest)
    func lookup(_ backend: StoreBackend) async throws {
        let mailbox = try await Mailbox(on: backend, onFile: true)
        try Self.requireRealStores(mailbox.db, mailbox: true)
        let (replied, open, _) = try await Self.letters(mailbox)
        let byPhone = try await mailbox.db.privacy.personalData(for: Self.zhangPhone, at: beijing("2026-11-21 10:00"))
        #expect(byPhone.letters.map(\.id) == [replied.id])
        #expect(byPhone.letters.first?.attachments.map(\.displayName) == ["材料.pdf"])
        #expect(byPhone.letters.first?.notErasableBecause == nil)
        let withCountryCode = try await mailbox.db.privacy.personalData(
            for: PersonalDataRequest.phone("+86 138 1234 5678")!, at: beijing("2026-11-21 10:00"))
        #expect(withCountryCode.letters.map(\.id) == [replied.id])
        let byEmail = try await mailbox.db.privacy.personalData(for: Self.zhangEmail, at: beijing("2026-11-21 10:00"))
        #expect(byEmail.letters.map(\.id) == [open.id])
        #expect(byEmail.letters.first?.notErasableBecause != nil)
        let nobody = try await mailbox.db.privacy.personalData(for: PersonalDataRequest.phone("13700000000")!, at: beijing("2026-11-21 10:00"))
        #expect(nobody.isEmpty)
    }

    @Test(
        "erasing on request blanks a closed letter's personal fields and attachments, keeps its text, leaves an open one, and is audited",
        arguments: StoreBackend.underTest)
    func eraseOnRequest(_ backend: StoreBackend) async throws {
        let mailbox = try await Mailbox(on: backend, onFile: true)
        try Self.requireRealStores(mailbox.db, mailbox: true)
        let (replied, open, other) = try await Self.letters(mailbox)
        let now = beijing("2026-11-21 10:00")
        let byPhone = try await mailbox.db.privacy.erasePersonalData(for: Self.zhangPhone, actor: cliActor, at: now)
        #expect(byPhone.lettersErased == [replied.number])
        #expect(byPhone.orphanedAttachments == [String(repeating: "a", count: 64)])
        let byEmail = try await mailbox.db.privacy.erasePersonalData(for: Self.zhangEmail, actor: cliActor, at: now)
        #expect(byEmail.lettersErased.isEmpty)
        #expect(byEmail.skipped.count == 1 && byEmail.skipped[0].contains(open.number))

        let erased = try await mailbox.db.mailbox.letter(id: replied.id)
        #expect(erased.authorName == ErasedPersonalData.name)
        #expect(erased.phone == nil && erased.email == nil)
        #expect(erased.subject == "小区路灯不亮" && erased.replyBody == "您好，已处理。")
        #expect(try await mailbox.db.mailbox.letterAttachments(letterID: replied.id).isEmpty)
        #expect(try await mailbox.db.mailbox.letter(id: open.id).email == "zhang@example.cn")
        #expect(try await mailbox.db.mailbox.letter(id: other.id).authorName == "李四")
        // Nothing is found any more, and the erasure is in the audit log.
        #expect(try await mailbox.db.privacy.personalData(for: Self.zhangPhone, at: now).letters.isEmpty)
        let audit = try await mailbox.db.audit.auditEntries().filter { $0.action == "letter.personal_data_erase" }
        #expect(audit.map(\.subjectId) == [String(replied.id)])
        #expect(audit.first?.actorName == cliActor.name)
    }

    @Test("the schema still refuses a letter without phone and e-mail unless its personal data was erased", arguments: StoreBackend.underTest)
    func schemaKeepsTheContactRule(_ backend: StoreBackend) async throws {
        let mailbox = try await Mailbox(on: backend, onFile: true)
        try Self.requireRealStores(mailbox.db, mailbox: true)
        let (replied, _, _) = try await Self.letters(mailbox)
        await #expect(throws: (any Error).self) {
            try await mailbox.db.executeRaw(sqlite: "UPDATE letter SET phone = NULL, email = NULL WHERE id = \(replied.id)")
        }
        await #expect(throws: (any Error).self) {
            try await mailbox.db.executeRaw(
                sqlite: "UPDATE letter SET author_name = '', personal_data_erased_at = CURRENT_TIMESTAMP WHERE id = \(replied.id)")
        }
        // Erased, the letter may have neither.
        try await mailbox.db.executeRaw(
            sqlite: """
                UPDATE letter SET author_name = '已删除', phone = NULL, email = NULL, personal_data_erased_at = CURRENT_TIMESTAMP
                WHERE id = \(replied.id)
                """)
    }

    @Test(
        "retention erases letters closed more than N years ago, not sooner, never open ones, audited as system:retention",
        arguments: StoreBackend.underTest)
    func retentionOfLetters(_ backend: StoreBackend) async throws {
        let mailbox = try await Mailbox(on: backend, onFile: true)
        try Self.requireRealStores(mailbox.db, mailbox: true)
        let (replied, open, other) = try await Self.letters(mailbox)
        let policy = RetentionPolicy(letterPersonalYears: 3, registrationPersonalYears: nil)
        let namesBefore = try await mailbox.db.integerRaw(sqlite: "SELECT COUNT(*) FROM moderation_item WHERE author_name = '李四'")
        #expect(namesBefore == 1, "the published letter's moderation item names its author")
        // Three years less a day after the reply: nothing yet.
        let early = try await mailbox.db.privacy.purgeExpiredPersonalData(policy: policy, at: beijing("2029-11-19 10:00"), limit: 100)
        #expect(early.isEmpty)
        // A day later both replied letters have passed; the open one stays.
        let due = try await mailbox.db.privacy.purgeExpiredPersonalData(policy: policy, at: beijing("2029-11-21 12:00"), limit: 1)
        #expect(due.lettersErased == 1)
        let rest = try await mailbox.db.privacy.purgeExpiredPersonalData(policy: policy, at: beijing("2029-11-21 12:00"), limit: 100)
        #expect(rest.lettersErased == 1)
        #expect(try await mailbox.db.mailbox.letter(id: replied.id).authorName == ErasedPersonalData.name)
        #expect(try await mailbox.db.mailbox.letter(id: other.id).phone == nil)
        #expect(try await mailbox.db.mailbox.letter(id: open.id).authorName == "张三")
        // Nothing of the name is left beside the letter, in any table.
        let names = try await mailbox.db.integerRaw(sqlite: "SELECT COUNT(*) FROM moderation_item WHERE author_name IN ('张三', '李四')")
        #expect(names == 0)
        let audit = try await mailbox.db.audit.auditEntries().filter { $0.action == "letter.personal_data_erase" }
        #expect(Set(audit.map(\.actorName)) == ["system:retention"])
        // A pass with nothing left does nothing; "keep" erases nothing.
        #expect(try await mailbox.db.privacy.purgeExpiredPersonalData(policy: policy, at: beijing("2040-01-01 00:00"), limit: 100).isEmpty)
        let keepAll = RetentionPolicy(letterPersonalYears: nil, registrationPersonalYears: nil)
        #expect(try await mailbox.db.privacy.purgeExpiredPersonalData(policy: keepAll, at: beijing("2090-01-01 00:00"), limit: 100).isEmpty)
    }

    @Test(
        "retention deletes the registrations of an open day N years after it ended, keeping its numbers in the audit log",
        arguments: StoreBackend.underTest)
    func retentionOfRegistrations(_ backend: StoreBackend) async throws {
        let hall = try await OpenDays(on: backend)
        let day = try await hall.schedule(capacity: 3)
        try await hall.register(day, 1, size: 2, email: "visitor@example.cn")
        try await hall.register(day, 2, size: 2)  // waitlisted
        let policy = RetentionPolicy(letterPersonalYears: nil, registrationPersonalYears: 1)
        // The day ends on 20 May 2027 at 12:00.
        #expect(try await hall.db.privacy.purgeExpiredPersonalData(policy: policy, at: beijing("2028-05-20 11:00"), limit: 100).isEmpty)
        let purge = try await hall.db.privacy.purgeExpiredPersonalData(policy: policy, at: beijing("2028-05-20 13:00"), limit: 100)
        #expect(purge.registrationsDeleted == 2)
        let left = try await hall.db.integerRaw(sqlite: "SELECT COUNT(*) FROM open_day_registration")
        #expect(left == 0)
        let audit = try await hall.audit("open_day.registrations_purge")
        #expect(audit.count == 1 && audit[0].actorName == "system:retention")
        let counts = try JSONSerialization.jsonObject(with: Data((audit[0].afterJson ?? "{}").utf8)) as? [String: Int]
        #expect(counts == ["registrations": 2, "seatedPeople": 2, "checkedInPeople": 0])
    }

    @Test(
        "a registration for an open day still to come is not erased on request; after the day it is deleted with its notices",
        arguments: StoreBackend.underTest)
    func registrationOnRequest(_ backend: StoreBackend) async throws {
        let hall = try await OpenDays(on: backend)
        let day = try await hall.schedule(capacity: 3)
        try await hall.register(day, 1, email: "visitor@example.cn")
        let request = PersonalDataRequest.phone(Hall.phone(1))!
        let before = try await hall.db.privacy.erasePersonalData(for: request, actor: cliActor, at: beijing("2027-04-01 10:00"))
        #expect(before.registrationsDeleted.isEmpty && before.skipped.count == 1)
        let found = try await hall.db.privacy.personalData(for: PersonalDataRequest.email("VISITOR@example.cn")!, at: beijing("2027-04-01 10:00"))
        #expect(found.registrations.map(\.name) == ["访客1"])
        let after = try await hall.db.privacy.erasePersonalData(for: request, actor: cliActor, at: beijing("2027-05-21 10:00"))
        #expect(after.registrationsDeleted.count == 1)
        #expect(try await hall.db.privacy.personalData(for: request, at: beijing("2027-05-21 10:00")).isEmpty)
        #expect(try await hall.audit("open_day.registration_personal_data_erase").count == 1)
        // The notices about it went with it; the audit says how many.
        let erased = try #require(try await hall.audit("open_day.registration_personal_data_erase").first)
        #expect(erased.afterJson?.contains("\"noticesDeleted\"") == true)
        #expect(try await hall.db.integerRaw(sqlite: "SELECT COUNT(*) FROM outbox_message WHERE subject_type = 'open_day_registration'") == 0)
    }

    @Test("notices to the address are found and deleted on request, and so are those sent before the retention cutoff", arguments: StoreBackend.underTest)
    func notices(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let notice = OutgoingNotice(
            kind: "letter.replied", recipient: "Zhang@Example.cn ", subject: "您的来信已答复", body: "张三您好，您的来信已答复。",
            subjectType: "letter", subjectID: "1")
        let other = OutgoingNotice(
            kind: "letter.replied", recipient: "li@example.cn", subject: "您的来信已答复", body: "李四您好，您的来信已答复。",
            subjectType: "letter", subjectID: "2")
        for message in [notice, other] {
            switch db.backend {
            case .sqlite(let writer):
                try await writer.write { db in _ = try GRDBNotificationsStore.enqueue(db, message, at: beijing("2026-11-20 10:00")) }
            case .postgres(let postgres):
                try await postgres.write { tx in _ = try await PostgresNotificationsStore.enqueue(tx, message, at: beijing("2026-11-20 10:00")) }
            }
        }
        let found = try await db.privacy.personalData(for: Self.zhangEmail, at: beijing("2026-11-21 10:00"))
        #expect(found.notices.map(\.recipient) == ["Zhang@Example.cn "])
        #expect(try await db.privacy.personalData(for: Self.zhangPhone, at: beijing("2026-11-21 10:00")).isEmpty)
        let erased = try await db.privacy.erasePersonalData(for: Self.zhangEmail, actor: cliActor, at: beijing("2026-11-21 10:00"))
        #expect(erased.noticesDeleted == 1)
        #expect(try await db.audit.auditEntries().filter { $0.action == "outbox_message.personal_data_erase" }.count == 1)

        // Li's notice is sent; a year after, retention deletes it.
        let li = try #require(try await db.notifications.messages(subjectType: "letter", subjectID: "2").first?.id)
        try await db.notifications.markSent(id: li, at: beijing("2026-11-20 10:01"))
        // (Both periods: the letters' query runs too, over no letters.)
        let policy = RetentionPolicy(letterPersonalYears: 1, registrationPersonalYears: 1)
        #expect(try await db.privacy.purgeExpiredPersonalData(policy: policy, at: beijing("2027-11-20 10:00"), limit: 10).isEmpty)
        let purge = try await db.privacy.purgeExpiredPersonalData(policy: policy, at: beijing("2027-11-20 10:02"), limit: 10)
        #expect(purge.noticesDeleted == 1)
        #expect(try await db.notifications.outboxCounts() == OutboxCounts(pending: 0, sent: 0, abandoned: 0))
    }
}

/// `Hall` (the events store tests' fixture) on either backend: open days
/// scheduled and registered for through the events store.
struct OpenDays {
    let db: AppDatabase

    init(on backend: StoreBackend) async throws {
        db = try await backend.makeDatabase(onFile: true)
        try PrivacyStoreTests.requireRealStores(db, events: true)
    }

    func schedule(capacity: Int) async throws -> OpenDayView {
        let openDay = try OpenDay.scheduled(
            title: "司法行政开放日", programme: "参观法律援助中心；座谈", location: "南京市北京西路28号", start: Hall.start, durationMinutes: 150,
            capacity: capacity, registrationOpens: nil, now: Hall.now)
        return try await db.events.scheduleOpenDay(openDay, actor: cliActor, at: Hall.now)
    }

    func register(_ openDay: OpenDayView, _ n: Int, size: Int = 1, email: String? = nil) async throws {
        _ = try await db.events.register(
            openDayID: openDay.id, RegistrationForm(name: "访客\(n)", phone: Hall.phone(n), email: email, partySize: size),
            actor: .visitor(), at: Hall.now.addingTimeInterval(Double(n) * 60))
    }

    func audit(_ action: String) async throws -> [AuditEntry] {
        try await db.audit.auditEntries().filter { $0.action == action }.reversed()
    }
}
