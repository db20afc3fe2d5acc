import Foundation
import Testing
import WenzhengCore

enum ConsultationFixtures {
    static let opensAt = Date(timeIntervalSince1970: 1_793_462_400)
    static let closesAt = opensAt.addingTimeInterval(30 * 86_400)

    static func legalAid() throws -> ConsultationDefinition {
        ConsultationDefinition(
            title: "江苏省法律援助条例（征求意见稿）",
            draftingExplanation: "为贯彻实施《中华人民共和国法律援助法》，进一步规范我省法律援助工作，起草了本条例。",
            opensAt: opensAt, closesAt: closesAt,
            draft: try DraftSplitter.split(DraftFixtures.regulationWithChapters, format: .plainText))
    }

    static func comment(_ id: Int64, _ target: CommentTarget, _ text: String = "建议修改") -> ConsultationComment {
        ConsultationComment(id: id, target: target, text: text, submittedOn: CivilDate("2026-11-0\(id % 9 + 1)")!)
    }

    static let comments: [ConsultationComment] = [
        comment(1, .section("art-9"), "建议将请求支付工伤待遇纳入第九条的申请范围。"),
        comment(2, .section("art-9"), "第九条应增加工伤待遇事项。"),
        comment(3, .wholeDraft, "整体上条例规定较为原则，建议细化。"),
        comment(4, .section("art-5"), "建议工作站覆盖到每个乡镇。"),
        comment(5, .section("art-9"), "=HYPERLINK(\"http://x\")"),
    ]
}

@Suite("Consultation states and rules")
struct ConsultationRulesTests {
    typealias C = ConsultationFixtures

    @Test("draft → open → closed → report published, and nothing else")
    func transitions() throws {
        let definition = try C.legalAid()
        let allowed: Set<[ConsultationState]> = [[.draft, .open], [.open, .closed], [.closed, .reportPublished]]
        for from in ConsultationState.allCases {
            for to in ConsultationState.allCases where !allowed.contains([from, to]) {
                #expect(throws: ConsultationTransitionError.notAllowed(from: from, to: to)) {
                    try ConsultationRules.transition(from: from, to: to, definition: definition, reportErrors: [])
                }
            }
        }
        #expect(try ConsultationRules.transition(from: .draft, to: .open, definition: definition, reportErrors: []) == .open)
        #expect(try ConsultationRules.transition(from: .open, to: .closed, definition: definition, reportErrors: []) == .closed)
    }

    @Test("the consultation cannot be closed as finished until its adoption report is complete and published")
    func finishingNeedsTheReport() throws {
        let definition = try C.legalAid()
        // Comments without decisions: the report cannot be made, so the
        // consultation cannot be finished.
        let blockers = AdoptionReport.errors(definition: definition, comments: C.comments, groups: [], decisions: [:])
        #expect(blockers.count == 5)
        #expect(throws: ConsultationTransitionError.reportIncomplete(blockers)) {
            try ConsultationRules.transition(from: .closed, to: .reportPublished, definition: definition, reportErrors: blockers)
        }
        // Closing the comment period does not finish it.
        #expect(!ConsultationState.closed.isFinished)
        #expect(ConsultationState.allCases.filter(\.isFinished) == [.reportPublished])
        // With every comment decided, publishing the report finishes it.
        let decisions = Dictionary(uniqueKeysWithValues: C.comments.map { ($0.id, AdoptionRecord(decision: .notAdopted, reason: "已有规定")) })
        let none = AdoptionReport.errors(definition: definition, comments: C.comments, groups: [], decisions: decisions)
        #expect(none.isEmpty)
        let state = try ConsultationRules.transition(from: .closed, to: .reportPublished, definition: definition, reportErrors: none)
        #expect(state.isFinished)
        // A consultation nobody commented on can still finish, with an empty report.
        #expect(AdoptionReport.errors(definition: definition, comments: [], groups: [], decisions: [:]).isEmpty)
    }

    @Test("opening needs a title, a drafting explanation, a window and a draft")
    func openingNeedsAValidDefinition() throws {
        var definition = try C.legalAid()
        definition.title = " "
        definition.draftingExplanation = ""
        definition.closesAt = definition.opensAt
        definition.draft.sections = []
        let fields = ["title", "draftingExplanation", "closesAt", "draft"]
        do {
            _ = try ConsultationRules.transition(from: .draft, to: .open, definition: definition, reportErrors: [])
            Issue.record("opened")
        } catch {
            guard case .invalidDefinition(let errors) = error else { Issue.record("\(error)"); return }
            #expect(errors.map(\.field) == fields)
        }
        var duplicated = try C.legalAid()
        duplicated.draft.sections[1].key = "art-1"
        #expect(throws: ValidationFailure.self) { try ConsultationRules.validated(duplicated) }
        #expect(try ConsultationRules.validated(try C.legalAid()).title == "江苏省法律援助条例（征求意见稿）")
    }

    @Test("comments are taken only while open, inside the window")
    func window() throws {
        let window = try C.legalAid().window
        #expect(ConsultationRules.availability(state: .open, window: window, now: C.opensAt) == .open)
        #expect(ConsultationRules.availability(state: .open, window: window, now: C.opensAt.addingTimeInterval(-1)) == .notYetOpen(window))
        #expect(ConsultationRules.availability(state: .open, window: window, now: C.closesAt) == .closed(window))
        #expect(ConsultationRules.availability(state: .draft, window: window, now: C.opensAt) == .notYetOpen(window))
        #expect(ConsultationRules.availability(state: .closed, window: window, now: C.opensAt) == .closed(window))
        #expect(ConsultationRules.availability(state: .reportPublished, window: window, now: C.opensAt) == .closed(window))
    }
}

