import Foundation
import Testing
import WenzhengCore
import WenzhengTestFixtures

@Suite("Survey states, windows and edits")
struct SurveyRulesTests {
    typealias F = SurveyFixtures

    @Test("draft → open → closed → results published, and nothing else")
    func transitions() throws {
        let definition = F.legalAidSurvey()
        let allowed: Set<[SurveyState]> = [[.draft, .open], [.open, .closed], [.closed, .resultsPublished]]
        for from in SurveyState.allCases {
            for to in SurveyState.allCases {
                if allowed.contains([from, to]) {
                    #expect(try SurveyRules.transition(from: from, to: to, definition: definition, now: F.opensAt) == to)
                } else {
                    #expect(throws: SurveyTransitionError.notAllowed(from: from, to: to)) {
                        try SurveyRules.transition(from: from, to: to, definition: definition, now: F.opensAt)
                    }
                }
            }
        }
    }

    @Test("a survey opens only with a valid definition")
    func openingNeedsAValidDefinition() {
        var definition = F.legalAidSurvey()
        definition.questions = []
        #expect(throws: SurveyTransitionError.invalidDefinition([.required("questions")])) {
            try SurveyRules.transition(from: .draft, to: .open, definition: definition, now: F.opensAt)
        }
    }

    @Test("a survey whose closing time has passed does not open")
    func openingNeedsAClosingTimeToCome() {
        let definition = F.legalAidSurvey()
        #expect(throws: SurveyTransitionError.invalidDefinition([
            FieldError(field: "closesAt", code: "in_the_past", message: "closesAt has passed; choose a later closing time")
        ])) {
            try SurveyRules.transition(from: .draft, to: .open, definition: definition, now: F.closesAt)
        }
        #expect(throws: Never.self) { try SurveyRules.transition(from: .draft, to: .open, definition: definition, now: F.closesAt - 1) }
    }

    @Test("availability: a window from opening up to, not including, closing, inside the open state")
    func availability() {
        let window = ParticipationWindow(opensAt: F.opensAt, closesAt: F.closesAt)
        let before = F.opensAt.addingTimeInterval(-1)
        let last = F.closesAt.addingTimeInterval(-1)
        #expect(SurveyRules.availability(state: .open, window: window, now: before) == .notYetOpen(window))
        #expect(SurveyRules.availability(state: .open, window: window, now: F.opensAt) == .open)
        #expect(SurveyRules.availability(state: .open, window: window, now: last) == .open)
        #expect(SurveyRules.availability(state: .open, window: window, now: F.closesAt) == .closed(window))
        // The state wins over the clock.
        #expect(SurveyRules.availability(state: .draft, window: window, now: F.opensAt) == .notYetOpen(window))
        #expect(SurveyRules.availability(state: .closed, window: window, now: F.opensAt) == .closed(window))
        #expect(SurveyRules.availability(state: .resultsPublished, window: window, now: last) == .closed(window))
        #expect(window.contains(F.opensAt) && !window.contains(F.closesAt))
    }

    @Test("questions cannot change once the survey has responses")
    func questionsLockWithTheFirstResponse() {
        #expect(SurveyRules.questionsAreEditable(state: .draft, responseCount: 0))
        #expect(SurveyRules.questionsAreEditable(state: .open, responseCount: 0))
        #expect(!SurveyRules.questionsAreEditable(state: .open, responseCount: 1))
        #expect(!SurveyRules.questionsAreEditable(state: .closed, responseCount: 0))
        #expect(!SurveyRules.questionsAreEditable(state: .resultsPublished, responseCount: 0))

        let current = F.legalAidSurvey()
        var proposed = current
        proposed.questions[0].prompt = "您是否申请过法律援助？"
        #expect(SurveyRules.editErrors(current: current, proposed: proposed, state: .open, responseCount: 0).isEmpty)
        let locked = SurveyRules.editErrors(current: current, proposed: proposed, state: .open, responseCount: 3)
        #expect(locked.map(\.field) == ["questions"])
        #expect(locked.map(\.code) == ["locked"])
    }

    @Test("mode, anonymity and opening time are fixed once public; closing time once closed; title always editable")
    func otherEdits() {
        let current = F.legalAidSurvey()
        var proposed = current
        proposed.mode = .invitation
        proposed.isAnonymous = false
        proposed.opensAt = current.opensAt.addingTimeInterval(3600)
        proposed.closesAt = current.closesAt.addingTimeInterval(86_400)
        proposed.title = "改正后的标题"
        #expect(SurveyRules.editErrors(current: current, proposed: proposed, state: .draft, responseCount: 0).isEmpty)
        #expect(
            SurveyRules.editErrors(current: current, proposed: proposed, state: .open, responseCount: 5).map(\.field)
                == ["mode", "isAnonymous", "opensAt"])
        #expect(
            SurveyRules.editErrors(current: current, proposed: proposed, state: .closed, responseCount: 5).map(\.field)
                == ["mode", "isAnonymous", "opensAt", "closesAt"])
        var retitled = current
        retitled.title = "更正"
        retitled.introduction = "更正说明"
        #expect(SurveyRules.editErrors(current: current, proposed: retitled, state: .resultsPublished, responseCount: 9).isEmpty)
    }
}
