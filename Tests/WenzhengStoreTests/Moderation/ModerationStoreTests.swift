import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// A queue on a real database of either backend (an SQLite file, or a
/// PostgreSQL database), worked by two moderators and an admin through the
/// contract (`database.moderation`).
struct Queue {
    let db: AppDatabase
    var store: any ModerationStore { db.moderation }
    let li: AuthenticatedStaff
    let wang: AuthenticatedStaff
    let admin: AuthenticatedStaff
    /// The standard reasons a decision may give.
    static let reasons: Set<String> = ["abuse", "advertising", "duplicate", "other"]

    init(_ backend: StoreBackend) async throws {
        db = try await backend.makeDatabase(onFile: true)
        li = try await Self.staff(db, "li", .moderator)
        wang = try await Self.staff(db, "wang", .moderator)
        admin = try await Self.staff(db, "root", .admin)
    }

    static func staff(_ db: AppDatabase, _ username: String, _ role: Role) async throws -> AuthenticatedStaff {
        let summary = try await db.addUser(username, role: role)
        return AuthenticatedStaff(
            userID: summary.id, username: username, displayName: username, role: role, departmentID: 1, department: "办公室",
            csrfToken: "c", sessionExpiresAt: .distantFuture)
    }

    /// What the filter found: personal information always; `held` adds a
    /// held word-list match on the first two characters.
    static func check(_ text: String, held: Bool = false) -> ContentFilter.Result {
        let flags = held ? [FilterFlag(category: "abuse", term: String(text.prefix(2)), action: .hold, start: 0, end: 2)] : []
        return ContentFilter.Result(flags: flags, personalInformation: PersonalInformation.detect(in: text), action: held ? .hold : nil)
    }

    @discardableResult
    func submit(
        _ text: String, kind: ContentKind = .question, held: Bool = false, author: String? = nil, at now: Date = testStart
    ) async throws -> ModerationItem {
        try await store.submitForModeration(
            NewModerationItem(
                kind: kind, sourceType: "test", sourceID: UUID().uuidString, authorName: author, text: text,
                check: Self.check(text, held: held)),
            at: now)
    }

    func decide(_ id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, version: Int? = nil) async throws
        -> DecidedModeration
    {
        try await store.decideModeration(
            id: id, decision, by: staff, expectedVersion: version, allowedReasons: Self.reasons, clientAddress: "198.51.100.7",
            at: testStart.addingTimeInterval(60))
    }

    /// The audit log's actions about one queue item, oldest first.
    func auditActions(item id: Int64) async throws -> [String] {
        try await db.audit.auditEntries().filter { $0.subjectType == "moderation_item" && $0.subjectId == String(id) }
            .sorted { ($0.id ?? 0) < ($1.id ?? 0) }.map(\.action)
    }
}

@Suite("Moderation queue store")
struct ModerationStoreTests {
    @Test(
        "a submission enters the queue pending, masked for publication, with its findings and categories",
        arguments: StoreBackend.underTest)
    func submission(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let item = try await queue.submit("请回电13812345678，我是张三", author: "张三")
        #expect(item.state == .pending && item.version == 1 && item.kind == .question)
        #expect(item.maskedText == "请回电138****5678，我是张*")
        #expect(item.personalInformation.map(\.kind) == [.mobile])
        #expect(item.categories == ["personal_information"] && item.highestAction == "none")
        #expect(item.claimedBy == nil && item.decidedBy == nil)
        // What the store returns is what it reads back.
        #expect(try await queue.store.moderationItem(id: item.id) == item)
        let held = try await queue.submit("人渣一个", held: true)
        #expect(held.highestAction == "hold" && held.categories == ["abuse"])
        // Empty and overlong text never enters the queue.
        #expect(await storeError { try await queue.submit("   ") }?.invalidFields == ["text"])
        let long = String(repeating: "长", count: ModerationPolicy.maxTextLength + 1)
        #expect(await storeError { try await queue.submit(long) }?.invalidFields == ["text"])
    }