@Suite("Consultation comments")
struct ConsultationCommentTests {
    typealias C = ConsultationFixtures

    @Test("a comment on an article, or on the whole draft")
    func targets() throws {
        let draft = try C.legalAid().draft
        let onArticle = try ConsultationComments.validated(target: "art-9", text: "  建议增加工伤待遇。\r\n谢谢。 ", nickname: " 张三 ", draft: draft)
        #expect(onArticle == CommentSubmission(target: .section("art-9"), text: "建议增加工伤待遇。\n谢谢。", nickname: "张三"))
        for whole in [nil, "", "draft", "whole"] {
            #expect(try ConsultationComments.validated(target: whole, text: "整体意见", nickname: nil, draft: draft).target == .wholeDraft)
        }
        #expect(try ConsultationComments.validated(target: "art-1", text: "好的", nickname: "", draft: draft).nickname == nil)
    }

    @Test("unknown sections, empty, too short and too long comments, long nicknames: all reported at once")
    func refused() throws {
        let draft = try C.legalAid().draft
        #expect(throws: ValidationFailure([
            FieldError(field: "target", code: "unknown_section", message: "the draft has no section 'art-99'"), .required("text"),
            .tooLong("nickname", max: ConsultationRules.nicknameMaxLength),
        ])) {
            try ConsultationComments.validated(target: "art-99", text: " \u{3000}\n", nickname: String(repeating: "名", count: 21), draft: draft)
        }
        #expect(throws: ValidationFailure([.tooShort("text", min: ConsultationRules.commentMinLength)])) {
            try ConsultationComments.validated(target: nil, text: "好", nickname: nil, draft: draft)
        }
        let long = String(repeating: "意", count: ConsultationRules.commentMaxLength)
        #expect(throws: Never.self) { try ConsultationComments.validated(target: nil, text: long, nickname: nil, draft: draft) }
        #expect(throws: ValidationFailure([.tooLong("text", max: ConsultationRules.commentMaxLength)])) {
            try ConsultationComments.validated(target: nil, text: long + "见", nickname: nil, draft: draft)
        }
        // CRLF counts as one character, as LF.
        let lines = String(repeating: "意\r\n", count: ConsultationRules.commentMaxLength / 2 - 1) + "意"
        #expect(throws: Never.self) { try ConsultationComments.validated(target: nil, text: lines, nickname: nil, draft: draft) }
    }

    @Test("counts per article include articles with none, and the whole draft separately")
    func counts() throws {
        let draft = try C.legalAid().draft
        let counts = ConsultationComments.counts(draft: draft, targets: C.comments.map(\.target) + [.section("art-404")])
        #expect(counts.wholeDraft == 1)
        #expect(counts.sections.count == 10)
        #expect(counts.sections.map(\.count) == [0, 0, 0, 0, 1, 0, 0, 0, 3, 0])
        #expect(counts.sections[8].label == "第九条")
        #expect(counts.total == 5)
    }

    @Test("targets are stored as strings")
    func targetCoding() throws {
        let data = try JSONEncoder().encode([CommentTarget.wholeDraft, .section("art-3")])
        #expect(String(decoding: data, as: UTF8.self) == #"["draft","art-3"]"#)
        #expect(try JSONDecoder().decode([CommentTarget].self, from: data) == [.wholeDraft, .section("art-3")])
    }
}

