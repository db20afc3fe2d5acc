import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// A draft as the department publishes one for comment: a title line,
/// chapters with full-width spaces, and articles.
let communityCorrectionDraft = """
    江苏省社区矫正工作办法（征求意见稿）

    第一章　总　　则

    第一条　为了规范社区矫正工作，根据《中华人民共和国社区矫正法》，结合本省实际，制定本办法。

    第二条　本省行政区域内的社区矫正工作，适用本办法。

    第二章　监督管理

    第三条　社区矫正机构应当根据裁判内容和社区矫正对象的具体情况，制定有针对性的矫正方案。

    第四条　社区矫正对象确因正当理由需要外出的，应当经社区矫正机构批准。
    """

/// A consultation driven through the contract (`any ConsultationsStore`)
/// on either backend (a real SQLite file; a fresh PostgreSQL database), with the mailbox fixture's staff: `office` (a
/// handler) prepares, `reviewer` opens, closes and publishes, `moderator`
/// moderates, `admin` withdraws.
struct StoreConsultation {
    let box: Mailbox
    var db: AppDatabase { box.db }
    var store: any ConsultationsStore { box.db.consultations }

    static let opensAt = beijing("2026-12-01 00:00")
    static let closesAt = beijing("2026-12-31 00:00")
    static let during = beijing("2026-12-10 10:00")

    init(on backend: StoreBackend = .sqlite) async throws {
        box = try await Mailbox(on: backend, onFile: true)
    }

    func importDraft(explanation: String = "为规范社区矫正工作，起草本办法。", at now: Date = beijing("2026-11-20 09:00")) async throws
        -> ConsultationView
    {
        try await store.importConsultation(
            NewConsultation(
                title: nil, draftingExplanation: explanation, opensAt: Self.opensAt, closesAt: Self.closesAt,
                text: communityCorrectionDraft, format: .plainText),
            actor: box.office, at: now)
    }

    /// Imported, confirmed and opened.
    func opened() async throws -> ConsultationView {
        let draft = try await importDraft()
        _ = try await store.confirmSplit(id: draft.id, actor: box.office, at: beijing("2026-11-20 10:00"))
        return try await store.openConsultation(id: draft.id, actor: box.reviewer, at: beijing("2026-11-21 09:00"))
    }

    @discardableResult
    func comment(_ id: Int64, _ target: CommentTarget, _ text: String, nickname: String? = nil, at now: Date = during) async throws
        -> (SubmittedComment, ModerationItem)
    {
        try await store.submitComment(
            consultationID: id, CommentSubmission(target: target, text: text, nickname: nickname), check: plainFilter.check(text), at: now)
    }

    /// A comment approved by the moderator; its id.
    func published(_ id: Int64, _ target: CommentTarget, _ text: String, nickname: String? = nil) async throws -> Int64 {
        let (comment, item) = try await comment(id, target, text, nickname: nickname)
        try await ModerationOnEitherBackend.decide(db, id: item.id, by: box.moderator, at: Self.during)
        return comment.id
    }
}