    @Test(
        "the queue filters by state, kind, category and age, oldest first, and counts what is pending by kind",
        arguments: StoreBackend.underTest)
    func filters(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let old = try await queue.submit("第一个问题", at: testStart.addingTimeInterval(-3600))
        let held = try await queue.submit("人渣问题", held: true)
        let letter = try await queue.submit("一封来信，电话13812345678", kind: .letter)
        let decided = try await queue.submit("已处理的问题")
        _ = try await queue.decide(decided.id, .approve(override: false), by: queue.li)
        let now = testStart.addingTimeInterval(120)

        #expect(try await queue.store.moderationQueue(ModerationQueueFilter(), at: now).map(\.id) == [old.id, held.id, letter.id])
        #expect(try await queue.store.moderationQueue(ModerationQueueFilter(states: [.approved]), at: now).map(\.id) == [decided.id])
        #expect(try await queue.store.moderationQueue(ModerationQueueFilter(states: []), at: now).count == 4)
        #expect(try await queue.store.moderationQueue(ModerationQueueFilter(kind: .letter), at: now).map(\.id) == [letter.id])
        #expect(try await queue.store.moderationQueue(ModerationQueueFilter(category: "abuse"), at: now).map(\.id) == [held.id])
        #expect(
            try await queue.store.moderationQueue(ModerationQueueFilter(category: "personal_information"), at: now).map(\.id) == [letter.id]
        )
        #expect(
            try await queue.store.moderationQueue(ModerationQueueFilter(category: "flagged"), at: now).map(\.id) == [held.id, letter.id])
        #expect(try await queue.store.moderationQueue(ModerationQueueFilter(olderThan: 30 * 60), at: now).map(\.id) == [old.id])
        #expect(try await queue.store.moderationQueue(ModerationQueueFilter(limit: 2), at: now).map(\.id) == [old.id, held.id])
        #expect(try await queue.store.pendingModerationCounts() == [.question: 2, .letter: 1])
    }

    @Test(
        "the oldest pending item's date is the queue's age; decided items do not count, and an empty queue has none",
        arguments: StoreBackend.underTest)
    func oldestPending(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        #expect(try await queue.store.oldestPendingModerationDate() == nil)
        let first = try await queue.submit("最早的问题", at: testStart.addingTimeInterval(-7200))
        _ = try await queue.submit("后来的问题", at: testStart.addingTimeInterval(-60))
        #expect(try await queue.store.oldestPendingModerationDate() == testStart.addingTimeInterval(-7200))
        _ = try await queue.decide(first.id, .approve(override: false), by: queue.li)
        #expect(try await queue.store.oldestPendingModerationDate() == testStart.addingTimeInterval(-60))
    }

    @Test(
        "a claim keeps other moderators off until it is released or times out; only the claimer releases it",
        arguments: StoreBackend.underTest)
    func claims(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let item = try await queue.submit("请问办证要多久")
        let claimed = try await queue.store.claimModerationItem(id: item.id, by: queue.li, at: testStart)
        #expect(claimed.claimedBy == "li" && claimed.version == 2)
        // Wang can neither claim nor decide it while Li's claim holds.
        let refused = await storeError { _ = try await queue.store.claimModerationItem(id: item.id, by: queue.wang, at: testStart) }
        #expect(refused?.isConflict == true && refused?.description.contains("li") == true)
        #expect(await storeError { _ = try await queue.decide(item.id, .approve(override: false), by: queue.wang) }?.isConflict == true)
        // Releasing is the claimer's: Wang's release changes nothing.
        #expect(try await queue.store.releaseModerationClaim(id: item.id, by: queue.wang).claimedBy == "li")
        let released = try await queue.store.releaseModerationClaim(id: item.id, by: queue.li)
        #expect(released.claimedBy == nil && released.version == 3)
        // A claim left behind lapses after the timeout.
        _ = try await queue.store.claimModerationItem(id: item.id, by: queue.li, at: testStart)
        let later = testStart.addingTimeInterval(ModerationPolicy.claimTimeout + 1)
        #expect(try await queue.store.claimModerationItem(id: item.id, by: queue.wang, at: later).claimedBy == "wang")
        // A decided item cannot be claimed.
        _ = try await queue.decide(item.id, .approve(override: false), by: queue.wang)
        #expect(
            await storeError { _ = try await queue.store.claimModerationItem(id: item.id, by: queue.li, at: later) }?.isConflict == true)
        #expect(await storeError { _ = try await queue.store.moderationItem(id: 999) }.map { "\($0)" }?.contains("999") == true)
    }

    @Test(
        "approve, edit and reject: states, masking of the edit, reasons, overrides for held items, and the audit line",
        arguments: StoreBackend.underTest)
    func decisions(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let plain = try await queue.submit("请问办证要多久")
        let approved = try await queue.decide(plain.id, .approve(override: false), by: queue.li)
        #expect(approved.item.state == .approved && approved.item.decidedBy == "li" && approved.item.decidedAt != nil)
        #expect(approved.item.version == 2 && !approved.item.holdOverridden)

        // A held item needs an explicit override; the override is recorded.
        let held = try await queue.submit("人渣怎么办", held: true)
        #expect(
            await storeError { _ = try await queue.decide(held.id, .approve(override: false), by: queue.li) }?.invalidFields == ["override"]
        )
        let overridden = try await queue.decide(held.id, .approve(override: true), by: queue.li)
        #expect(overridden.item.holdOverridden && overridden.item.state == .approved)
        #expect(try await queue.auditActions(item: held.id) == ["moderation.approve_override"])

        // An edit is published masked; it may not be empty.
        let edited = try await queue.submit("电话多少")
        #expect(
            await storeError { _ = try await queue.decide(edited.id, .edit(text: " ", override: false), by: queue.li) }?.invalidFields == [
                "text"
            ])
        let edit = try await queue.decide(edited.id, .edit(text: "  请拨打13812345678  ", override: false), by: queue.li)
        #expect(edit.item.state == .edited && edit.item.editedText == "请拨打13812345678" && edit.item.maskedText == "请拨打138****5678")
        #expect(edit.item.text == "电话多少")

        // A rejection names a standard reason; a blank note is none, and one too long is refused.
        let spam = try await queue.submit("加微信领红包")
        #expect(
            await storeError { _ = try await queue.decide(spam.id, .reject(reasonCode: "made-up", note: nil), by: queue.li) }?.invalidFields
                == ["reason"])
        let longNote = String(repeating: "注", count: ModerationPolicy.maxNoteLength + 1)
        #expect(
            await storeError { _ = try await queue.decide(spam.id, .reject(reasonCode: "advertising", note: longNote), by: queue.li) }?
                .invalidFields == ["note"])
        let rejected = try await queue.decide(spam.id, .reject(reasonCode: "advertising", note: "广告"), by: queue.li)
        #expect(rejected.item.state == .rejected && rejected.item.reasonCode == "advertising" && rejected.item.reasonNote == "广告")
        // A blank note is no note.
        let blank = try await queue.submit("又一条广告")
        #expect(try await queue.decide(blank.id, .reject(reasonCode: "advertising", note: "  "), by: queue.li).item.reasonNote == nil)
        #expect(try await queue.auditActions(item: spam.id) == ["moderation.reject"])
        #expect(try await queue.auditActions(item: edited.id) == ["moderation.edit_approve"])
    }

    @Test(
        "a decided item is not decided again, and a decision on a version someone else changed is refused",
        arguments: StoreBackend.underTest)
    func conflicts(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let item = try await queue.submit("请问办证要多久")
        _ = try await queue.store.claimModerationItem(id: item.id, by: queue.li, at: testStart)
        // li saw version 1; the claim made it 2.
        #expect(
            await storeError { _ = try await queue.decide(item.id, .approve(override: false), by: queue.li, version: 1) }?.isConflict
                == true)
        _ = try await queue.decide(item.id, .reject(reasonCode: "other", note: nil), by: queue.li, version: 2)
        let again = await storeError { _ = try await queue.decide(item.id, .approve(override: false), by: queue.wang) }
        #expect(again?.isConflict == true && again?.description.contains("already handled by li") == true)
        // Nothing changed: still rejected by li, one audit line.
        let stored = try await queue.store.moderationItem(id: item.id)
        #expect(stored.state == .rejected && stored.decidedBy == "li" && stored.version == 3)
        #expect(try await queue.auditActions(item: item.id) == ["moderation.reject"])
    }

    @Test(
        "a duplicate merges into a kept item of the same kind and source; it is rejected as a duplicate of it",
        arguments: StoreBackend.underTest)
    func merges(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let kept = try await queue.submit("路灯坏了怎么办")
        let duplicate = try await queue.submit("路灯坏了怎么处理")
        let letter = try await queue.submit("路灯的来信", kind: .letter)
        let refusedTarget = try await queue.submit("被拒绝的")
        _ = try await queue.decide(refusedTarget.id, .reject(reasonCode: "other", note: nil), by: queue.li)
        for target in [duplicate.id, letter.id, refusedTarget.id, 999] {
            #expect(
                await storeError { _ = try await queue.decide(duplicate.id, .merge(into: target), by: queue.li) }?.invalidFields == ["into"]
            )
        }
        let merged = try await queue.decide(duplicate.id, .merge(into: kept.id), by: queue.li)
        #expect(merged.item.state == .rejected && merged.item.reasonCode == "duplicate" && merged.item.reasonNote == "#\(kept.id)")
        #expect(merged.effect == .none)
        #expect(try await queue.store.moderationItem(id: kept.id).state == .pending)
    }

    @Test("bulk decisions are one transaction per item: a held, decided or missing item fails alone", arguments: StoreBackend.underTest)
    func bulk(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let first = try await queue.submit("第一个")
        let held = try await queue.submit("人渣第二个", held: true)
        let taken = try await queue.submit("第三个")
        _ = try await queue.decide(taken.id, .approve(override: false), by: queue.wang)
        let last = try await queue.submit("第四个")
        let results = try await queue.store.decideModerationInBulk(
            ids: [first.id, held.id, taken.id, 999, last.id], .approve(override: false), by: queue.li, allowedReasons: Queue.reasons,
            at: testStart)
        #expect(results.map(\.id) == [first.id, held.id, taken.id, 999, last.id])
        #expect(results.map(\.ok) == [true, false, false, false, true])
        #expect(results.filter(\.ok).allSatisfy { $0.item?.state == .approved && $0.error == nil })
        #expect(results.filter { !$0.ok }.allSatisfy { $0.item == nil && $0.error != nil })
        #expect(try await queue.store.moderationItem(id: held.id).state == .pending)
        #expect(try await queue.store.moderationItem(id: taken.id).decidedBy == "wang")
        let rejected = try await queue.store.decideModerationInBulk(
            ids: [held.id], .reject(reasonCode: "abuse", note: nil), by: queue.li, allowedReasons: Queue.reasons, at: testStart)
        #expect(rejected.map(\.ok) == [true] && rejected.first?.item?.reasonCode == "abuse")
    }

    @Test(
        "redacted items show moderators the masked text, with flags moved onto it and each masked span by kind",
        arguments: StoreBackend.underTest)
    func redaction(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let item = try await queue.submit("人渣，电话13812345678", held: true, author: "张三")
        let redacted = item.redacted()
        #expect(redacted.isRedacted && redacted.text == "人渣，电话138****5678")
        #expect(redacted.personalInformation.map(\.kind) == [.mobile])
        #expect(redacted.flags.map { ($0.start, $0.end) }.first.map { $0 == (0, 2) } == true)
        #expect(redacted.redacted() == redacted)
        let json = String(decoding: try JSONEncoder().encode(redacted), as: UTF8.self)
        #expect(!json.contains("13812345678") && !json.contains("张三") && json.contains(#""redacted":true"#))
    }
}

