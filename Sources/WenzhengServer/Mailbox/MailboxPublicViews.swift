import Foundation
import WenzhengCore
import WenzhengStore

/// What the citizens' mailbox templates show. Every text a citizen or
/// official wrote goes into the template as a plain value, which Mustache
/// escapes.
enum MailboxPublicViews {
    /// The note a citizen may read on a step of their letter's timeline.
    /// Reviewers' comments on sign-off and triage notes stay inside the
    /// office; the rejection's reason is shown from its code instead.
    static func citizenNote(_ event: LetterEventView) -> String? {
        switch event.kind {
        case .transferred, .assigned, .extended, .paused, .correctionNotice, .restarted, .reopened, .rated:
            return event.note
        default:
            return nil
        }
    }

    /// A field error in the reader's language: `letters.errors.<field>.<code>`,
    /// else the English message.
    static func fieldMessage(_ error: FieldError, language: Language, pages: PageRenderer) -> String {
        let key = "letters.errors.\(error.field).\(error.code)"
        let text = pages.translate(key, language: language)
        return text == key ? error.message : text
    }

    /// Messages by field name (the first per field), for showing each under
    /// its input, and all of them in order for the summary.
    static func fieldMessages(_ errors: [FieldError], language: Language, pages: PageRenderer) -> (byField: [String: Any], all: [String]) {
        var byField: [String: Any] = [:]
        var all: [String] = []
        for error in errors {
            let message = fieldMessage(error, language: language, pages: pages)
            if byField[error.field] == nil { byField[error.field] = message }
            all.append(message)
        }
        return (byField, all)
    }

    /// A translation with `{name}` placeholders filled in: word order and
    /// punctuation (（）。 or ( ).) belong to the language.
    static func format(_ key: String, _ values: [String: String], language: Language, pages: PageRenderer) -> String {
        var text = pages.translate(key, language: language)
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// "答复期限为 15 个工作日。"
    static func period(_ workingDays: Int, language: Language, pages: PageRenderer) -> String {
        format("letters.receipt.period", ["n": String(workingDays)], language: language, pages: pages)
    }

    static func typeName(_ type: LetterType, language: Language, pages: PageRenderer) -> String {
        pages.translate("letters.types.\(type.rawValue)", language: language)
    }

    static func weekday(_ date: CivilDate, language: Language, pages: PageRenderer) -> String {
        pages.translate("letters.weekdays.\(date.isoWeekday)", language: language)
    }

    /// "（周三）" or " (Wed)", to follow a date.
    static func weekdayInParens(_ date: CivilDate, language: Language, pages: PageRenderer) -> String {
        format(
            "letters.deadline.weekdayInParens", ["weekday": weekday(date, language: language, pages: pages)], language: language,
            pages: pages)
    }

    /// One line of the public list.
    static func summary(_ letter: PublishedLetter, language: Language, pages: PageRenderer) -> [String: Any] {
        [
            "url": "/letters/\(letter.id)",
            "subject": letter.subject,
            "typeName": typeName(letter.type, language: language, pages: pages),
            "department": letter.replyDepartment,
            "receivedOn": letter.receivedOn.description,
            "acceptedOn": letter.acceptedOn?.description ?? "",
            "repliedOn": letter.repliedOn.description,
            "excerpt": excerpt(letter.body),
        ]
    }

    /// The first 120 characters, on one line.
    static func excerpt(_ text: String, length: Int = 120) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > length ? String(line.prefix(length)) + "…" : line
    }

