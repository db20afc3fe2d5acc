import Foundation

/// A value written to JSON (and to the database) as one string, and read
/// back only through its checking initialiser, so a stored row or an API
/// body cannot smuggle in a malformed phone number or code.
public protocol CheckedStringValue: Codable {
    /// The value, or nil when `text` is not one.
    init?(_ text: String)
    /// The canonical text, which `init?(_:)` accepts.
    var canonicalText: String { get }
}

extension CheckedStringValue {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a valid \(Self.self)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonicalText)
    }
}