@Suite("Moderation decisions reach the feature that owns the text")
struct ModerationEffectTests {
    /// Every question's state, oldest first, read with SQL on either backend.
    static func questionStates(_ database: AppDatabase) async throws -> [String] {
        switch database.backend {
        case .sqlite(let writer):
            try await writer.read { db in try String.fetchAll(db, sql: "SELECT state FROM interview_question ORDER BY id") }
        case .postgres(let postgres):
            try await postgres.read { tx in
                try await tx.rows("SELECT state FROM interview_question ORDER BY id").map { try $0.value("state", as: String.self) }
            }
        }
    }

    @Test(
        "a question's item names its interview; approving it publishes the question and says which interview changed",
        arguments: StoreBackend.underTest)
    func questionApproved(_ backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase(onFile: true)
        let interview = try await StoreInterview.create(database)
        let moderator = try await Queue.staff(database, "mod", .moderator)
        let (question, item) = try await database.interviews.submitQuestion(
            interviewID: interview.id,
            NewQuestion(text: "路灯什么时候修", nickname: "小王", contact: nil, browserKey: "b", clientAddress: "198.51.100.7"),
            check: Queue.check("路灯什么时候修"), at: testStart)
        let subject = ModerationSubject.interviewQuestion(interviewID: interview.id, questionID: question.id)
        // The feature names its item, in what it returns and in the queue;
        // the store keeps no web path for it.
        #expect(item.subject == subject && item.sourceURL == nil)
        #expect(try await database.moderation.moderationItem(id: item.id).subject == subject)
        #expect(try await database.moderation.moderationQueue(ModerationQueueFilter(), at: testStart).map(\.subject) == [subject])
        #expect(try await database.interviews.publicQuestions(interviewID: interview.id).isEmpty)

        let decided = try await database.moderation.decideModeration(
            id: item.id, .approve(override: false), by: moderator, allowedReasons: [], at: testStart)
        #expect(decided.effect == .interviewQuestionsChanged(interviewID: interview.id))
        #expect(decided.item.subject == subject)
        #expect(try await database.interviews.publicQuestions(interviewID: interview.id).map(\.id) == [question.id])
    }

