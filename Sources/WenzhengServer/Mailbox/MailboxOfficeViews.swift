import Foundation
import WenzhengCore
import WenzhengStore

/// What the office templates show. All text stays plain here; the
/// templates escape it.
enum MailboxOfficeViews {
    static func row(_ row: MailboxOffice.LetterRow, language: Language, pages: PageRenderer) -> [String: Any] {
        [
            "id": row.id,
            "number": row.number,
            "type": row.type.rawValue,
            "typeName": pages.translate("office.types.\(row.type.rawValue)", language: language),
            "subject": row.subject,
            "state": row.state.rawValue,
            "stateName": pages.translate("office.states.\(row.state.rawValue)", language: language),
            "department": row.department ?? "",
            "coHandling": row.coHandling,
            "receivedOn": row.receivedOn.description,
            "dueOn": row.dueOn?.description ?? "",
            "provisional": row.provisional,
            "paused": row.paused,
            "overdue": row.overdue,
            "left": row.workingDaysLeft.map(String.init) ?? "",
            "stopReason": row.stopReason.map { pages.translate("office.stopReasons.\($0.rawValue)", language: language) } ?? "",
            "answerDueOn": row.answerDueOn?.description ?? "",
            "transferDueOn": row.transferDueOn?.description ?? "",
        ]
    }

