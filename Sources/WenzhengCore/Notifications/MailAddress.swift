import Foundation

/// An e-mail address as the notifier uses it: the `local@domain` that goes
/// into the SMTP envelope (`MAIL FROM`, `RCPT TO`) and the header, with an
/// optional display name for `From`.
///
/// The check is deliberately narrow: printable ASCII without spaces, angle
/// brackets, quotes, commas or semicolons, one `@`, a dotted domain. An
/// address outside it is refused rather than quoted, so nothing a visitor
/// typed can add a command or a header to the SMTP dialogue.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    /// `local@domain`.
    public var address: String
    /// Shown before the address in `From`, e.g. `江苏省司法厅`.
    public var displayName: String?

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAnAddress(String)

        public var description: String {
            switch self {
            case .notAnAddress(let text):
                "'\(text)' is not an e-mail address; write name@example.cn or \"Name <name@example.cn>\""
            }
        }
    }

    /// Parses `name@example.cn` or `Display Name <name@example.cn>`.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
            guard Self.isValid(address), !name.contains(where: { $0.isNewline || $0 == "\"" || $0 == "<" || $0 == ">" }) else {
                throw .notAnAddress(text)
            }
            self.address = address
            self.displayName = name.isEmpty ? nil : name
        } else {
            guard Self.isValid(trimmed) else { throw .notAnAddress(text) }
            self.address = trimmed
            self.displayName = nil
        }
    }

    public init?(_ address: String, displayName: String? = nil) {
        guard Self.isValid(address) else { return nil }
        self.address = address
        self.displayName = displayName
    }

    /// The part after the `@`.
    public var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    public var description: String {
        displayName.map { "\($0) <\(address)>" } ?? address
    }

    /// The address with the local part hidden after its first character,
    /// for logs: `v***@example.cn`.
    public static func masked(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@"), at > address.startIndex else { return "***" }
        return "\(address[address.startIndex])***\(address[at...])"
    }

    /// Whether `text` is an address the notifier will put on the wire.
    public static func isValid(_ text: String) -> Bool {
        guard (3...254).contains(text.utf8.count), let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return false }
        let forbidden: Set<UInt8> = Array(#" <>()[]\,;:"@"#.utf8).reduce(into: []) { $0.insert($1) }
        guard local.utf8.allSatisfy({ (0x21...0x7E).contains($0) && !forbidden.contains($0) }) else { return false }
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy {
                    $0 == 0x2D || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
                }
        }
    }
}