@Suite("Consultations: store")
struct ConsultationsStoreTests {
    @Test("an import is split into chapters and articles, stored unconfirmed, and opens only once confirmed and explained", arguments: StoreBackend.underTest)
    func importConfirmOpen(_ backend: StoreBackend) async throws {
        let c = try await StoreConsultation(on: backend)
        // Given an import without an explanation
        let draft = try await c.importDraft(explanation: "")
        #expect(draft.title == "江苏省社区矫正工作办法（征求意见稿）")
        #expect(draft.state == .draft && draft.splitConfirmedAt == nil)
        #expect(draft.draft.sections.map(\.key) == ["art-1", "art-2", "art-3", "art-4"])
        #expect(draft.draft.headings.map(\.title) == ["总则", "监督管理"])
        let sections = try await c.db.rawStrings(
            "SELECT section_key FROM consultation_section WHERE consultation_id = \(draft.id) ORDER BY position")
        #expect(sections == ["art-1", "art-2", "art-3", "art-4"])
        // Then it cannot open before its split is confirmed
        await #expect(throws: StoreError.conflict("confirm the draft's split into articles before opening the consultation")) {
            try await c.store.openConsultation(id: draft.id, actor: c.box.reviewer, at: beijing("2026-11-21 09:00"))
        }
        _ = try await c.store.confirmSplit(id: draft.id, actor: c.box.office, at: beijing("2026-11-20 10:00"))
        // Nor without its drafting explanation
        do {
            _ = try await c.store.openConsultation(id: draft.id, actor: c.box.reviewer, at: beijing("2026-11-21 09:00"))
            Issue.record("opened without an explanation")
        } catch ConsultationTransitionError.invalidDefinition(let errors) {
            #expect(errors.map(\.field) == ["draftingExplanation"])
        }
        // And a handler may prepare it but not open it
        var settings = draft.settings
        settings.draftingExplanation = "为规范社区矫正工作，起草本办法。"
        _ = try await c.store.updateConsultation(id: draft.id, settings, actor: c.box.office, at: beijing("2026-11-20 11:00"))
        await #expect(throws: StoreError.self) {
            try await c.store.openConsultation(id: draft.id, actor: c.box.office, at: beijing("2026-11-21 09:00"))
        }
        let opened = try await c.store.openConsultation(id: draft.id, actor: c.box.reviewer, at: beijing("2026-11-21 09:00"))
        #expect(opened.state == .open && !opened.finished)
        // Reimporting the text of an open consultation is refused: comments refer to its articles
        await #expect(throws: StoreError.self) {
            try await c.store.reimportDraft(id: draft.id, text: "第一条　新的。", format: .plainText, actor: c.box.office, at: StoreConsultation.during)
        }
    }

    @Test("a reimport while a draft replaces the articles and asks for the split to be confirmed again", arguments: StoreBackend.underTest)
    func reimport(_ backend: StoreBackend) async throws {
        let c = try await StoreConsultation(on: backend)
        let draft = try await c.importDraft()
        _ = try await c.store.confirmSplit(id: draft.id, actor: c.box.office, at: beijing("2026-11-20 10:00"))
        let again = try await c.store.reimportDraft(
            id: draft.id, text: "## 第一条 目的\n为了规范工作，制定本办法。\n## 第二条 范围\n本办法适用于全省。", format: .markdown, actor: c.box.office,
            at: beijing("2026-11-20 11:00"))
        #expect(again.splitConfirmedAt == nil)
        #expect(again.draft.sections.map(\.title) == ["目的", "范围"])
        let sections = try await c.db.rawInt("SELECT COUNT(*) FROM consultation_section WHERE consultation_id = \(draft.id)")
        #expect(sections == 2)
    }

    @Test("comments wait for moderation; approved ones are public, masked and counted per article; rejected ones never are", arguments: StoreBackend.underTest)
    func commentsThroughModeration(_ backend: StoreBackend) async throws {
        let c = try await StoreConsultation(on: backend)
        let id = try await c.opened().id
        let (pending, item) = try await c.comment(id, .section("art-3"), "建议矫正方案征求家属意见，联系13812345678。", nickname: "王小明")
        #expect(pending.state == .pending)
        #expect(item.kind == .comment && item.sourceType == "consultation_comment")
        #expect(
            try await ModerationOnEitherBackend.subject(c.db, itemID: item.id)
                == .consultationComment(consultationID: id, commentID: pending.id))
        #expect(try await c.store.publicConsultation(id: id)?.comments.isEmpty == true)
        #expect(try await c.store.consultation(id: id).comments.pending == 1)

        try await ModerationOnEitherBackend.decide(c.db, id: item.id, by: c.box.moderator, at: StoreConsultation.during)
        let (_, rejected) = try await c.comment(id, .section("art-3"), "广告内容")
        try await ModerationOnEitherBackend.decide(
            c.db, id: rejected.id, rejectReason: "other", by: c.box.moderator, at: StoreConsultation.during)
        _ = try await c.published(id, .wholeDraft, "整体赞成。")

        let page = try #require(try await c.store.publicConsultation(id: id))
        #expect(page.comments.map(\.text) == ["建议矫正方案征求家属意见，联系138****5678。", "整体赞成。"])
        #expect(page.comments.first?.nickname == "王**")
        #expect(page.commentCounts.wholeDraft == 1)
        #expect(page.commentCounts.sections.map(\.count) == [0, 0, 1, 0])
        #expect(page.report == nil)
        let tally = try await c.store.consultation(id: id).comments
        #expect(tally == ConsultationView.CommentTally(pending: 0, published: 2, rejected: 1))
    }

    @Test("a comment outside the window or the open state is refused with the window; a draft is not found", arguments: StoreBackend.underTest)
    func commentWindow(_ backend: StoreBackend) async throws {
        let c = try await StoreConsultation(on: backend)
        let draft = try await c.importDraft()
        await #expect(throws: StoreError.notFound(kind: "consultation", key: String(draft.id))) {
            try await c.comment(draft.id, .wholeDraft, "尚未公开就提意见")
        }
        let id = try await c.opened().id
        let window = ParticipationWindow(opensAt: StoreConsultation.opensAt, closesAt: StoreConsultation.closesAt)
        await #expect(throws: CommentPeriodClosed(availability: .notYetOpen(window))) {
            try await c.comment(id, .wholeDraft, "太早了", at: beijing("2026-11-30 23:59"))
        }
        await #expect(throws: CommentPeriodClosed(availability: .closed(window))) {
            try await c.comment(id, .wholeDraft, "太晚了", at: StoreConsultation.closesAt)
        }
        #expect(try await c.store.consultation(id: id).comments.pending == 0)
    }

    @Test("a comment on an article the draft does not have is refused by the schema", arguments: StoreBackend.underTest)
    func unknownArticle(_ backend: StoreBackend) async throws {
        let c = try await StoreConsultation(on: backend)
        let id = try await c.opened().id
        // The database's own error (SQLite's or PostgreSQL's), which both
        // map to the same store error.
        let error = await #expect(throws: (any Error).self) {
            try await c.comment(id, .section("art-99"), "第九十九条不存在")
        }
        #expect(error.flatMap { StoreError.from($0) }.map { if case .invalid = $0 { true } else { false } } == true)
        let rows = try await c.db.rawInt("SELECT COUNT(*) FROM consultation_comment")
        #expect(rows == 0)
    }

    @Test("the consultation cannot be finished until every comment is moderated and decided; then its report is public", arguments: StoreBackend.underTest)
    func reportBlocksTheClose(_ backend: StoreBackend) async throws {
        let c = try await StoreConsultation(on: backend)
        let id = try await c.opened().id
        let first = try await c.published(id, .section("art-4"), "外出审批时限应明确。")
        let second = try await c.published(id, .section("art-4"), "建议规定外出审批在三个工作日内答复。")
        let third = try await c.published(id, .wholeDraft, "赞成出台本办法。")
        try await c.comment(id, .section("art-1"), "还在审核中的意见")

        // Publishing from open is not allowed: the comment period must end first
        await #expect(throws: ConsultationTransitionError.notAllowed(from: .open, to: .reportPublished)) {
            try await c.store.publishAdoptionReport(id: id, actor: c.box.reviewer, at: beijing("2027-01-05 09:00"))
        }
        let closed = try await c.store.closeCommentPeriod(id: id, actor: c.box.reviewer, at: beijing("2027-01-02 09:00"))
        #expect(closed.state == .closed && !closed.finished)
        #expect(closed.closesAt == StoreConsultation.closesAt)

        // Pending and undecided comments block the report
        do {
            _ = try await c.store.publishAdoptionReport(id: id, actor: c.box.reviewer, at: beijing("2027-01-05 09:00"))
            Issue.record("published an incomplete report")
        } catch ConsultationTransitionError.reportIncomplete(let errors) {
            #expect(errors.map(\.code) == ["pending_moderation", "undecided", "undecided", "undecided"])
            #expect(errors.map(\.field).dropFirst() == ["comments.\(first)", "comments.\(second)", "comments.\(third)"])
        }
        #expect(try await c.store.consultation(id: id).state == .closed)

        // Grouped and decided (the pending one is rejected as spam)
        let queue = try await ModerationOnEitherBackend.pending(c.db, kind: .comment, at: beijing("2027-01-03 09:00"))
        #expect(queue.map(\.text) == ["还在审核中的意见"])
        for item in queue {
            try await ModerationOnEitherBackend.decide(
                c.db, id: item.id, rejectReason: "other", by: c.box.moderator, at: beijing("2027-01-03 09:00"))
        }
        try await c.store.recordDecision(
            consultationID: id, on: .comment(first), AdoptionRecord(decision: .notAdopted, reason: "先记下"), actor: c.box.office,
            at: beijing("2027-01-03 10:00"))
        let group = try await c.store.groupComments(
            consultationID: id, summary: "建议明确外出审批时限", commentIDs: [first, second], actor: c.box.office, at: beijing("2027-01-03 10:00"))
        #expect(try await c.store.publishedComments(consultationID: id).first { $0.id == first }?.decision == nil)
        await #expect(throws: StoreError.self) {
            try await c.store.recordDecision(
                consultationID: id, on: .comment(first), AdoptionRecord(decision: .adopted, reason: "x"), actor: c.box.office, at: .now)
        }
        try await c.store.recordDecision(
            consultationID: id, on: .group(group.id), AdoptionRecord(decision: .adopted, reason: "第四条增加“三个工作日内”的时限。"),
            actor: c.box.office, at: beijing("2027-01-04 10:00"))
        try await c.store.recordDecision(
            consultationID: id, on: .comment(third), AdoptionRecord(decision: .notAdopted, reason: "属于总体评价，无需修改条文。"),
            actor: c.box.office, at: beijing("2027-01-04 10:00"))
        // A handler prepares the report; a leader publishes it
        await #expect(throws: StoreError.self) {
            try await c.store.publishAdoptionReport(id: id, actor: c.box.office, at: beijing("2027-01-05 09:00"))
        }
        let finished = try await c.store.publishAdoptionReport(id: id, actor: c.box.reviewer, at: beijing("2027-01-05 09:00"))
        #expect(finished.state == .reportPublished && finished.finished)

        let report = try #require(try await c.store.publicConsultation(id: id)?.report)
        #expect(report.decisionCounts == AdoptionReport.DecisionCounts(adopted: 2, partlyAdopted: 0, notAdopted: 1))
        #expect(report.entries.map(\.kind) == [.comment, .group])
        #expect(report.entries.last?.targetLabels == ["第四条"])
        // Its groups and decisions are final
        await #expect(throws: StoreError.conflict("the adoption report is published; its groups and decisions are final")) {
            try await c.store.dissolveCommentGroup(consultationID: id, groupID: group.id, actor: c.box.office, at: beijing("2027-01-06 09:00"))
        }
        let actions = try await c.db.rawStrings("SELECT action FROM audit_entry WHERE subject_type = 'consultation' ORDER BY id")
        #expect(actions.first == "consultation.import" && actions.last == "consultation.publish_report")
        #expect(actions.contains("consultation.group") && actions.contains("consultation.close_comments"))
    }

    @Test("edits follow the state: the opening time and the text lock when it opens, the closing time when it closes", arguments: StoreBackend.underTest)
    func editsFollowTheState(_ backend: StoreBackend) async throws {
        let c = try await StoreConsultation(on: backend)
        let view = try await c.opened()
        var later = view.settings
        later.opensAt = beijing("2026-12-02 00:00")
        await #expect(throws: StoreError.self) {
            try await c.store.updateConsultation(id: view.id, later, actor: c.box.office, at: StoreConsultation.during)
        }
        var extended = view.settings
        extended.closesAt = beijing("2027-01-15 00:00")
        extended.title = "江苏省社区矫正工作办法（征求意见稿）（修订）"
        let updated = try await c.store.updateConsultation(id: view.id, extended, actor: c.box.office, at: StoreConsultation.during)
        #expect(updated.closesAt == beijing("2027-01-15 00:00"))
        // Closed early: the window ends when it was closed, on the record
        let closed = try await c.store.closeCommentPeriod(id: view.id, actor: c.box.reviewer, at: StoreConsultation.during)
        #expect(closed.closesAt == StoreConsultation.during)
        var reopened = closed.settings
        reopened.closesAt = beijing("2027-02-01 00:00")
        await #expect(throws: StoreError.self) {
            try await c.store.updateConsultation(id: view.id, reopened, actor: c.box.office, at: StoreConsultation.during)
        }
    }

    @Test("an admin withdraws a published comment: it leaves the page and the report's text at once; republished, it is masked", arguments: StoreBackend.underTest)
    func withdrawComment(_ backend: StoreBackend) async throws {
        let c = try await StoreConsultation(on: backend)
        let id = try await c.opened().id
        let comment = try await c.published(id, .section("art-2"), "我是李四，住在南京市鼓楼区，建议扩大适用范围。", nickname: "李四")
        await #expect(throws: StoreError.self) {
            try await c.store.unpublishComment(id: comment, reason: "含住址", actor: c.box.office, at: StoreConsultation.during)
        }
        let withdrawn = try await c.store.unpublishComment(id: comment, reason: " 含有评论人住址 ", actor: c.box.admin, at: StoreConsultation.during)
        #expect(withdrawn.withdrawal?.reason == "含有评论人住址")
        let page = try #require(try await c.store.publicConsultation(id: id))
        #expect(page.comments.first?.text == nil && page.comments.first?.withdrawn == true)
        #expect(page.withdrawnCommentIDs == [comment])
        #expect(page.commentCounts.sections[1].count == 1)
        await #expect(throws: StoreError.conflict(WithdrawalRefusal.alreadyWithdrawn.message)) {
            try await c.store.unpublishComment(id: comment, reason: "再次", actor: c.box.admin, at: StoreConsultation.during)
        }
        let (republished, masked) = try await c.store.republishComment(
            id: comment, text: "我是李四，电话13912345678，建议扩大适用范围。", actor: c.box.admin, at: StoreConsultation.during)
        #expect(republished.publicText == "我是李*，电话139****5678，建议扩大适用范围。")
        #expect(Set(masked.map(\.kind)) == [.name, .mobile])
        let again = try #require(try await c.store.publicConsultation(id: id))
        #expect(again.comments.first?.text == "我是李*，电话139****5678，建议扩大适用范围。")
        #expect(again.withdrawnCommentIDs.isEmpty)
        let actions = try await c.db.rawStrings("SELECT action FROM audit_entry WHERE subject_type = 'consultation_comment' ORDER BY id")
        #expect(actions == ["consultation_comment.unpublish", "consultation_comment.republish"])
    }
}
