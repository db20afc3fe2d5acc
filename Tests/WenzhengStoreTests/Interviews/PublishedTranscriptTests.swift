import Foundation
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

@Suite("The published transcript (实录) the exports render")
struct PublishedTranscriptTests {
    /// Entry ids by what they are, from the events the store returned.
    static func entryID(_ event: TranscriptEvent) throws -> Int64 {
        guard case .entry(let entry) = event else { throw StoreError.conflict("not an entry: \(event)") }
        return entry.id
    }

    @Test(
        "only once ended: live entries as corrected, withdrawn ones left out, askers masked, late answers with their questions and dates",
        arguments: StoreBackend.underTest)
    func document(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase(onFile: true)
        let interview = try await StoreInterview.create(db)
        let admin = StoreInterview.staff(try await db.addUser("root", role: .admin), "root", .admin)
        let store = db.interviews
        let id = interview.id
        let aired = try await interview.askApproved("物业费怎么收？", nickname: "王五", at: beijing("2026-12-01 09:00"))
        let deferred = try await interview.askApproved("异地可以申请吗？", at: beijing("2026-12-02 09:00"))
        let unanswered = try await interview.askApproved("还有一个问题", nickname: "赵六", at: beijing("2026-12-02 09:30"))
        let hiddenQuestion = try await interview.askApproved("我的电话你们记一下", nickname: "钱七", at: beijing("2026-12-02 09:40"))

        // Not public yet, then live: no transcript to export.
        #expect(
            await transcriptRefusal { _ = try await store.publishedTranscript(interviewID: id) }
                == TranscriptNotAvailable(interviewID: id, status: .open))
        try await interview.status(.live, at: beijing("2026-12-03 10:00"))
        #expect(
            await transcriptRefusal { _ = try await store.publishedTranscript(interviewID: id) }
                == TranscriptNotAvailable(interviewID: id, status: .live))
        #expect(await storeError { _ = try await store.publishedTranscript(interviewID: 999) } == .notFound(kind: "interview", key: "999"))

        let remark = try Self.entryID(
            try await store.postEntry(
                interviewID: id, kind: .remark, body: "请拨打13812345678咨询", author: .host, questionID: nil, actor: interview.host,
                at: beijing("2026-12-03 10:01")))
        _ = try await store.putQuestionOnAir(interviewID: id, questionID: aired, actor: interview.host, at: beijing("2026-12-03 10:02"))
        let answer = try Self.entryID(
            try await store.postEntry(
                interviewID: id, kind: .answer, body: "按面积收", author: .guest(id: nil), questionID: aired, actor: interview.host,
                at: beijing("2026-12-03 10:03")))
        _ = try await store.correctEntry(
            interviewID: id, entryID: answer, body: "按建筑面积收取。", actor: interview.host, at: beijing("2026-12-03 10:04"))
        let hiddenAired = try Self.entryID(
            try await store.putQuestionOnAir(
                interviewID: id, questionID: hiddenQuestion, actor: interview.host, at: beijing("2026-12-03 10:05")))
        _ = try await store.unpublishEntry(
            interviewID: id, entryID: remark, reason: "主持人念了手机号", actor: admin, at: beijing("2026-12-03 10:06"))
        _ = try await store.unpublishEntry(
            interviewID: id, entryID: hiddenAired, reason: "提问人留了电话", actor: admin, at: beijing("2026-12-03 10:07"))
        try await interview.status(.ended, at: beijing("2026-12-03 11:00"))
        // 补录: answered twice on two days; a third answer withdrawn; the
        // withdrawn question's answer goes with it.
        try await interview.answer(deferred, "可以，向受理地申请。", at: beijing("2026-12-07 15:00"))
        try await interview.answer(deferred, "补充：可在线提交材料。", at: beijing("2026-12-08 09:00"))
        let withdrawnLate = try Self.entryID(
            try await store.postEntry(
                interviewID: id, kind: .answer, body: "联系人手机13900000000", author: .guest(id: nil), questionID: deferred,
                actor: interview.host,
                at: beijing("2026-12-08 10:00")))
        _ = try await store.unpublishEntry(
            interviewID: id, entryID: withdrawnLate, reason: "个人手机号", actor: admin, at: beijing("2026-12-08 11:00"))
        try await interview.answer(hiddenQuestion, "已电话联系。", at: beijing("2026-12-08 12:00"))

        let document = try await store.publishedTranscript(interviewID: id)
        #expect(document.interview.id == id && document.interview.title == "访谈")
        #expect(document.interview.host == "host")
        #expect(document.interview.guests == [GuestCredit(name: "张局长", title: "局长", department: "市司法局")])
        #expect(document.interview.startedAt == beijing("2026-12-03 10:00") && document.interview.endedAt == beijing("2026-12-03 11:00"))
        #expect(document.interview.publishedAt == nil && document.interview.url == nil)
        #expect(document.entries.map(\.kind) == [.system, .question, .answer, .system])
        #expect(document.entries.map(\.body) == ["started", "物业费怎么收？", "按建筑面积收取。", "ended"])
        #expect(document.entries[1].author == "王*" && document.entries[1].questionId == aired)
        #expect(document.entries[2].author == "张局长" && document.entries[2].authorTitle == "局长" && document.entries[2].version == 2)
        #expect(document.entries[2].at == beijing("2026-12-03 10:03"))
        let rendered = TranscriptExport.render(document, as: .text)
        #expect(!rendered.contains("13812345678") && !rendered.contains("13900000000") && !rendered.contains("我的电话"))

        #expect(document.deferredReplies.map(\.answer) == ["可以，向受理地申请。", "补充：可在线提交材料。"])
        let reply = try #require(document.deferredReplies.first)
        #expect(reply.questionId == deferred && reply.question == "异地可以申请吗？" && reply.asker == "网友")
        #expect(reply.receivedOn == civil("2026-12-02") && reply.repliedOn == civil("2026-12-07"))
        #expect(reply.department == "市司法局" && reply.answeredBy == "张局长" && reply.answeredByTitle == "局长")
        #expect(document.deferredReplies[1].repliedOn == civil("2026-12-08"))
        #expect(!document.deferredReplies.contains { $0.questionId == unanswered || $0.questionId == hiddenQuestion })

        // Published: the same, with the publication; read twice, the same.
        try await interview.status(.published, at: beijing("2026-12-10 09:00"))
        let published = try await store.publishedTranscript(interviewID: id)
        #expect(published.interview.publishedAt == beijing("2026-12-10 09:00"))
        #expect(published.entries.last?.body == "published")
        #expect(try await store.publishedTranscript(interviewID: id) == published)
        #expect(
            TranscriptExport.data(published, as: .json)
                == TranscriptExport.data(try await store.publishedTranscript(interviewID: id), as: .json))
    }

    @Test("an announced interview that never went live has no transcript; a scheduled one is not public", arguments: StoreBackend.underTest)
    func notAnnounced(_ backend: StoreBackend) async throws {
        let db = try await backend.makeDatabase()
        let host = StoreInterview.staff(try await db.addUser("host", role: .host), "host", .host)
        let draft = try await db.interviews.createInterview(
            InterviewDraft(title: "未公布", summary: "", scheduledStart: testStart, plannedMinutes: 60, hostUsername: nil, guests: []),
            actor: host, at: testStart)
        let refusal = await transcriptRefusal { _ = try await db.interviews.publishedTranscript(interviewID: draft.id) }
        #expect(refusal == TranscriptNotAvailable(interviewID: draft.id, status: .scheduled))
        #expect(refusal?.description == "interview \(draft.id) is not announced; it has no public transcript")
    }
}

/// The `TranscriptNotAvailable` a call threw.
func transcriptRefusal(_ body: () async throws -> Void) async -> TranscriptNotAvailable? {
    do {
        try await body()
        return nil
    } catch let refusal as TranscriptNotAvailable {
        return refusal
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
