import Foundation
import Testing
import WenzhengCore

/// `trimmingScalars(in:)` gives what Foundation's `trimmingCharacters(in:)`
/// gives, for the sets the rules use.
@Suite("Trimming without NSString")
struct StringTrimmingTests {
    /// White space of several kinds, marks that combine with it, and text.
    static let pieces = [
        " ", "\t", "\n", "\r\n", "\u{3000}", "\u{00A0}", "\u{2028}", "\u{200B}", "\u{0301}", "a", "中", "😀", "é", "e\u{0301}", "",
    ]

    @Test("the same result as trimmingCharacters(in:) for white space, with and without newlines")
    func sameAsFoundation() {
        var random = SplitMix64(seed: 13)
        var texts = Self.pieces + ["", "   ", " 问题 ", "\u{3000}你好\u{3000}", " \u{0301}abc ", "abc"]
        for _ in 0..<2_000 {
            let length = Int(random.next() % 8)
            texts.append((0..<length).map { _ in Self.pieces[Int(random.next() % UInt64(Self.pieces.count))] }.joined())
        }
        for text in texts {
            for set in [CharacterSet.whitespacesAndNewlines, .whitespaces] {
                // Scalar by scalar: `==` on String would accept a canonically
                // equivalent result.
                #expect(
                    Array(text.trimmingScalars(in: set).unicodeScalars) == Array(text.trimmingCharacters(in: set).unicodeScalars),
                    "\(text.unicodeScalars.map(\.value))")
            }
        }
    }
}
