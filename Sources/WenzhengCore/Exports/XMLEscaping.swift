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
        guard utf8.contains(where: { action[Int($0)] != .keep }) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch action[Int(byte)] {
            case .keep:
                bytes.append(byte)
            case .drop:
                continue
            case .replace(let entity):
                bytes.append(contentsOf: entity.utf8)
            case .checkNonCharacter:
                bytes.append(byte)
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF: drop the
                // three bytes once the last one arrives. EF is always a
                // lead byte, so this never cuts into another scalar.
                let count = bytes.count
                if count >= 3, bytes[count - 3] == 0xEF, bytes[count - 2] == 0xBF, byte == 0xBE || byte == 0xBF {
                    bytes.removeLast(3)
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    enum Action: Equatable {
        case keep
        case drop
        case replace(String)
        /// A byte that may end U+FFFE or U+FFFF.
        case checkNonCharacter
    }

    /// What to do with each byte value.
    static let action: [Action] = (0...255).map { value -> Action in
        switch UInt8(value) {
        case UInt8(ascii: "<"): .replace("&lt;")
        case UInt8(ascii: ">"): .replace("&gt;")
        case UInt8(ascii: "&"): .replace("&amp;")
        case UInt8(ascii: "\""): .replace("&quot;")
        case UInt8(ascii: "'"): .replace("&apos;")
        case 0x09, 0x0A, 0x0D: .keep
        case 0x00..<0x20: .drop
        case 0xBE, 0xBF: .checkNonCharacter
        default: .keep
        }
    }
}