@Suite("Adoption decisions and the report")
struct AdoptionReportTests {
    typealias C = ConsultationFixtures

    static let group = CommentGroup(
        id: 7, summary: "建议将工伤待遇纳入申请范围", memberIDs: [2, 1, 5],
        decision: AdoptionRecord(decision: .adopted, reason: "已在第九条增加第（六）项。"))
    static let decisions: [Int64: AdoptionRecord] = [
        3: AdoptionRecord(decision: .partlyAdopted, reason: "对部分条款作了细化。"),
        4: AdoptionRecord(decision: .notAdopted, reason: "工作站设置由各地根据实际确定。"),
    ]

    @Test("a group's decision applies to its members; the report orders entries by article, whole draft first")
    func report() throws {
        let report = try AdoptionReport.build(
            definition: try C.legalAid(), comments: C.comments, groups: [Self.group], decisions: Self.decisions)
        #expect(report.title == "江苏省法律援助条例（征求意见稿）")
        #expect(report.commentCount == 5)
        #expect(report.decisionCounts == .init(adopted: 3, partlyAdopted: 1, notAdopted: 1))
        #expect(report.entries.map(\.kind) == [.comment, .comment, .group])
        #expect(report.entries.map(\.id) == [3, 4, 7])
        #expect(report.entries.map(\.targetLabels) == [["全文"], ["第五条"], ["第九条"]])
        let grouped = report.entries[2]
        #expect(grouped.commentIDs == [1, 2, 5])
        #expect(grouped.summary == "建议将工伤待遇纳入申请范围")
        #expect(grouped.decision == .adopted)
        #expect(report.commentCounts.sections[8].count == 3)
    }

