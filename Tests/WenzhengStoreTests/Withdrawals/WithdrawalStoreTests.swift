import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// A published letter (mayPublish, replied, approved) on a real SQLite file.
private func publishedLetter(_ box: Mailbox, body: String = "我家小区门口的路灯坏了三个月。") async throws -> LetterView {
    let letter = try await box.submit(.complaint, at: "2026-11-02 09:00", mayPublish: true, body: body)
    let replied = try await box.reply(letter, at: "2026-11-10 10:00")
    _ = try await box.db.moderation.decideModeration(
        id: try #require(replied.moderationItemId), .approve(override: true), by: box.moderator, allowedReasons: [],
        at: beijing("2026-11-10 11:00"))
    return try await box.db.mailbox.letter(id: letter.id)
}

/// The audit lines with this action, newest last.
private func audit(_ db: AppDatabase, _ action: String) async throws -> [AuditEntry] {
    try await db.reader.read { db in
        try AuditEntry.filter(Column("action") == action).order(Column("id")).fetchAll(db)
    }
}

/// The search document the index holds for a letter (nil: not indexed).
private func indexed(_ db: AppDatabase, _ letterID: Int64) async throws -> String? {
    try await db.reader.read { db in
        try String.fetchOne(db, sql: "SELECT content FROM letter_search_document WHERE letter_id = ?", arguments: [letterID])
    }
}

