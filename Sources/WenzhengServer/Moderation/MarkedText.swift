import Foundation
import WenzhengCore
import WenzhengStore

/// A citizen's text as runs for the `marked-text` partial: word-list
/// matches and personal information highlighted, and each piece of personal
/// information labelled with its kind, so staff who see the masked text
/// still see what was masked there.
struct MarkedSegment {
    let text: String
    let marked: Bool
    /// CSS classes: the categories, and `pii-<kind>` for personal information.
    let categories: String
    let title: String
    /// The kind of personal information, after its last run only (a flag
    /// overlapping it may split it into several).
    let maskedKind: String?

    static func segments(
        _ body: String, flags: [FilterFlag], personal: [(start: Int, end: Int, kind: PersonalInformationMatch.Kind)], text: PageText
    ) -> [MarkedSegment] {
        var spans = flags.map { (start: $0.start, end: $0.end, category: $0.category) }
        spans += personal.map { (start: $0.start, end: $0.end, category: "personal_information") }
        var offset = 0
        return HighlightSegments.split(body, spans: spans).map { segment in
            let range = offset..<(offset + segment.text.utf16.count)
            offset = range.upperBound
            let item = personal.first { $0.start <= range.lowerBound && range.upperBound <= $0.end }
            var categories = segment.categories
            if let item { categories.append("pii-\(item.kind.rawValue)") }
            return MarkedSegment(
                text: segment.text, marked: segment.isMarked, categories: categories.joined(separator: " "),
                title: segment.categories.map { text("moderation.categories.\($0)") }.joined(separator: "、"),
                maskedKind: item.flatMap { $0.end == range.upperBound ? text("moderation.pii.\($0.kind.rawValue)") : nil })
        }
    }

    /// Text already masked, with its masked spans marked by kind.
    static func segments(_ body: String, masked spans: [MaskedSpan], text: PageText) -> [MarkedSegment] {
        segments(body, flags: [], personal: spans.map { ($0.start, $0.end, $0.kind) }, text: text)
    }
}
