import Foundation
import WenzhengCore
import WenzhengStore

/// Turns queue items into what the console templates show. All text stays
/// plain here; the templates escape it.
enum ModerationViews {
    static func card(
        _ item: ModerationItem, filter: ContentFilter, language: Language, pages: PageRenderer, staff: AuthenticatedStaff?
    ) -> [String: Any] {
        let segments = markedSegments(
            item.text, flags: item.flags, personal: item.personalInformation.map { ($0.start, $0.end, $0.kind) },
            language: language, pages: pages)
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
            "redacted": item.isRedacted,
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

    /// A citizen's text as runs for a template: word-list matches and
    /// personal information highlighted, and each piece of personal
    /// information labelled with its kind (`kindName`), so staff who see
    /// the masked text still see what was masked there.
    static func markedSegments(
        _ text: String, flags: [FilterFlag], personal: [(start: Int, end: Int, kind: PersonalInformationMatch.Kind)],
        language: Language, pages: PageRenderer
    ) -> [[String: Any]] {
        var spans = flags.map { (start: $0.start, end: $0.end, category: $0.category) }
        spans += personal.map { (start: $0.start, end: $0.end, category: "personal_information") }
        var offset = 0
        return HighlightSegments.split(text, spans: spans).map { segment in
            let range = offset..<(offset + segment.text.utf16.count)
            offset = range.upperBound
            // The piece of personal information this run belongs to, if any;
            // its kind is labelled after its last run (a flag overlapping it
            // may split it into several).
            let item = personal.first { $0.start <= range.lowerBound && range.upperBound <= $0.end }
            var categories = segment.categories
            if let item { categories.append("pii-\(item.kind.rawValue)") }
            return [
                "text": segment.text,
                "marked": segment.isMarked,
                "categories": categories.joined(separator: " "),
                "title": segment.categories.map { pages.translate("moderation.categories.\($0)", language: language) }
                    .joined(separator: "、"),
                "kindName": item.flatMap { $0.end == range.upperBound ? pages.translate("moderation.pii.\($0.kind.rawValue)", language: language) : nil } ?? "",
            ]
        }
    }
}