    static func letter(
        _ detail: MailboxOffice.LetterDetail, departments: [LetterDepartment], today: CivilDate, language: Language, pages: PageRenderer
    ) -> [String: Any] {
        let letter = detail.letter
        func t(_ key: String) -> String { pages.translate(key, language: language) }
        let open = letter.state.isOpen
        var data: [String: Any] = [
            "id": letter.id,
            "number": letter.number,
            "type": letter.type.rawValue,
            "typeName": t("office.types.\(letter.type.rawValue)"),
            "isDisclosure": letter.type == .informationDisclosure,
            "subject": letter.subject,
            "body": letter.body,
            "authorName": letter.authorName,
            "phone": letter.phone ?? "",
            "email": letter.email ?? "",
            "mayPublish": letter.mayPublish,
            "state": letter.state.rawValue,
            "stateName": t("office.states.\(letter.state.rawValue)"),
            "receivedAt": OfficeTime.minute(letter.receivedAt),
            "receivedOn": letter.receivedOn.description,
            "policyDays": letter.policyDays,
            "isOpen": open,
            "dueOn": letter.dueOn?.description ?? "",
            "provisional": open && letter.dueProvisional,
            "paused": open && letter.clockPaused,
            "overdue": LetterWorkflow.isOverdue(state: letter.state, dueOn: letter.dueOn, marked: letter.overdue, today: today),
            "lead": letter.leadDepartment?.name ?? "",
            "triageReason": letter.triageReason.map { t("office.reasons.\($0.rawValue)") } ?? "",
            "transferredTo": letter.transferredTo ?? "",
            "replyBody": letter.replyBody ?? "",
            "repliedAt": letter.repliedAt.map(OfficeTime.minute) ?? "",
            "replyDepartment": letter.replyDepartment?.name ?? "",
            "ratingName": letter.rating.map { t("office.ratings.\($0.rawValue)") } ?? "",
            "followUpText": letter.followUpText ?? "",
            "extensionDays": letter.extensionWorkingDays.map(String.init) ?? "",
            "awaitingCorrection": letter.awaitingCorrection,
            "published": letter.publishedAt.map(OfficeTime.minute) ?? "",
            "correctionDeadline": detail.correctionNoticeDeadline?.description ?? "",
            "maxExtension": LetterRules.maxExtensionWorkingDays,
            "acceptedOn": letter.acceptedOn?.description ?? "",
            "transferDueOn": letter.transferDueOn?.description ?? "",
            "transferLate": letter.transferDueOn.map { today > $0 } ?? false,
            // The date field of the clock forms: today, or up to 3 working
            // days back.
            "today": today.description,
            "earliestClockDate": detail.earliestClockDate.description,
            "onHint": t("office.forms.onHint").replacing("{n}", with: String(LetterClockRules.maxBackdatingWorkingDays)),
            "correctionDaysMin": LetterClockRules.correctionPeriodRange.lowerBound,
            "correctionDaysMax": LetterClockRules.correctionPeriodRange.upperBound,
            "correctionDaysDefault": LetterClockRules.defaultCorrectionWorkingDays,
            "stopReasons": ClockStopReason.consultations.map { reason -> [String: Any] in
                ["code": reason.rawValue, "name": t("office.stopReasons.\(reason.rawValue)")]
            },
        ]
        // Every stop of the clock, with the total (arts. 30, 32, 34).
        let stoppages = letter.stoppages.map { stop -> [String: Any] in
            let open = stop.until == nil
            let days = open ? detail.currentStopWorkingDays : stop.workingDays
            return [
                "reason": t("office.stopReasons.\(stop.reason?.rawValue ?? "unspecified")"),
                "isCorrection": stop.reason == .correction,
                "from": stop.from.description, "until": stop.until?.description ?? "", "open": open && letter.state.isOpen,
                "answerDueOn": stop.answerDueOn?.description ?? "", "endedByLimit": stop.endedByLimit,
                "answerLate": open && (stop.answerDueOn.map { today > $0 } ?? false),
                "workingDays": days.map(String.init) ?? "",
            ]
        }
        data["stoppages"] = stoppages
        data["hasStoppages"] = !stoppages.isEmpty
        data["stoppedTotal"] = letter.stoppedWorkingDays + (letter.currentStoppage == nil ? 0 : detail.currentStopWorkingDays ?? 0)
        data["correctBy"] = letter.awaitingCorrection ? (letter.currentStoppage?.answerDueOn?.description ?? "") : ""
        // Every reply, the first one kept when a follow-up is answered.
        data["replies"] = letter.replies.map { reply -> [String: Any] in
            [
                "round": reply.round, "isFollowUp": reply.round > 1, "body": reply.body, "department": reply.department.name,
                "repliedAt": OfficeTime.minute(reply.repliedAt), "dueOn": reply.dueOn?.description ?? "", "onTime": reply.onTime,
                "workingDays": reply.workingDays.map(String.init) ?? "",
                "ratingName": reply.rating.map { t("office.ratings.\($0.rawValue)") } ?? "",
            ]
        }
        data["hasReplies"] = !letter.replies.isEmpty
        var assignments: [[String: Any]] = []
        if let lead = letter.leadDepartment {
            assignments.append(["department": lead.name, "isLead": true, "dueOn": letter.dueOn?.description ?? "", "own": false])
        }
        for co in letter.coHandlers {
            assignments.append(["department": co.department, "isLead": false, "dueOn": co.dueOn?.description ?? "", "own": co.ownDueDate])
        }
        data["assignments"] = assignments
        data["hasAssignments"] = !assignments.isEmpty
        data["timeline"] = detail.timeline.map { event -> [String: Any] in
            var note = event.note ?? ""
            if event.kind == .rejected, let code = note.split(separator: ":", maxSplits: 1).first,
                let reason = TriageRejection(rawValue: String(code))
            {
                let rest = note.dropFirst(code.count + 1).trimmingCharacters(in: .whitespaces)
                note = t("office.reasons.\(reason.rawValue)") + (rest.isEmpty ? "" : (language == .zh ? "：" : ": ") + rest)
            }
            let actor: String =
                switch event.actorName {
                case "citizen" where event.actorId == nil: t("office.actors.citizen")
                case "system" where event.actorId == nil: t("office.actors.system")
                default: event.actorName
                }
            // The sweep resumes a consultation whose 15 working days ran out.
            if event.kind == .resumed, event.actorId == nil, note.isEmpty { note = t("office.detail.consultationLapsed") }
            return [
                "kind": event.kind.rawValue,
                "kindName": t("office.events.\(event.kind.rawValue)"),
                "actor": actor,
                "time": OfficeTime.minute(event.recordedAt),
                "note": note,
                "clockOn": event.clockOn?.description ?? "",
                "clockDays": event.clockDays.map(String.init) ?? "",
                "clockReason": event.clockReason.map { t("office.stopReasons.\($0.rawValue)") } ?? "",
                // A clock event dated before the day it was recorded.
                "backdated": event.clockOn.map { $0 < CivilDate(event.recordedAt) } ?? false,
                "replyRound": event.replyRound.map { t($0 > 1 ? "withdrawals.office.followUpReply" : "withdrawals.office.firstReply") }
                    ?? "",
            ]
        }
        data["drafts"] = detail.drafts.map { draft -> [String: Any] in
            [
                "id": draft.id,
                "body": draft.body,
                "draftedBy": draft.draftedBy,
                "draftedAt": OfficeTime.minute(draft.draftedAt),
                "state": draft.reviewState.rawValue,
                "stateName": t("office.reviewStates.\(draft.reviewState.rawValue)"),
                "reviewedBy": draft.reviewedBy ?? "",
                "reviewedAt": draft.reviewedAt.map(OfficeTime.minute) ?? "",
                "comment": draft.reviewComment ?? "",
            ]
        }
        data["noDrafts"] = detail.drafts.isEmpty
        var can: [String: Any] = [:]
        for action in detail.actions { can[action.key] = true }
        data["can"] = can
        // Publication has its own section (office-letter-publication).
        data["hasActions"] = detail.actions.contains { !$0.isPublication }
        data["reasons"] = TriageRejection.allowed(for: letter.type).map {
            ["code": $0.rawValue, "name": t("office.reasons.\($0.rawValue)")]
        }
        data["departments"] = departments.map { department -> [String: Any] in
            [
                "id": department.id, "name": department.name,
                "isLead": department.id == letter.leadDepartment?.id,
                "isCo": letter.coHandlers.contains { $0.departmentId == department.id },
                "coDue": letter.coHandlers.first { $0.departmentId == department.id && $0.ownDueDate }?.dueOn?.description ?? "",
            ]
        }
        data["attachments"] = detail.attachments.map { attachment -> [String: Any] in
            [
                "id": attachment.id, "name": attachment.displayName, "size": fileSize(attachment.byteCount, language: language),
                "roleName": t("office.attachments.roles.\(attachment.role.rawValue)"), "isReply": attachment.role == .reply,
                "addedBy": attachment.addedBy ?? "", "addedAt": OfficeTime.minute(attachment.addedAt),
                "url": "/office/letters/\(letter.id)/attachments/\(attachment.id)",
                "mayRemove": attachment.role == .reply && detail.mayChangeReplyDocuments,
            ]
        }
        data["noAttachments"] = detail.attachments.isEmpty
        data["mayAddReplyDocument"] = detail.mayChangeReplyDocuments
        data["replyDocumentMaxMB"] = AttachmentRules.maxFileBytes / (1024 * 1024)
        return data
    }

