import Foundation
import WenzhengCore

/// What `LetterWorkflow` is asked with, built once for the store (which
/// enforces) and the server (which shows), from the same values: a letter's
/// view and its timeline, and the signed-in staff member.
extension AuthenticatedStaff {
    /// The staff member as the letter workflow sees them; the office that
    /// runs the mailbox is `defaultDepartmentName`.
    public var letterActor: LetterActor {
        LetterActor(role: role, departmentID: departmentID, department: department, triageDepartment: defaultDepartmentName)
    }
}

extension LetterView {
    /// The letter as the workflow sees it: its clock events and whether a
    /// correction notice went out are read from `timeline`.
    public func workflowFacts(timeline: [LetterEventView]) -> LetterFacts {
        LetterFacts(
            number: number, type: type, state: state, receivedOn: receivedOn, workingDays: policyDays,
            leadDepartmentID: leadDepartment?.id, coHandlerDepartmentIDs: coHandlers.map(\.departmentId), dueOn: dueOn,
            markedOverdue: overdue, clockEvents: timeline.compactMap(\.clockEvent),
            correctionSent: timeline.contains { $0.kind == .correctionNotice }, rating: rating, followUpUsed: followUpUsed,
            published: publishedAt != nil, withdrawal: withdrawal, replyWithdrawals: replies.map(\.withdrawal))
    }
}

extension LetterEventView {
    /// The step as the reply clock reads it, if it is a clock event.
    public var clockEvent: ClockEvent? {
        guard let clockKind, let clockOn else { return nil }
        return ClockEvent(kind: clockKind, on: clockOn, workingDays: clockDays, reason: clockReason)
    }
}

extension StoreError {
    /// The workflow's refusal as the store throws it: 403, 409 or 422.
    init(_ refusal: LetterRefusal) {
        switch refusal {
        case .forbidden(let message): self = .forbidden(message)
        case .conflict(let message): self = .conflict(message)
        case .invalid(let field, let message): self = .invalid(ValidationFailure([.invalid(field, message)]))
        }
    }
}