@Suite("Withdrawing published letters and replies (item 23)")
struct LetterWithdrawalStoreTests {
    @Test("a withdrawn letter leaves the list, its page and search in the same transaction; timeline and audit record it")
    func unpublishLetter() async throws {
        // Given a published letter found by search
        let box = try await Mailbox(onFile: true)
        let db = box.db
        let letter = try await publishedLetter(box)
        #expect(try await db.mailbox.searchLetters("路灯", limit: 10, offset: 0).ids == [letter.id])
        #expect(try await db.mailbox.publishedLetters().map(\.id) == [letter.id])
        // When an admin withdraws it
        let now = beijing("2026-11-12 09:00")
        let withdrawn = try await db.mailbox.unpublishLetter(id: letter.id, reason: "  正文中有来信人住址  ", actor: box.admin, at: now)
        // Then it is gone from every public read at once
        #expect(withdrawn.withdrawal?.reason == "正文中有来信人住址")
        #expect(withdrawn.withdrawal?.withdrawnBy == "管理员")
        #expect(try await db.mailbox.publishedLetters().isEmpty)
        #expect(try await db.mailbox.publishedLetter(id: letter.id) == nil)
        #expect(try await db.mailbox.isLetterWithdrawn(id: letter.id))
        #expect(try await db.mailbox.searchLetters("路灯", limit: 10, offset: 0).ids.isEmpty)
        #expect(try await indexed(db, letter.id) == nil)
        // And the office's timeline and the audit log say who, when and why
        let event = try #require(try await db.mailbox.timeline(letterID: letter.id).last)
        #expect(event.kind == .unpublished && event.note == "正文中有来信人住址" && event.actorName == "管理员")
        #expect(!event.kind.isVisibleToCitizen)
        let line = try #require(try await audit(db, "letter.unpublish").last)
        #expect(line.beforeJson?.contains("路灯") == true && line.beforeJson?.contains(#""published":true"#) == true)
        #expect(line.afterJson?.contains("正文中有来信人住址") == true && line.afterJson?.contains(#""published":false"#) == true)
        // And it cannot be withdrawn twice
        #expect(
            await storeError { _ = try await db.mailbox.unpublishLetter(id: letter.id, reason: "再次", actor: box.admin, at: now) }?.isConflict
                == true)
    }

    @Test("admins only, a reason required, and only a published letter")
    func refusals() async throws {
        let box = try await Mailbox(onFile: true)
        let db = box.db
        let letter = try await publishedLetter(box)
        let now = beijing("2026-11-12 09:00")
        for staff in [box.office, box.reviewer, box.moderator, box.host] {
            #expect(
                await storeError { _ = try await db.mailbox.unpublishLetter(id: letter.id, reason: "理由", actor: staff, at: now) }?.isForbidden
                    == true)
        }
        #expect(
            await storeError { _ = try await db.mailbox.unpublishLetter(id: letter.id, reason: " ", actor: box.admin, at: now) }?.invalidFields == [
                "reason"
            ])
        let tooLong = String(repeating: "长", count: WithdrawalRules.reasonMaxLength + 1)
        #expect(
            await storeError { _ = try await db.mailbox.unpublishLetter(id: letter.id, reason: tooLong, actor: box.admin, at: now) }?.invalidFields
                == ["reason"])
        let unpublished = try await box.submit(.complaint, at: "2026-11-03 09:00")
        #expect(
            await storeError { _ = try await db.mailbox.unpublishLetter(id: unpublished.id, reason: "理由", actor: box.admin, at: now) }?.isConflict
                == true)
        #expect(
            await storeError {
                _ = try await db.mailbox.republishLetter(id: letter.id, subject: "标题", body: "正文", actor: box.admin, at: now)
            }?.isConflict == true)
        #expect(try await db.mailbox.publishedLetters().map(\.id) == [letter.id])
    }

    @Test("republished after correction: masked, back in the list and search with the corrected text only")
    func republishLetter() async throws {
        let box = try await Mailbox(onFile: true)
        let db = box.db
        let letter = try await publishedLetter(box, body: "路灯坏了，我住幸福小区3号楼。")
        _ = try await db.mailbox.unpublishLetter(id: letter.id, reason: "住址", actor: box.admin, at: beijing("2026-11-12 09:00"))
        // A staff member who is not an admin cannot publish it again
        #expect(
            await storeError {
                _ = try await db.mailbox.republishLetter(
                    id: letter.id, subject: "路灯", body: "正文", actor: box.reviewer, at: beijing("2026-11-12 10:00"))
            }?.isForbidden == true)
        // The admin's correction still holds the author's name and a mobile number
        let (republished, masked) = try await db.mailbox.republishLetter(
            id: letter.id, subject: "小区路灯不亮", body: "张三反映路灯坏了，请回电13812345678。", actor: box.admin,
            at: beijing("2026-11-12 10:00"))
        #expect(Set(masked.map(\.kind)) == [.name, .mobile])
        #expect(republished.withdrawal == nil)
        #expect(republished.publicBody == "张*反映路灯坏了，请回电138****5678。")
        let published = try #require(try await db.mailbox.publishedLetter(id: letter.id))
        #expect(published.subject == "小区路灯不亮" && published.body == "张*反映路灯坏了，请回电138****5678。")
        #expect(try await db.mailbox.publishedLetters().map(\.id) == [letter.id])
        #expect(try await db.mailbox.searchLetters("回电", limit: 10, offset: 0).ids == [letter.id])
        // The withdrawn text is not searchable any more
        #expect(try await db.mailbox.searchLetters("幸福小区", limit: 10, offset: 0).ids.isEmpty)
        #expect(try await db.mailbox.timeline(letterID: letter.id).last?.kind == .republished)
        let line = try #require(try await audit(db, "letter.republish").last)
        #expect(line.beforeJson?.contains("幸福小区") == true)
        #expect(line.afterJson?.contains("138****5678") == true && line.afterJson?.contains("mobile") == true)
        #expect(line.afterJson?.contains("13812345678") == false)
    }

    @Test("one reply withdrawn: the letter stays public, the reply shows as withdrawn, search loses its text; republished masked")
    func replyWithdrawal() async throws {
        let box = try await Mailbox(onFile: true)
        let db = box.db
        let letter = try await publishedLetter(box)
        #expect(try await db.mailbox.searchLetters("已处理", limit: 10, offset: 0).ids == [letter.id])
        let now = beijing("2026-11-12 09:00")
        #expect(
            await storeError { _ = try await db.mailbox.unpublishReply(letterID: letter.id, round: 2, reason: "理由", actor: box.admin, at: now) }
                .map { if case .notFound = $0 { true } else { false } } == true)
        let after = try await db.mailbox.unpublishReply(letterID: letter.id, round: 1, reason: "答复中有经办人手机号", actor: box.admin, at: now)
        #expect(after.replies[0].withdrawal?.reason == "答复中有经办人手机号")
        let published = try #require(try await db.mailbox.publishedLetter(id: letter.id))
        #expect(published.replies.map(\.withdrawn) == [true])
        #expect(published.replies[0].body.isEmpty && published.reply.isEmpty)
        #expect(published.replies[0].repliedOn == "2026-11-10")
        #expect(try await db.mailbox.searchLetters("已处理", limit: 10, offset: 0).ids.isEmpty)
        #expect(try await db.mailbox.searchLetters("路灯", limit: 10, offset: 0).ids == [letter.id])
        let event = try #require(try await db.mailbox.timeline(letterID: letter.id).last)
        #expect(event.kind == .replyUnpublished && event.replyRound == 1 && event.note == "答复中有经办人手机号")

        _ = try await db.mailbox.republishReply(
            letterID: letter.id, round: 1, body: "您好，已处理，经办人电话13900001111。", actor: box.admin, at: beijing("2026-11-12 10:00"))
        let again = try #require(try await db.mailbox.publishedLetter(id: letter.id))
        #expect(again.replies.map(\.withdrawn) == [false])
        #expect(again.reply == "您好，已处理，经办人电话139****1111。")
        #expect(try await db.mailbox.searchLetters("经办人", limit: 10, offset: 0).ids == [letter.id])
        #expect(
            try await db.mailbox.timeline(letterID: letter.id).last.map { ($0.kind, $0.replyRound) } ?? (.submitted, nil) == (.replyRepublished, 1))
    }

    @Test("a follow-up's reply to a withdrawn letter does not put it back in search")
    func replyingKeepsAWithdrawnLetterOut() async throws {
        let box = try await Mailbox(onFile: true)
        let db = box.db
        let letter = try await publishedLetter(box)
        _ = try await db.mailbox.unpublishLetter(id: letter.id, reason: "住址", actor: box.admin, at: beijing("2026-11-11 08:00"))
        _ = try await db.mailbox.rateLetter(number: letter.number, rating: .unsatisfied, at: beijing("2026-11-11 09:00"))
        _ = try await db.mailbox.followUp(number: letter.number, text: "又坏了", at: beijing("2026-11-11 10:00"))
        _ = try await db.mailbox.draftReply(id: letter.id, body: "已再次维修并加装巡检。", actor: box.city, at: beijing("2026-11-16 09:00"))
        _ = try await db.mailbox.signOff(
            id: letter.id, approve: true, comment: nil, filter: plainFilter, actor: box.reviewer, at: beijing("2026-11-16 10:00"))
        #expect(try await indexed(db, letter.id) == nil)
        #expect(try await db.mailbox.searchLetters("巡检", limit: 10, offset: 0).ids.isEmpty)
    }
}