    @Test("every reason the report cannot be made, by comment and group id")
    func incomplete() throws {
        let groups = [
            CommentGroup(id: 1, summary: "", memberIDs: [1], decision: nil),
            CommentGroup(id: 2, summary: "重复", memberIDs: [1, 2, 99], decision: AdoptionRecord(decision: .adopted, reason: " ")),
        ]
        let decisions: [Int64: AdoptionRecord] = [2: AdoptionRecord(decision: .adopted, reason: "已采纳")]
        let errors = AdoptionReport.errors(definition: try C.legalAid(), comments: C.comments, groups: groups, decisions: decisions)
        #expect(
            errors.map(\.field) == [
                "groups.1.summary", "groups.1.memberIDs", "groups.1.decision", "groups.2.memberIDs", "groups.2.memberIDs",
                "groups.2.reason", "comments.2", "comments.3", "comments.4", "comments.5",
            ])
        #expect(
            errors.map(\.code) == [
                "required", "too_few", "required", "duplicate", "unknown_comment", "required", "conflict", "undecided", "undecided",
                "undecided",
            ])
    }

    @Test("decision forms: a known decision and a reason are both required")
    func decisionForms() throws {
        #expect(try AdoptionRecord.validated(decision: "partly_adopted", reason: " 部分采纳。 ") == AdoptionRecord(decision: .partlyAdopted, reason: "部分采纳。"))
        #expect(throws: ValidationFailure([.required("decision"), .required("reason")])) {
            try AdoptionRecord.validated(decision: nil, reason: nil)
        }
        #expect(throws: ValidationFailure([.invalid("g.decision", "decision must be adopted, partly_adopted or not_adopted")])) {
            try AdoptionRecord.validated(decision: "maybe", reason: "x", prefix: "g.")
        }
        #expect(throws: ValidationFailure([.tooLong("reason", max: ConsultationRules.decisionReasonMaxLength)])) {
            try AdoptionRecord.validated(decision: "adopted", reason: String(repeating: "理", count: ConsultationRules.decisionReasonMaxLength + 1))
        }
        #expect(AdoptionDecision.allCases.map { $0.label(for: .zh) } == ["采纳", "部分采纳", "不予采纳"])
    }

    @Test("the report round-trips through JSON")
    func codable() throws {
        let report = try AdoptionReport.build(
            definition: try C.legalAid(), comments: C.comments, groups: [Self.group], decisions: Self.decisions)
        let data = try JSONExport.encode(report)
        #expect(try JSONDecoder().decode(AdoptionReport.self, from: data) == report)
    }
}

@Suite("Consultation exports")
struct ConsultationExportTests {
    typealias C = ConsultationFixtures

    @Test("the CSV has one row per comment, with its article, group and decision, neutralised against formulas")
    func csv() throws {
        let document = ConsultationExport.csv(
            definition: try C.legalAid(), comments: C.comments.reversed(), groups: [AdoptionReportTests.group],
            decisions: AdoptionReportTests.decisions, language: .zh)
        #expect(document.header == ["编号", "提交日期", "条款", "意见内容", "分组", "分组概述", "采纳情况", "理由"])
        #expect(document.rows.map { $0[0] } == ["1", "2", "3", "4", "5"])
        #expect(document.rows[0][2] == "第九条")
        #expect(document.rows[0][4...6] == ["7", "建议将工伤待遇纳入申请范围", "采纳"])
        #expect(document.rows[2][2...] == ["全文", "整体上条例规定较为原则，建议细化。", "", "", "部分采纳", "对部分条款作了细化。"])
        let text = String(decoding: document.encoded().dropFirst(3), as: UTF8.self)
        #expect(text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","))
    }

    @Test("the JSON export is deterministic, with the report once it can be made")
    func json() throws {
        let definition = try C.legalAid()
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        let complete = try ConsultationExport.json(
            definition: definition, state: .reportPublished, comments: C.comments, groups: [AdoptionReportTests.group],
            decisions: AdoptionReportTests.decisions, generatedAt: at)
        #expect(complete == (try ConsultationExport.json(
            definition: definition, state: .reportPublished, comments: C.comments.reversed(), groups: [AdoptionReportTests.group],
            decisions: AdoptionReportTests.decisions, generatedAt: at)))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let document = try decoder.decode(ConsultationExport.Document.self, from: complete)
        #expect(document.report?.entries.count == 3)
        #expect(document.comments.map(\.groupID) == [7, 7, nil, nil, 7])
        #expect(document.consultation == definition)
        let pending = ConsultationExport.document(
            definition: definition, state: .closed, comments: C.comments, groups: [], decisions: [:], generatedAt: at)
        #expect(pending.report == nil)
        #expect(pending.commentCounts.total == 5)
    }
}