    /// The letter as its author sees it on the query page.
    static func citizenLetter(
        _ letter: LetterView, password: String, timeline: [LetterEventView], explanation: DeadlineExplanation?, periodStart: CivilDate,
        language: Language, pages: PageRenderer
    ) -> [String: Any] {
        let replied = letter.state == .replied
        var data: [String: Any] = [
            "number": letter.number,
            "password": password,
            "typeName": typeName(letter.type, language: language, pages: pages),
            "subject": letter.subject,
            "body": letter.body,
            "state": letter.state.rawValue,
            "stateName": pages.translate("letters.states.\(letter.state.rawValue)", language: language),
            "receivedOn": letter.receivedOn.description,
            "acceptedOn": letter.acceptedOn?.description ?? "",
            "workingDays": letter.policyDays,
            "periodText": period(letter.policyDays, language: language, pages: pages),
            "dueOn": letter.dueOn?.description ?? "",
            "provisional": letter.dueProvisional,
            "paused": letter.clockPaused,
            "overdue": letter.overdue && letter.state.isOpen,
            "transferredTo": letter.state == .transferred ? (letter.transferredTo ?? "") : "",
            "rejectionReason": letter.state == .rejected
                ? letter.triageReason.map { pages.translate("letters.reasons.\($0.rawValue)", language: language) } ?? "" : "",
            "isReplied": replied,
            "reply": replied ? (letter.replyBody ?? "") : "",
            "repliedOn": replied ? (letter.repliedOn?.description ?? "") : "",
            "replyDepartment": replied ? (letter.replyDepartment?.name ?? "") : "",
            // Every reply sent (the first is kept when a follow-up is answered).
            "replies": letter.replies.map { reply -> [String: Any] in
                [
                    "body": reply.body, "repliedOn": reply.repliedOn.description, "department": reply.department.name,
                    "isFollowUp": reply.round > 1,
                ]
            },
            "hasReplies": !letter.replies.isEmpty,
            "ratingName": letter.rating.map { pages.translate("letters.ratings.\($0.rawValue)", language: language) } ?? "",
            "canRate": letter.canRate,
            "canFollowUp": letter.canFollowUp,
            "followUpText": letter.followUpText ?? "",
            "ratings": ReplyRating.allCases.map { rating -> [String: Any] in
                ["value": rating.rawValue, "name": pages.translate("letters.ratings.\(rating.rawValue)", language: language)]
            },
            "followUpMax": LetterRules.bodyMaxLength,
            "deadlineURL": "/letters/deadline?from=\(periodStart)&days=\(letter.policyDays)",
        ]
        // The shown due date moved from the plain count: an extension, a
        // stopped clock or a follow-up.
        data["adjusted"] = explanation.map { letter.dueOn != $0.deadline.date } ?? false
        data["timeline"] = timeline.map { event -> [String: Any] in
            var note = citizenNote(event) ?? ""
            if event.kind == .rated, let rating = ReplyRating(rawValue: note) {
                note = pages.translate("letters.ratings.\(rating.rawValue)", language: language)
            }
            if event.kind == .rejected, let reason = letter.triageReason {
                note = pages.translate("letters.reasons.\(reason.rawValue)", language: language)
            }
            return [
                "kind": event.kind.rawValue,
                "label": pages.translate("letters.events.\(event.kind.rawValue)", language: language),
                "time": OfficeTime.minute(event.recordedAt),
                "note": note,
            ]
        }
        return data
    }

    /// The day-by-day count of a period.
    static func deadline(_ explanation: DeadlineExplanation, language: Language, pages: PageRenderer) -> [String: Any] {
        let deadline = explanation.deadline
        return [
            "receivedOn": deadline.received.description,
            "receivedWeekday": weekdayInParens(deadline.received, language: language, pages: pages),
            "workingDays": deadline.workingDays,
            "periodText": format(
                "letters.deadline.summaryDays", ["n": String(deadline.workingDays)], language: language, pages: pages),
            "deadline": deadline.date.description,
            "deadlineWeekday": weekdayInParens(deadline.date, language: language, pages: pages),
            "provisional": deadline.isProvisional,
            "provisionalBecause": format(
                "letters.deadline.provisionalBecause",
                [
                    "years": deadline.yearsWithoutData.map(String.init).joined(
                        separator: pages.translate("letters.listSeparator", language: language))
                ],
                language: language, pages: pages),
            "days": explanation.days.map { day -> [String: Any] in
                var reason = pages.translate("letters.deadline.reasons.\(day.reason.code)", language: language)
                if let holiday = day.reason.holidayName {
                    reason = format(
                        "letters.deadline.reasonWithHoliday", ["reason": reason, "holiday": holiday], language: language, pages: pages)
                }
                return [
                    "date": day.date.description,
                    "weekday": weekday(day.date, language: language, pages: pages),
                    "counted": day.counts,
                    "number": day.workingDayNumber.map(String.init) ?? "",
                    "reason": reason,
                    "isDeadline": day.date == deadline.date,
                ]
            },
        ]
    }
}
