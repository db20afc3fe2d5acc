import Foundation
import Testing
import WenzhengCore

@Suite("Consultations: what the office may change, and when")
struct ConsultationOfficeTests {
    static let settings = ConsultationSettings(
        title: "江苏省人民调解工作办法（征求意见稿）", draftingExplanation: "说明", opensAt: Date(timeIntervalSince1970: 1_796_000_000),
        closesAt: Date(timeIntervalSince1970: 1_798_592_000))

    @Test("a draft may change everything; an open one its title, explanation and closing time; a closed one its wording; a finished one nothing")
    func locks() {
        let old = Self.settings
        var new = old
        new.title += "（二稿）"
        new.draftingExplanation += "，补充"
        new.opensAt += 3600
        new.closesAt += 86_400
        func locked(_ state: ConsultationState, draftChanged: Bool = true) -> [String] {
            ConsultationOffice.editErrors(state: state, from: old, to: new, draftChanged: draftChanged).map(\.field)
        }
        #expect(locked(.draft).isEmpty)
        #expect(locked(.open) == ["opensAt", "draft"])
        #expect(locked(.closed) == ["opensAt", "draft", "closesAt"])
        #expect(locked(.reportPublished) == ["title", "draftingExplanation", "opensAt", "draft", "closesAt"])
        #expect(ConsultationOffice.editErrors(state: .reportPublished, from: old, to: old, draftChanged: false).isEmpty)
        #expect(ConsultationOffice.editErrors(state: .open, from: old, to: new, draftChanged: false).allSatisfy { $0.code == "locked" })
    }

    @Test("a draft may leave the explanation empty; an open consultation may not; the window must be the right way round")
    func validation() throws {
        var blank = Self.settings
        blank.draftingExplanation = "  "
        blank.title = " 标题\n第二行 "
        let draft = try ConsultationOffice.validated(blank, state: .draft)
        #expect(draft.draftingExplanation == "" && draft.title == "标题 第二行")
        #expect(throws: ValidationFailure([.required("draftingExplanation")])) {
            try ConsultationOffice.validated(blank, state: .open)
        }
        var inverted = Self.settings
        inverted.closesAt = inverted.opensAt
        inverted.title = ""
        #expect(throws: ValidationFailure.self) { try ConsultationOffice.validated(inverted, state: .draft) }
        do {
            _ = try ConsultationOffice.validated(inverted, state: .draft)
        } catch {
            #expect(error.errors.map(\.field) == ["title", "closesAt"])
        }
    }

    @Test("the default window starts at the next Beijing midnight and runs 30 days; a window already over cannot open")
    func windows() throws {
        // 2026-11-18 23:30 in Beijing is 15:30 UTC.
        let now = try #require(ISO8601DateFormatter().date(from: "2026-11-18T15:30:00Z"))
        let window = ConsultationOffice.defaultWindow(importedAt: now)
        #expect(ISO8601DateFormatter().string(from: window.opensAt) == "2026-11-18T16:00:00Z")
        #expect(window.closesAt.timeIntervalSince(window.opensAt) == 30 * 86_400)
        let definition = ConsultationDefinition(
            title: "t", draftingExplanation: "e", opensAt: window.opensAt, closesAt: window.closesAt,
            draft: try DraftSplitter.split("第一条　内容。", format: .plainText))
        #expect(ConsultationOffice.openingErrors(definition, now: now).isEmpty)
        #expect(ConsultationOffice.openingErrors(definition, now: window.closesAt).map(\.code) == ["in_the_past"])
        #expect(ConsultationOffice.publishers.isSubset(of: ConsultationOffice.organisers))
    }
}
