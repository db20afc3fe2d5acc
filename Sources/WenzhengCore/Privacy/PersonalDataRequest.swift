import Foundation

/// Whose data an export or deletion request is about (PIPL arts. 45 and 47):
/// the phone number or e-mail address the person gave us. Citizens have no
/// accounts, so these are the only keys that tie rows to one person; the
/// office checks the requester's identity before running the command.
public enum PersonalDataRequest: Sendable, Equatable, CustomStringConvertible {
    case phone(digits: String)
    case email(address: String)

    /// A phone number as people write it (`138 1234 5678`, `+86 138-1234-5678`,
    /// `025-8888 1234`): at least 5 digits, and nothing but digits,
    /// spaces, dashes, brackets and a leading plus.
    public static func phone(_ text: String) -> PersonalDataRequest? {
        var digits = ""
        for scalar in text.trimmingCharacters(in: .whitespaces).unicodeScalars {
            switch scalar {
            case "0"..."9": digits.unicodeScalars.append(scalar)
            case " ", "-", "(", ")", "+": continue
            default: return nil
            }
        }
        guard digits.count >= 5, digits.count <= 20 else { return nil }
        return .phone(digits: nationalDigits(digits))
    }

    /// An e-mail address, compared without regard to case.
    public static func email(_ text: String) -> PersonalDataRequest? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !trimmed.contains(where: \.isWhitespace),
            trimmed.count <= 254
        else { return nil }
        return .email(address: trimmed.lowercased())
    }

    public var description: String {
        switch self {
        case .phone(let digits): "phone \(digits)"
        case .email(let address): "email \(address)"
        }
    }

    /// Whether a phone number stored as the citizen typed it is this one.
    public func matchesPhone(_ stored: String?) -> Bool {
        guard case .phone(let digits) = self, let stored else { return false }
        let storedDigits = String(stored.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
        return !storedDigits.isEmpty && Self.nationalDigits(storedDigits) == digits
    }

    /// Whether a stored e-mail address is this one.
    public func matchesEmail(_ stored: String?) -> Bool {
        guard case .email(let address) = self, let stored else { return false }
        return stored.trimmingCharacters(in: .whitespaces).lowercased() == address
    }

    /// Whether free contact text (an interview question's "how to reach
    /// me") names this phone number or address anywhere in it.
    public func isNamed(in text: String?) -> Bool {
        guard let text else { return false }
        switch self {
        case .email(let address):
            return text.lowercased().contains(address)
        case .phone(let digits):
            let textDigits = String(text.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
            return textDigits.contains(digits)
        }
    }

    /// A mainland number with its country code (`86 138…`, `0086 138…`)
    /// is the same number without it.
    static func nationalDigits(_ digits: String) -> String {
        for prefix in ["0086", "86"] where digits.hasPrefix(prefix) && digits.count == prefix.count + 11 {
            return String(digits.dropFirst(prefix.count))
        }
        return digits
    }
}
