import Foundation

/// A mainland China mobile number in its one canonical form: 11 ASCII
/// digits, `1[3-9]` then 9 more (`13812345678`).
///
/// Open-day registration is keyed by it ("the same phone twice for one
/// event keeps one registration"), so every way of typing the same number
/// must normalise to the same value:
///
/// - full-width digits (`１３８…`) become ASCII;
/// - spaces (also U+3000), dashes (`-`, `－`, `—`), dots and parentheses
///   (ASCII and full-width) are dropped;
/// - a country prefix `+86`, `0086` or a bare `86` in front of 11 more
///   digits is dropped.
///
/// Anything else, letters or an extension included, is refused: a landline
/// cannot receive the confirmation and is not what the form asks for.
public struct MobileNumber: Sendable, Hashable, CheckedStringValue, CustomStringConvertible {
    /// 11 ASCII digits.
    public let digits: String

    /// The example every error shows.
    public static let example = "138 1234 5678"

    public init?(_ text: String) {
        var digits: [UInt8] = []
        var sawPlus = false
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: digits.append(UInt8(scalar.value - 0x30))
            case 0xFF10...0xFF19: digits.append(UInt8(scalar.value - 0xFF10))
            case 0x2B, 0xFF0B:  // + and ＋, only in front
                guard digits.isEmpty, !sawPlus else { return nil }
                sawPlus = true
            case 0x20, 0x3000, 0x2D, 0xFF0D, 0x2014, 0x2E, 0x28, 0x29, 0xFF08, 0xFF09:
                continue
            default:
                return nil
            }
        }
        if digits.count == 15, digits.prefix(4) == [0, 0, 8, 6], !sawPlus {
            digits.removeFirst(4)
        } else if digits.count == 13, digits.prefix(2) == [8, 6] {
            digits.removeFirst(2)
        } else if sawPlus {
            // `+` only makes sense before a country code.
            return nil
        }
        guard digits.count == 11, digits[0] == 1, (3...9).contains(digits[1]) else { return nil }
        self.digits = digits.map { String($0) }.joined()
    }

    public var canonicalText: String { digits }

    public var description: String { digits }

    /// `138****5678`, as pages and staff lists show it (the same mask the
    /// moderation filter uses for mobile numbers).
    public var masked: String { "\(digits.prefix(3))****\(digits.suffix(4))" }

    /// Parses a form field, as a `FieldError` with an example when it is
    /// not a mainland mobile number.
    public static func parse(_ text: String, field: String = "phone") throws(FieldError) -> MobileNumber {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { throw .required(field) }
        guard let number = MobileNumber(text) else {
            throw .invalid(field, "\(field) must be a mainland mobile number of 11 digits, for example \(example)")
        }
        return number
    }
}