/// A live interview with a remark, a question on air and an answer.
private struct TranscriptFixture {
    let interview: StoreInterview
    let admin: AuthenticatedStaff
    let remark: TranscriptEntry
    let question: TranscriptEntry
    let questionID: Int64

    var db: AppDatabase { interview.db }

    static func make(_ db: AppDatabase) async throws -> TranscriptFixture {
        let interview = try await StoreInterview.create(db)
        let admin = StoreInterview.staff(try await db.addUser("root", role: .admin), "root", .admin)
        let questionID = try await interview.askApproved("物业费怎么收？", nickname: "王五")
        try await interview.status(.live, at: testStart)
        let remark = try await db.interviews.postEntry(
            interviewID: interview.id, kind: .remark, body: "请拨打13812345678咨询", author: .host, questionID: nil, actor: interview.host,
            at: testStart)
        let question = try await db.interviews.putQuestionOnAir(
            interviewID: interview.id, questionID: questionID, actor: interview.host, at: testStart)
        guard case .entry(let remarkEntry) = remark, case .entry(let questionEntry) = question else {
            throw StoreError.conflict("no entries")
        }
        return TranscriptFixture(interview: interview, admin: admin, remark: remarkEntry, question: questionEntry, questionID: questionID)
    }
}

@Suite("Withdrawing transcript entries (item 23)")
struct TranscriptWithdrawalStoreTests {
    @Test("a withdrawn entry keeps its place and seq, without text for the public; replays never send the text again")
    func withdrawnEntry() async throws {
        let file = try TemporaryDatabase()
        let db = file.database
        let fixture = try await TranscriptFixture.make(db)
        let id = fixture.interview.id
        // Only admins
        #expect(
            await storeError {
                _ = try await db.interviews.unpublishEntry(
                    interviewID: id, entryID: fixture.remark.id, reason: "手机号", actor: fixture.interview.host, at: testStart)
            }?.isForbidden == true)
        #expect(
            await storeError {
                _ = try await db.interviews.unpublishEntry(
                    interviewID: id, entryID: fixture.remark.id, reason: "", actor: fixture.admin, at: testStart)
            }?.invalidFields == ["reason"])
        let event = try await db.interviews.unpublishEntry(
            interviewID: id, entryID: fixture.remark.id, reason: "主持人念了个人手机号", actor: fixture.admin, at: testStart)
        guard case .withdrawal(let withdrawal) = event else { Issue.record("not a withdrawal: \(event)"); return }
        #expect(withdrawal.entryId == fixture.remark.id && withdrawal.entrySeq == fixture.remark.seq)
        #expect(withdrawal.seq == fixture.question.seq + 1)
        #expect(try await db.interviews.interview(id: id).lastSeq == withdrawal.seq)

        // The public transcript: in its place, marked, no text, no author
        let page = try await db.interviews.transcriptPage(interviewID: id, .after(0), limit: 50)
        let shown = try #require(page.entries.first { $0.id == fixture.remark.id })
        #expect(shown.withdrawn && shown.body.isEmpty && shown.author.isEmpty)
        #expect(page.withdrawals.isEmpty)
        let json = String(decoding: try JSONEncoder().encode(page.entries), as: UTF8.self)
        #expect(!json.contains("13812345678") && json.contains(#""withdrawn":true"#))
        // Staff: who and why; the text only for those who may read it
        let staffPage = try await db.interviews.transcriptPage(interviewID: id, .after(0), limit: 50, reader: .staff(readsWithdrawnText: false))
        #expect(staffPage.withdrawals[fixture.remark.id]?.reason == "主持人念了个人手机号")
        #expect(staffPage.entries.first { $0.id == fixture.remark.id }?.body == "")
        let adminPage = try await db.interviews.transcriptPage(interviewID: id, .after(0), limit: 50, reader: .staff(readsWithdrawnText: true))
        #expect(adminPage.entries.first { $0.id == fixture.remark.id }?.body == "请拨打13812345678咨询")

        // The replay from the start: gap-free, the entry without text, then the withdrawal
        let replay = try await db.interviews.transcriptEvents(interviewID: id, since: 0)
        #expect(replay.map(\.seq) == Array(1...withdrawal.seq))
        guard case .entry(let replayed) = replay.first(where: { $0.seq == fixture.remark.seq }) else { Issue.record("no entry"); return }
        #expect(replayed.withdrawn && replayed.body.isEmpty)
        #expect(replay.last == event)
        // A replay cut short before the withdrawal still leaves the text out
        let firstTwo = try await db.interviews.transcriptEvents(interviewID: id, since: 0, limit: 2)
        #expect(firstTwo.map(\.seq) == [1, 2] && !String(describing: firstTwo).contains("13812345678"))

        // A correction of a withdrawn entry is refused: it would publish at once
        #expect(
            await storeError {
                _ = try await db.interviews.correctEntry(interviewID: id, entryID: fixture.remark.id, body: "新文字", actor: fixture.admin, at: testStart)
            }?.isConflict == true)
        // So is withdrawing it twice, and withdrawing a system line
        #expect(
            await storeError {
                _ = try await db.interviews.unpublishEntry(
                    interviewID: id, entryID: fixture.remark.id, reason: "再", actor: fixture.admin, at: testStart)
            }?.isConflict == true)
        let started = try #require(page.entries.first { $0.kind == .system })
        #expect(
            await storeError {
                _ = try await db.interviews.unpublishEntry(interviewID: id, entryID: started.id, reason: "系统", actor: fixture.admin, at: testStart)
            }?.isConflict == true)
        // The audit log keeps the text and the reason
        let line = try #require(try await audit(db, "interview.unpublish_entry").last)
        #expect(line.beforeJson?.contains("13812345678") == true && line.afterJson?.contains("主持人念了个人手机号") == true)
    }

    @Test("an entry corrected, then withdrawn: no replay carries any of its earlier texts; republished text is masked and replayed")
    func correctedThenWithdrawnThenRepublished() async throws {
        let file = try TemporaryDatabase()
        let db = file.database
        let fixture = try await TranscriptFixture.make(db)
        let id = fixture.interview.id
        _ = try await db.interviews.correctEntry(
            interviewID: id, entryID: fixture.remark.id, body: "请拨打办公室电话咨询，或到幸福路3号", actor: fixture.admin, at: testStart)
        _ = try await db.interviews.unpublishEntry(interviewID: id, entryID: fixture.remark.id, reason: "地址", actor: fixture.admin, at: testStart)
        for since in Int64(0)...3 {
            let frames = String(describing: try await db.interviews.transcriptEvents(interviewID: id, since: since))
            #expect(!frames.contains("13812345678") && !frames.contains("幸福路"), "since \(since): \(frames)")
        }
        // Only admins republish
        #expect(
            await storeError {
                _ = try await db.interviews.republishEntry(
                    interviewID: id, entryID: fixture.remark.id, body: "x", actor: fixture.interview.host, at: testStart)
            }?.isForbidden == true)
        let republished = try await db.interviews.republishEntry(
            interviewID: id, entryID: fixture.remark.id, body: "咨询请拨打12348或13900001111", actor: fixture.admin, at: testStart)
        #expect(republished.masked.map(\.kind) == [.mobile])
        guard case .republication(let correction) = republished.event else { Issue.record("not a republication"); return }
        #expect(correction.body == "咨询请拨打12348或139****1111" && correction.version == 3)
        let page = try await db.interviews.transcriptPage(interviewID: id, .after(0), limit: 50)
        #expect(page.entries.first { $0.id == fixture.remark.id }.map { ($0.withdrawn, $0.body) } ?? (true, "") == (false, correction.body))
        let replay = try await db.interviews.transcriptEvents(interviewID: id, since: 0)
        #expect(replay.map(\.seq) == Array(1...correction.seq))
        #expect(replay.last == republished.event)
        #expect(!String(describing: replay).contains("幸福路"))
        // Republishing twice is refused: it is public
        #expect(
            await storeError {
                _ = try await db.interviews.republishEntry(interviewID: id, entryID: fixture.remark.id, body: "x", actor: fixture.admin, at: testStart)
            }?.isConflict == true)
    }

    @Test("a withdrawn question on air leaves the public question list; republished, it shows the corrected text")
    func questionEntry() async throws {
        let file = try TemporaryDatabase()
        let db = file.database
        let fixture = try await TranscriptFixture.make(db)
        let id = fixture.interview.id
        #expect(try await db.interviews.publicQuestions(interviewID: id).map(\.id) == [fixture.questionID])
        _ = try await db.interviews.unpublishEntry(
            interviewID: id, entryID: fixture.question.id, reason: "问题中有住址", actor: fixture.admin, at: testStart)
        #expect(try await db.interviews.publicQuestions(interviewID: id).isEmpty)
        // The asker's nickname is masked in the correction, as in a correction of a question
        _ = try await db.interviews.republishEntry(
            interviewID: id, entryID: fixture.question.id, body: "王五问：物业费怎么收？", actor: fixture.admin, at: testStart)
        #expect(try await db.interviews.publicQuestions(interviewID: id).map(\.text) == ["王*问：物业费怎么收？"])
    }
}