    /// "1.4 MB", "320 KB": a file's size as people read it.
    static func fileSize(_ bytes: Int, language: Language) -> String {
        if bytes >= 1024 * 1024 { return String(format: "%.1f MB", Double(bytes) / (1024 * 1024)) }
        return "\(max(1, (bytes + 1023) / 1024)) KB"
    }

    /// The letter's publication for the office (item 23): what the public
    /// page shows, whether it is withdrawn, by whom, when and why, and the
    /// forms an admin gets, filled in again after a refused one.
    static func publication(
        _ detail: MailboxOffice.LetterDetail, failed: OfficeAction?, form: [String: String], language: Language, pages: PageRenderer
    ) -> [String: Any] {
        let letter = detail.letter
        guard letter.publishedAt != nil else { return [:] }
        func withdrawal(_ withdrawal: PublicationWithdrawal?) -> [String: Any] {
            [
                "isWithdrawn": withdrawal != nil, "withdrawnBy": withdrawal?.withdrawnBy ?? "",
                "withdrawnAt": withdrawal.map { OfficeTime.minute($0.withdrawnAt) } ?? "", "reason": withdrawal?.reason ?? "",
            ]
        }
        let can = Set(detail.actions)
        let failedRound = Int(form["round"] ?? "")
        let replies = letter.replies.map { reply -> [String: Any] in
            let failedHere = failedRound == reply.round && (failed == .unpublishReply || failed == .republishReply)
            return withdrawal(reply.withdrawal).merging([
                "round": reply.round,
                "name": pages.translate(reply.round > 1 ? "withdrawals.office.followUpReply" : "withdrawals.office.firstReply", language: language),
                "text": reply.publicBody ?? "",
                "canUnpublish": can.contains(.unpublishReply) && reply.withdrawal == nil,
                "canRepublish": can.contains(.republishReply) && reply.withdrawal != nil,
                "reasonValue": failedHere && failed == .unpublishReply ? form["reason"] ?? "" : "",
                "bodyValue": failedHere && failed == .republishReply ? form["body"] ?? "" : reply.publicBody ?? "",
            ]) { $1 }
        }
        let letterFailed = failed == .unpublish || failed == .republish
        return withdrawal(letter.withdrawal).merging([
            "isPublished": true,
            "subject": letter.publicSubject ?? "",
            "body": letter.publicBody ?? "",
            "canUnpublish": can.contains(.unpublish),
            "canRepublish": can.contains(.republish),
            "reasonValue": letterFailed && failed == .unpublish ? form["reason"] ?? "" : "",
            "subjectValue": letterFailed && failed == .republish ? form["subject"] ?? "" : letter.publicSubject ?? "",
            "bodyValue": letterFailed && failed == .republish ? form["body"] ?? "" : letter.publicBody ?? "",
            "replies": replies,
        ]) { $1 }
    }

