/// A run of text, marked or not, for showing a moderator exactly which
/// characters a filter matched.
public struct HighlightSegment: Sendable, Equatable {
    public var text: String
    /// The categories of the spans covering this run; empty when unmarked.
    public var categories: [String]

    public var isMarked: Bool { !categories.isEmpty }
}

public enum HighlightSegments {
    /// Splits `text` at the edges of `spans` (UTF-16 offsets, possibly
    /// overlapping or out of range) into marked and unmarked runs.
    public static func split(_ text: String, spans: [(start: Int, end: Int, category: String)]) -> [HighlightSegment] {
        let utf16 = Array(text.utf16)
        let valid = spans.filter { $0.start >= 0 && $0.start < $0.end && $0.end <= utf16.count }
        var edges = Set([0, utf16.count])
        for span in valid {
            edges.insert(span.start)
            edges.insert(span.end)
        }
        let sorted = edges.sorted()
        var segments: [HighlightSegment] = []
        for (start, end) in zip(sorted, sorted.dropFirst()) where start < end {
            let categories = Array(Set(valid.filter { $0.start <= start && end <= $0.end }.map(\.category))).sorted()
            let piece = String(decoding: utf16[start..<end], as: UTF16.self)
            if let last = segments.last, last.categories == categories {
                segments[segments.count - 1].text += piece
            } else {
                segments.append(HighlightSegment(text: piece, categories: categories))
            }
        }
        return segments
    }
}
