extension TextRules {
    /// Text as Wenzheng stores what citizens and staff submit:
    /// - line ends as LF: browsers send CRLF from a text area, Windows files
    ///   have CRLF, old Mac files CR, and U+2028/U+2029 are line breaks too;
    ///   a length must not depend on which;
    /// - control characters other than LF and tab, DEL and the BOM removed
    ///   (they cannot be seen, break exports, and hide text from filters);
    /// - with `singleLine`, line ends and tabs become spaces.
    /// Nothing is trimmed; callers trim.
    public static func cleanedText(_ text: String, singleLine: Bool) -> String {
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar.value {
            case 0x0D, 0x2028, 0x2029:
                scalars.append(singleLine ? " " : "\n")
            case 0x0A:
                if !previousWasCR { scalars.append(singleLine ? " " : "\n") }
            case 0x09:
                scalars.append(singleLine ? " " : scalar)
            case 0x00..<0x20, 0x7F, 0xFEFF:
                continue
            default:
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
