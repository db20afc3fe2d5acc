/// Escaping for text put into XML and SVG (element content and attribute
/// values in double or single quotes).
///
/// Escaping works per UTF-8 byte, which is per Unicode scalar: `<`, `>`,
/// `&`, `"` and `'` are ASCII, and an ASCII byte never occurs inside the
/// encoding of another scalar. A library that escaped per `Character`
/// (grapheme cluster) let a `"` followed by a combining mark (U+0301) or a
/// zero-width joiner (U+200D) through, because that cluster is not equal
/// to `"`; here such a quote is escaped like any other.
///
/// The C0 control characters that XML 1.0 forbids (all below U+0020 except
/// tab, line feed and carriage return) make a document unreadable to an
/// XML parser, so they are dropped; so are the non-characters U+FFFE and
/// U+FFFF, which XML also forbids. Everything else is kept as it is.
public enum XMLEscaping {
    public static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        // Most text needs nothing: return it untouched.
        guard utf8.contains(where: needsAttention) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&apos;".utf8)
            case 0x09, 0x0A, 0x0D: bytes.append(byte)
            case 0x00..<0x20: continue
            default:
                bytes.append(byte)
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF: drop the
                // three bytes once the last one arrives.
                if byte == 0xBE || byte == 0xBF, bytes.count >= 3, bytes[bytes.count - 2] == 0xBF,
                    bytes[bytes.count - 3] == 0xEF
                {
                    bytes.removeLast(3)
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func needsAttention(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "\""), UInt8(ascii: "'"): true
        case 0x09, 0x0A, 0x0D: false
        case 0x00..<0x20: true
        // The lead byte of U+FFFE/U+FFFF (and of other scalars from U+F000).
        case 0xEF: true
        default: false
        }
    }
}
