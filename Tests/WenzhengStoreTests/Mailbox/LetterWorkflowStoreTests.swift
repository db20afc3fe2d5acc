import Foundation
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// The store enforces `LetterWorkflow` and nothing else: for every staff
/// role and department, letter type, state and action, it refuses exactly
/// when the workflow refuses, with the workflow's words, and otherwise
/// acts. A check added to the store alone, or one the store stops making,
/// fails here.
@Suite("Mailbox store enforces the letter workflow")
struct LetterWorkflowStoreTests {
    static let states: [LetterState] = [.received, .accepted, .assigned, .awaitingSignOff, .replied, .transferred, .rejected]
    static let now = beijing("2026-11-04 10:00")

    /// A letter of `type` brought to `state` by the people whose step it is.
    func letter(_ box: Mailbox, _ type: LetterType, in state: LetterState) async throws -> LetterView {
        let db = box.db.mailbox
        let at = beijing("2026-11-03 09:00")
        let letter = try await box.submit(type, at: "2026-11-03 08:00")
        switch state {
        case .transferred: return try await db.transferLetter(id: letter.id, to: "市信访局", actor: box.office, at: at)
        case .rejected: return try await db.rejectLetter(id: letter.id, reason: .duplicate, actor: box.office, at: at)
        default: break
        }
        var view = letter
        let steps: [LetterState] = [.accepted, .assigned, .awaitingSignOff, .replied]
        for step in steps.prefix(steps.firstIndex(of: state).map { $0 + 1 } ?? 0) {
            switch step {
            case .accepted: view = try await db.acceptLetter(id: letter.id, actor: box.office, at: at)
            case .assigned: view = try await db.assignLetter(id: letter.id, lead: box.cityID, actor: box.office, at: at)
            case .awaitingSignOff: view = try await db.draftReply(id: letter.id, body: "答复", actor: box.city, at: at)
            default: view = try await db.signOff(id: letter.id, approve: true, comment: nil, filter: plainFilter, actor: box.reviewer, at: at)
            }
        }
        #expect(view.state == state)
        return view
    }

    /// The store's call for `action`, with input it accepts.
    func perform(_ action: LetterAction, _ id: Int64, _ box: Mailbox, actor: AuthenticatedStaff) async throws {
        let db = box.db.mailbox
        let now = Self.now
        switch action {
        case .accept: _ = try await db.acceptLetter(id: id, actor: actor, at: now)
        case .transfer: _ = try await db.transferLetter(id: id, to: "市信访局", actor: actor, at: now)
        case .reject: _ = try await db.rejectLetter(id: id, reason: .duplicate, actor: actor, at: now)
        case .assign: _ = try await db.assignLetter(id: id, lead: box.educationID, actor: actor, at: now)
        case .draft: _ = try await db.draftReply(id: id, body: "答复", actor: actor, at: now)
        case .signOff, .sendBack:
            _ = try await db.signOff(id: id, approve: action == .signOff, comment: "意见", filter: plainFilter, actor: actor, at: now)
        case .replyOnTheSpot: _ = try await db.replyOnTheSpot(id: id, body: "答复", filter: plainFilter, actor: actor, at: now)
        case .extend: _ = try await db.extendLetter(id: id, workingDays: 1, notice: "延期告知", actor: actor, at: now)
        case .pause: _ = try await db.pauseLetter(id: id, reason: .thirdParty, note: "征求第三方意见", actor: actor, at: now)
        case .resume: _ = try await db.resumeLetter(id: id, actor: actor, at: now)
        case .correctionNotice:
            _ = try await db.sendCorrectionNotice(
                id: id, text: "请补正", correctionDays: LetterClockRules.defaultCorrectionWorkingDays, actor: actor, at: now)
        case .correctedRequest: _ = try await db.correctedRequestReceived(id: id, actor: actor, at: now)
        case .deemedWithdrawn: _ = try await db.deemWithdrawn(id: id, actor: actor, at: now)
        case .unpublish, .republish, .unpublishReply, .republishReply: Issue.record("publication is tested with withdrawals")
        }
    }

    @Test("role × type × state × action: the store refuses what the workflow refuses, in its words, and does the rest", arguments: StoreBackend.underTest)
    func storeEnforcesTheWorkflow(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let actors = [box.office, box.city, box.education, box.reviewer, box.admin, box.moderator, box.host]
        let actions = LetterAction.allCases.filter { !$0.isPublication }
        let calendar = try await box.db.calendar.workingDayCalendar()
        var allowed = 0
        for type in [LetterType.complaint, .informationDisclosure] {
            for state in Self.states {
                // Refusals change nothing, so one letter serves them all.
                let shared = try await letter(box, type, in: state)
                let facts = try await shared.workflowFacts(timeline: box.db.mailbox.timeline(letterID: shared.id))
                for actor in actors {
                    for action in actions {
                        let refusal = LetterWorkflow.refusal(
                            action, facts, by: actor.letterActor, today: CivilDate(Self.now), calendar: calendar)
                        if let refusal {
                            let error = await storeError { try await perform(action, shared.id, box, actor: actor) }
                            #expect(error == StoreError(refusal), "\(actor.username) \(action.rawValue) on a \(state.rawValue) \(type.rawValue)")
                        } else {
                            allowed += 1
                            let fresh = try await letter(box, type, in: state)
                            let error = await storeError { try await perform(action, fresh.id, box, actor: actor) }
                            #expect(error == nil, "\(actor.username) \(action.rawValue) on a \(state.rawValue) \(type.rawValue)")
                        }
                    }
                }
            }
        }
        #expect(allowed > 40)
    }

    @Test("reply documents: the store refuses what the workflow refuses", arguments: StoreBackend.underTest)
    func replyDocuments(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let document = NewAttachment(
            sha256: String(repeating: "a", count: 64), kind: .pdf, byteCount: 10, displayName: "告知书.pdf", role: .reply)
        for state in Self.states {
            let letter = try await letter(box, .informationDisclosure, in: state)
            for actor in [box.office, box.city, box.education, box.reviewer, box.moderator] {
                let refusal = LetterWorkflow.refusalToChangeReplyDocuments(
                    letter.workflowFacts(timeline: []), by: actor.letterActor, adding: true)
                let error = await storeError {
                    _ = try await box.db.mailbox.addReplyDocument(letterID: letter.id, attachment: document, actor: actor, at: Self.now)
                }
                #expect(error == refusal.map(StoreError.init), "\(actor.username) on a \(state.rawValue) letter")
            }
        }
    }

    @Test("the deadline lists mark overdue by the workflow's rule, before and after the sweep", arguments: StoreBackend.underTest)
    func deadlineRowsUseTheOverdueRule(_ backend: StoreBackend) async throws {
        let box = try await Mailbox(on: backend)
        let letter = try await box.submit(.consultation, at: "2026-11-02 09:00")
        let today = beijing("2026-11-20 10:00")
        let view = try await box.db.mailbox.letter(id: letter.id)
        #expect(LetterWorkflow.isOverdue(state: view.state, dueOn: view.dueOn, marked: view.overdue, today: CivilDate(today)))
        let before = try await box.db.mailbox.openLetterDeadlines(at: today).rows
        #expect(before.map(\.overdue) == [true])
        _ = try await box.db.mailbox.markOverdueLetters(at: today)
        #expect(try await box.db.mailbox.openLetterDeadlines(at: today).rows.map(\.overdue) == [true])
        #expect(try await box.db.mailbox.openLetterDeadlines(filter: .overdueOnly, at: today).rows.count == 1)
    }
}