    @Test("a merged question folds into the kept one; a rejected one stays off the public list", arguments: StoreBackend.underTest)
    func questionMergedAndRejected(_ backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase(onFile: true)
        let interview = try await StoreInterview.create(database)
        let moderator = try await Queue.staff(database, "mod", .moderator)
        func ask(_ text: String) async throws -> (PublicQuestion, ModerationItem) {
            try await database.interviews.submitQuestion(
                interviewID: interview.id, NewQuestion(text: text, nickname: nil, contact: nil, browserKey: text, clientAddress: "x"),
                check: Queue.check(text), at: testStart)
        }
        let (kept, keptItem) = try await ask("路灯什么时候修")
        let (_, duplicateItem) = try await ask("路灯啥时候修")
        let (_, rudeItem) = try await ask("无关的话")
        for (id, decision) in [
            (keptItem.id, ModerationDecision.approve(override: false)), (duplicateItem.id, .merge(into: keptItem.id)),
            (rudeItem.id, .reject(reasonCode: "other", note: nil)),
        ] {
            let decided = try await database.moderation.decideModeration(
                id: id, decision, by: moderator, allowedReasons: ["other"], at: testStart)
            #expect(decided.effect == .interviewQuestionsChanged(interviewID: interview.id))
        }
        #expect(try await database.interviews.publicQuestions(interviewID: interview.id).map(\.id) == [kept.id])
        #expect(try await Self.questionStates(database) == ["approved", "merged", "rejected"])
    }

