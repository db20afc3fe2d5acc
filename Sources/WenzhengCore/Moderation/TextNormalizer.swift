import Foundation

/// Folds text into the form the word filter matches on, remembering where
/// each folded character came from so matches can be reported as spans of
/// the original text.
///
/// Folding does NFKC compatibility mapping (so full-width `ＱＱ` and
/// half-width `QQ` are one), lowercases, and drops separators people insert
/// to dodge a filter: white space, punctuation, symbols and zero-width
/// characters (`敏 感 词`, `敏.感.词`, `敏\u{200B}感词` all fold to `敏感词`).
///
/// The common cases (ASCII, full-width ASCII, CJK ideographs, CJK
/// punctuation) are decided by range checks without touching Foundation;
/// only rare scripts fall back to Unicode property lookups. This is what
/// keeps the filter fast enough to scan every submission synchronously.
public enum TextNormalizer {
    /// The result of folding one source scalar.
    public enum Folded: Equatable {
        /// Not matched on: a separator.
        case skip
        /// One folded scalar (the fast, common case).
        case one(UInt32)
        /// Several folded scalars (compatibility decompositions like `㈱`).
        case many([UInt32])
    }

    @inline(__always)
    public static func fold(_ value: UInt32) -> Folded {
        // ASCII
        if value < 0x80 {
            if value >= 0x61 && value <= 0x7A || value >= 0x30 && value <= 0x39 { return .one(value) }
            if value >= 0x41 && value <= 0x5A { return .one(value + 0x20) }
            return .skip
        }
        // CJK Unified Ideographs and Extension A: the bulk of Chinese text.
        if value >= 0x4E00 && value <= 0x9FFF || value >= 0x3400 && value <= 0x4DBF { return .one(value) }
        // Full-width ASCII variants (ＡＢＣ１２３！): shift to ASCII, then fold.
        if value >= 0xFF01 && value <= 0xFF5E { return fold(value - 0xFEE0) }
        // CJK symbols and punctuation (incl. ideographic space), general
        // punctuation (incl. zero-width space/joiners), vertical and small
        // forms, half-width punctuation, BOM, variation selectors.
        if value >= 0x3000 && value <= 0x303F || value >= 0x2000 && value <= 0x206F
            || value >= 0xFE10 && value <= 0xFE6F || value >= 0xFF5F && value <= 0xFF65
            || value == 0xFEFF || value >= 0xFE00 && value <= 0xFE0F || value == 0x00A0 || value == 0x00AD
        {
            return .skip
        }
        guard let scalar = Unicode.Scalar(value) else { return .skip }
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
            .nonspacingMark, .enclosingMark, .spacingMark, .unassigned, .surrogate, .privateUse:
            return .skip
        default:
            break
        }
        // Rare letters and numbers (circled digits, Roman numerals, accented
        // Latin…): full NFKC then lowercase.
        let mapped = String(scalar).precomposedStringWithCompatibilityMapping.lowercased()
        var result: [UInt32] = []
        for folded in mapped.unicodeScalars {
            // A scalar that maps to itself (é) is final; folding it again
            // would recurse for ever.
            if folded.value == value {
                result.append(value)
                continue
            }
            switch fold(folded.value) {
            case .skip: continue
            case .one(let one): result.append(one)
            case .many(let many): result.append(contentsOf: many)
            }
        }
        if result.isEmpty { return .skip }
        if result.count == 1 { return .one(result[0]) }
        return .many(result)
    }

    /// Folds a whole string (used for the terms of a word list).
    public static func fold(_ text: String) -> [UInt32] {
        var result: [UInt32] = []
        for scalar in text.unicodeScalars {
            switch fold(scalar.value) {
            case .skip: continue
            case .one(let one): result.append(one)
            case .many(let many): result.append(contentsOf: many)
            }
        }
        return result
    }
}
