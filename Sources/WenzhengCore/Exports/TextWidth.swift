/// Estimates how wide text is drawn, for laying out labels in server-side
/// SVG where no font metrics are available.
///
/// Widths are counted in hundredths of an em (the font size) with integer
/// arithmetic, so layouts are the same on every machine:
/// - CJK ideographs, kana, hangul, full-width forms, CJK punctuation and
///   wide emoji take a full em (100);
/// - combining marks, zero-width spaces and joiners, variation selectors
///   and the BOM take nothing;
/// - ASCII takes about half an em (55), narrow letters and punctuation
///   less (30), `m`, `w`, `M`, `W` and `@` more (85);
/// - anything else is taken as 60.
///
/// The estimate errs slightly wide for Latin text in proportional fonts,
/// which only leaves a little more room than needed.
public enum TextWidth {
    /// One scalar's advance in hundredths of an em.
    public static func units(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x80 {
            switch scalar {
            case "i", "j", "l", "I", ".", ",", ":", ";", "'", "!", "|", " ", "`", "(", ")", "[", "]", "f", "t":
                return 30
            case "m", "w", "M", "W", "@", "%":
                return 85
            default:
                return value < 0x20 ? 0 : 55
            }
        }
        if isZeroWidth(value) { return 0 }
        if isWide(value) { return 100 }
        return 60
    }

    /// The width of `text` in hundredths of an em.
    public static func units(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + units($1) }
    }

    /// The width of `text` in pixels at `fontSize` pixels, rounded up.
    public static func pixels(_ text: String, fontSize: Int) -> Int {
        (units(text) * fontSize + 99) / 100
    }

    /// `text` cut to fit `maxPixels` at `fontSize`, with `…` at the end when
    /// anything was cut. Cuts between whole characters (grapheme clusters),
    /// never between a base and its combining marks.
    public static func truncated(_ text: String, toPixels maxPixels: Int, fontSize: Int) -> String {
        if pixels(text, fontSize: fontSize) <= maxPixels { return text }
        let ellipsisUnits = units("…")
        var result = ""
        var used = 0
        for character in text {
            let width = character.unicodeScalars.reduce(0) { $0 + units($1) }
            if (used + width + ellipsisUnits) * fontSize > maxPixels * 100 { break }
            result.append(character)
            used += width
        }
        return result + "…"
    }

    static func isZeroWidth(_ value: UInt32) -> Bool {
        switch value {
        case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x20D0...0x20FF, 0xFE20...0xFE2F:  // combining marks
            true
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFEFF:  // zero-width and format characters
            true
        case 0xFE00...0xFE0F, 0xE0100...0xE01EF:  // variation selectors
            true
        default:
            false
        }
    }

    static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F,  // Hangul Jamo leading consonants
            0x2E80...0x303E,  // CJK radicals, Kangxi, CJK symbols and punctuation
            0x3041...0x33FF,  // kana, bopomofo, CJK compatibility
            0x3400...0x4DBF,  // CJK Extension A
            0x4E00...0x9FFF,  // CJK Unified Ideographs
            0xA000...0xA4CF,  // Yi
            0xAC00...0xD7A3,  // Hangul syllables
            0xF900...0xFAFF,  // CJK compatibility ideographs
            0xFE30...0xFE4F,  // CJK compatibility forms
            0xFF00...0xFF60,  // full-width forms
            0xFFE0...0xFFE6,  // full-width signs
            0x1F300...0x1F64F, 0x1F900...0x1F9FF,  // wide emoji
            0x20000...0x3FFFD:  // CJK Extensions B and later
            true
        default:
            false
        }
    }
}
