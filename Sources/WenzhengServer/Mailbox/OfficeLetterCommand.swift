import Foundation
import WenzhengCore
import WenzhengStore

/// An action's fields as a form or a JSON body sent them, before checking.
struct OfficeActionInput: Sendable {
    struct CoHandlerInput: Sendable {
        var department: String
        var dueOn: String?
    }

    var to: String?
    var reason: String?
    var note: String?
    var lead: String?
    var coHandlers: [CoHandlerInput] = []
    var body: String?
    var comment: String?
    var workingDays: String?
    var notice: String?
    var text: String?
    /// The day a clock event happened (`yyyy-MM-dd`; empty: today).
    var on: String?
    /// The working days the applicant is given to correct.
    var correctionDays: String?
    /// A republished letter's corrected subject.
    var subject: String?
    /// Which reply (1 answers the letter, 2 the follow-up).
    var round: String?
}

/// An action with checked ids, codes, numbers and dates. Texts are checked
/// by the store (presence and length), which knows their limits.
enum OfficeCommand: Sendable {
    case accept
    case transfer(to: String)
    case reject(TriageRejection, note: String?)
    case assign(lead: Int64, coHandlers: [CoHandler])
    case draft(body: String)
    case signOff(comment: String?)
    case sendBack(comment: String)
    case replyOnTheSpot(body: String)
    case extend(workingDays: Int, notice: String, on: CivilDate?)
    case pause(reason: ClockStopReason, note: String, on: CivilDate?)
    case resume(note: String?, on: CivilDate?)
    case correctionNotice(text: String, correctionDays: Int, on: CivilDate?)
    case correctedRequest(note: String?, on: CivilDate?)
    case deemedWithdrawn(note: String?)
    case unpublish(reason: String)
    case republish(subject: String, body: String)
    case unpublishReply(round: Int, reason: String)
    case republishReply(round: Int, body: String)

    init(_ action: LetterAction, _ input: OfficeActionInput) throws {
        var errors: [FieldError] = []
        func present(_ value: String?) -> String? {
            let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return trimmed.isEmpty ? nil : trimmed
        }
        /// A required number of working days in `range`.
        func workingDays(_ raw: String?, field: String, range: ClosedRange<Int>, message: String) -> Int {
            guard let raw = present(raw) else {
                errors.append(.required(field))
                return 0
            }
            guard let value = Int(raw), range.contains(value) else {
                errors.append(.invalid(field, message))
                return 0
            }
            return value
        }
        /// The clock event's date, when one was given.
        func eventDate() -> CivilDate? {
            guard let raw = present(input.on) else { return nil }
            guard let date = CivilDate(raw) else {
                errors.append(.invalid("on", "on must be a date like 2026-11-05"))
                return nil
            }
            return date
        }
        switch action {
        case .accept:
            self = .accept
        case .transfer:
            self = .transfer(to: input.to ?? "")
        case .reject:
            var reason = TriageRejection.abusive
            if let raw = present(input.reason) {
                if let parsed = TriageRejection(rawValue: raw) {
                    reason = parsed
                } else {
                    errors.append(
                        .invalid("reason", "reason must be one of \(TriageRejection.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            } else {
                errors.append(.required("reason"))
            }
            self = .reject(reason, note: input.note)
        case .assign:
            var lead: Int64 = 0
            if let raw = present(input.lead) {
                if let id = Int64(raw), id > 0 { lead = id } else { errors.append(.invalid("lead", "lead must be a department id")) }
            } else {
                errors.append(.required("lead"))
            }
            var coHandlers: [CoHandler] = []
            for (index, co) in input.coHandlers.enumerated() {
                let field = "coHandlers[\(index)]"
                guard let id = Int64(co.department.trimmingCharacters(in: .whitespaces)), id > 0 else {
                    errors.append(.invalid(field, "\(field) must be a department id"))
                    continue
                }
                var due: CivilDate?
                if let raw = present(co.dueOn) {
                    due = CivilDate(raw)
                    if due == nil { errors.append(.invalid("\(field).dueOn", "\(field).dueOn must be a date like 2026-12-01")) }
                }
                coHandlers.append(CoHandler(departmentID: id, dueOn: due))
            }
            self = .assign(lead: lead, coHandlers: coHandlers)
        case .draft:
            self = .draft(body: input.body ?? "")
        case .signOff:
            self = .signOff(comment: input.comment)
        case .sendBack:
            self = .sendBack(comment: input.comment ?? "")
        case .replyOnTheSpot:
            self = .replyOnTheSpot(body: input.body ?? "")
        case .extend:
            let days = workingDays(
                input.workingDays, field: "workingDays", range: 1...LetterRules.maxExtensionWorkingDays,
                message: "an extension is 1 to \(LetterRules.maxExtensionWorkingDays) working days")
            var notice = ""
            if present(input.notice) == nil { errors.append(.required("notice")) } else { notice = input.notice! }
            self = .extend(workingDays: days, notice: notice, on: eventDate())
        case .pause:
            var reason = ClockStopReason.thirdParty
            let choices = ClockStopReason.consultations.map(\.rawValue).joined(separator: ", ")
            if let raw = present(input.reason) {
                if let parsed = ClockStopReason(rawValue: raw), parsed.isConsultation {
                    reason = parsed
                } else {
                    errors.append(.invalid("reason", "reason must be one of \(choices)"))
                }
            } else {
                errors.append(.required("reason"))
            }
            self = .pause(reason: reason, note: input.note ?? "", on: eventDate())
        case .resume:
            self = .resume(note: input.note, on: eventDate())
        case .correctionNotice:
            let range = LetterClockRules.correctionPeriodRange
            let days = workingDays(
                input.correctionDays, field: "correctionDays", range: range,
                message: "correctionDays must be \(range.lowerBound) to \(range.upperBound) working days")
            self = .correctionNotice(text: input.text ?? "", correctionDays: days, on: eventDate())
        case .correctedRequest:
            self = .correctedRequest(note: input.note, on: eventDate())
        case .deemedWithdrawn:
            self = .deemedWithdrawn(note: input.note)
        case .unpublish:
            self = .unpublish(reason: input.reason ?? "")
        case .republish:
            self = .republish(subject: input.subject ?? "", body: input.body ?? "")
        case .unpublishReply, .republishReply:
            var round = 0
            if let raw = present(input.round) {
                if let value = Int(raw), value >= 1 { round = value } else { errors.append(.invalid("round", "round must be 1 or more")) }
            } else {
                errors.append(.required("round"))
            }
            self = action == .unpublishReply ? .unpublishReply(round: round, reason: input.reason ?? "") : .republishReply(round: round, body: input.body ?? "")
        }
        try ValidationFailure.check(errors)
    }
}
