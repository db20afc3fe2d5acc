import Foundation
import WenzhengCore
import WenzhengStore

/// Turns queue items into what the console templates show. All text stays
/// plain here; the templates escape it.
enum ModerationViews {
    static func card(
        _ item: ModerationItem, filter: ContentFilter, language: Language, pages: PageRenderer, staff: AuthenticatedStaff?
    ) -> [String: Any] {
        var spans = item.flags.map { (start: $0.start, end: $0.end, category: $0.category) }
        spans += item.personalInformation.map { (start: $0.start, end: $0.end, category: "personal_information") }
        let segments = HighlightSegments.split(item.text, spans: spans).map { segment -> [String: Any] in
            [
                "text": segment.text,
                "marked": segment.isMarked,
                "categories": segment.categories.joined(separator: " "),
                "title": segment.categories.map { pages.translate("moderation.categories.\($0)", language: language) }
                    .joined(separator: "、"),
            ]
        }
        let flags = item.flags.map { flag -> [String: Any] in
            [
                "category": flag.category,
                "categoryName": pages.translate("moderation.categories.\(flag.category)", language: language),
                "term": flag.term,
                "action": pages.translate("moderation.actions.\(flag.action.rawValue)", language: language),
            ]
        }
        let personal = item.personalInformation.map { match -> [String: Any] in
            ["kindName": pages.translate("moderation.pii.\(match.kind.rawValue)", language: language), "masked": match.masked]
        }
        let reasons = filter.rules.rejectionReasons.map { ["code": $0.code, "text": $0.text(for: language)] }
        let claimedByOther = item.claimedBy != nil && item.claimedBy != staff?.displayName
        return [
            "id": item.id,
            "version": item.version,
            "kindName": pages.translate("moderation.kinds.\(item.kind.rawValue)", language: language),
            "kind": item.kind.rawValue,
            "isQuestion": item.kind == .question,
            "sourceURL": item.sourceURL ?? "",
            "createdAt": OfficeTime.minute(item.createdAt),
            "segments": segments,
            "hasFlags": !flags.isEmpty,
            "flags": flags,
            "hasPersonal": !personal.isEmpty,
            "personal": personal,
            "maskedText": item.editedText.map { _ in item.maskedText } ?? item.maskedText,
            "maskDiffers": item.maskedText != item.text,
            "held": item.highestAction == "hold",
            "flagged": item.highestAction != "none",
            "pending": item.state == .pending,
            "stateName": pages.translate("moderation.states.\(item.state.rawValue)", language: language),
            "state": item.state.rawValue,
            "claimedBy": item.claimedBy ?? "",
            "claimedByOther": claimedByOther,
            "decidedBy": item.decidedBy ?? "",
            "decidedAt": item.decidedAt.map(OfficeTime.minute) ?? "",
            "reason": item.reasonCode.flatMap { filter.rules.reason(code: $0)?.text(for: language) } ?? "",
            "reasonNote": item.reasonNote ?? "",
            "editedText": item.editedText ?? "",
            "text": item.text,
            "reasons": reasons,
        ]
    }

    static func console(
        items: [ModerationItem], filter: ModerationQueueFilter, counts: [ContentKind: Int], library: ModerationLibrary,
        language: Language, pages: PageRenderer, staff: AuthenticatedStaff?
    ) -> [String: Any] {
        let selectedState = filter.states.count == 1 ? filter.states[0].rawValue : (filter.states.isEmpty ? "all" : "")
        let states = (["pending", "approved", "edited", "rejected", "all"]).map { state -> [String: Any] in
            ["value": state, "name": pages.translate("moderation.states.\(state)", language: language), "selected": state == selectedState]
        }
        let kinds = ContentKind.allCases.map { kind -> [String: Any] in
            [
                "value": kind.rawValue, "name": pages.translate("moderation.kinds.\(kind.rawValue)", language: language),
                "selected": filter.kind == kind, "pending": counts[kind] ?? 0,
            ]
        }
        let categoryValues = ["flagged"] + library.loaded.summary.map(\.category) + ["personal_information"]
        let categories = categoryValues.map { category -> [String: Any] in
            [
                "value": category, "name": pages.translate("moderation.categories.\(category)", language: language),
                "selected": filter.category == category,
            ]
        }
        // Each card sits under `item`, as in the single-card fragment, so
        // one template serves both.
        let cards = items.map { ["item": card($0, filter: library.filter, language: language, pages: pages, staff: staff)] }
        return [
            "showsPending": selectedState == "pending",
            "stateHeading": pages.translate("moderation.states.\(selectedState.isEmpty ? "all" : selectedState)", language: language),
            "items": cards,
            "empty": cards.isEmpty,
            "states": states,
            "kinds": kinds,
            "categories": categories,
            "minAgeMinutes": filter.olderThan.map { String(Int($0 / 60)) } ?? "",
            "pendingTotal": counts.values.reduce(0, +),
            "reasons": library.filter.rules.rejectionReasons.map { ["code": $0.code, "text": $0.text(for: language)] },
        ]
    }
}
