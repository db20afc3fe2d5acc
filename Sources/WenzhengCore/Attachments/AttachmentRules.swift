/// The kinds of file that may be attached: recognised by their content,
/// never by the name or the type the browser claims.
public enum AttachmentKind: String, Sendable, Codable, CaseIterable {
    case pdf
    case jpeg
    case png

    /// The `Content-Type` a stored file is served with.
    public var mediaType: String {
        switch self {
        case .pdf: "application/pdf"
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        }
    }

    public var fileExtension: String {
        switch self {
        case .pdf: "pdf"
        case .jpeg: "jpg"
        case .png: "png"
        }
    }
}

/// Why a file is attached to a letter.
public enum AttachmentRole: String, Sendable, Codable, CaseIterable {
    /// Supporting material the citizen sent with the letter.
    case letter
    /// Proof of identity for an information-disclosure request (art. 29 of
    /// the 2019 Regulations on Open Government Information).
    case identityProof = "identity_proof"
    /// A document the office sends with its reply (a disclosure decision,
    /// the information itself).
    case reply
}

public enum AttachmentRules {
    /// Largest single file.
    public static let maxFileBytes = 10 * 1024 * 1024
    /// Files a citizen may attach to one letter, identity proof included.
    public static let maxCitizenFiles = 5
    /// All of a citizen's files on one letter together.
    public static let maxCitizenBytes = 20 * 1024 * 1024
    /// Reply documents on one letter.
    public static let maxReplyFiles = 10
    /// Longest file name kept for display.
    public static let displayNameMaxLength = 120

    /// How many bytes of the start and of the end of a file `kind(head:tail:)`
    /// needs.
    public static let headBytes = 8
    public static let tailBytes = 1024

    /// The kind of a file from its first and last bytes, or nil when it is
    /// none of the accepted kinds (or is truncated):
    /// - PDF: starts with `%PDF-` and has `%%EOF` in its last 1,024 bytes;
    /// - PNG: the 8-byte signature, and the `IEND` chunk last;
    /// - JPEG: starts with the SOI marker `FF D8 FF` and has the EOI
    ///   marker `FF D9` in its last 1,024 bytes.
    public static func kind(head: [UInt8], tail: [UInt8]) -> AttachmentKind? {
        if head.starts(with: Array("%PDF-".utf8)), contains(tail, Array("%%EOF".utf8)) { return .pdf }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            tail.count >= 12, tail.suffix(12).starts(with: [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44])
        {
            return .png
        }
        if head.starts(with: [0xFF, 0xD8, 0xFF]), contains(tail, [0xFF, 0xD9]) { return .jpeg }
        return nil
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// A file name safe to show and to offer in a download: the last path
    /// component only, without control, format (bidirectional overrides,
    /// zero-width) or separator characters, at most 120 scalars, and the
    /// extension of the kind the content really is. Empty names become
    /// `附件.<ext>`.
    public static func displayName(_ raw: String, kind: AttachmentKind) -> String {
        let lastComponent = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var scalars = String.UnicodeScalarView()
        for scalar in lastComponent.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                continue
            default:
                scalars.append(scalar)
            }
        }
        var name = String(scalars).trimmingSpaces()
        // Drop whatever extension it claimed; the content decides.
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            name = String(name[..<dot]).trimmingSpaces()
        }
        if name.isEmpty || name.allSatisfy({ $0 == "." }) { name = "附件" }
        let limit = displayNameMaxLength - kind.fileExtension.count - 1
        if name.unicodeScalars.count > limit {
            name = String(String.UnicodeScalarView(name.unicodeScalars.prefix(limit)))
        }
        return name + "." + kind.fileExtension
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