    /// A failed action's problem in the reader's language: field errors
    /// one by one, or the kind of refusal with the store's reason.
    ///
    /// - Parameter fields: where the field labels are (`office.fields`, or
    ///   `office.periodFields` for a statistics period).
    static func problemMessage(_ problem: Problem, fields: String = "office.fields", language: Language, pages: PageRenderer) -> String {
        if problem.statusCode == 422, let errors = problem.errors, !errors.isEmpty {
            return errors.map { fieldMessage($0, fields: fields, language: language, pages: pages) }
                .joined(separator: language == .zh ? "；" : "; ")
        }
        let key = "office.errors.\(problem.statusCode)"
        var heading = pages.translate(key, language: language)
        if heading == key { heading = pages.translate("errors.\(problem.statusCode)", language: language) }
        guard let detail = problem.detail, !detail.isEmpty else { return heading }
        return heading + aside(detail, language: language)
    }

    /// `（…）` in Chinese, ` (…)` in English.
    static func aside(_ text: String, language: Language) -> String {
        language == .zh ? "（\(text)）" : " (\(text))"
    }

    /// `office.fields.<field>` and `office.errorCodes.<code>` when both are
    /// known (`coHandlers[1].dueOn` reads as `coHandlersDueOn`), else the
    /// English message.
    static func fieldMessage(_ error: FieldError, fields: String = "office.fields", language: Language, pages: PageRenderer) -> String {
        let field = error.field.replacing(/\[\d+\]/, with: "").replacing(".dueOn", with: "DueOn")
        let fieldKey = "\(fields).\(field)"
        let codeKey = "office.errorCodes.\(error.code)"
        let label = pages.translate(fieldKey, language: language)
        let code = pages.translate(codeKey, language: language)
        guard label != fieldKey, code != codeKey else { return error.message }
        let colon = language == .zh ? "：" : ": "
        if error.code == "invalid" || error.code == "too_long" {
            return label + colon + code + aside(error.message, language: language)
        }
        return label + colon + code
    }

    /// `0.933` as `93.3%`.
    static func percent(_ rate: Double) -> String {
        String(format: "%.1f%%", rate * 100)
    }

    /// A query string from the non-empty values, in order.
    static func query(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let parts = items.filter { !$0.1.isEmpty }.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