    @Test(
        "a question approved after its interview ended goes straight to the deferred list with a deadline",
        arguments: StoreBackend.underTest)
    func approvedAfterTheInterview(_ backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase(onFile: true)
        let interview = try await StoreInterview.create(database)
        let moderator = try await Queue.staff(database, "mod", .moderator)
        let (question, item) = try await database.interviews.submitQuestion(
            interviewID: interview.id, NewQuestion(text: "会后的问题", nickname: nil, contact: nil, browserKey: "b", clientAddress: "x"),
            check: Queue.check("会后的问题"), at: testStart)
        try await interview.status(.live, at: beijing("2026-12-03 10:00"))
        try await interview.status(.ended, at: beijing("2026-12-03 11:00"))
        _ = try await database.moderation.decideModeration(
            id: item.id, .approve(override: false), by: moderator, allowedReasons: [], at: beijing("2026-12-04 09:00"))
        let deferred = try await database.interviews.deferredQuestions(for: interview.host, at: beijing("2026-12-04 09:00"))
        #expect(deferred.questions.map(\.id) == [question.id])
        #expect(deferred.questions.first?.replyDueOn == "2026-12-11")
    }

    @Test("text of no registered feature has no subject and no effect", arguments: StoreBackend.underTest)
    func unknownSource(_ backend: StoreBackend) async throws {
        let queue = try await Queue(backend)
        let item = try await queue.submit("测试文字")
        #expect(item.subject == nil)
        #expect(try await queue.decide(item.id, .approve(override: false), by: queue.li).effect == .none)
    }

    // SQLite only for now. wiring: runs on both backends once the mailbox's
    // PostgreSQL store is this database's letters and its moderation subject
    // is in `postgresStores` (another helper's part of issue 16).
    @Test("a published letter's reply: approving it says which letter became public")
    func letterPublished() async throws {
        let box = try await Mailbox(onFile: true)
        let letter = try await box.submit(.complaint, at: "2026-11-02 09:00", mayPublish: true)
        let replied = try await box.reply(letter, at: "2026-11-10 10:00")
        let decided = try await box.db.moderation.decideModeration(
            id: try #require(replied.moderationItemId), .approve(override: true), by: box.moderator, allowedReasons: [],
            at: beijing("2026-11-10 11:00"))
        #expect(decided.effect == .letterPublished(letterID: letter.id))
    }
}
