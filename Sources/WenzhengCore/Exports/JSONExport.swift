import Foundation

/// JSON for exports that people diff, archive and feed to other tools:
/// the same value always gives the same bytes.
///
/// - Object keys are sorted (`JSONEncoder.OutputFormatting.sortedKeys`),
///   so dictionaries do not come out in hash order.
/// - Dates are ISO 8601 in UTC with whole seconds (`2026-11-01T08:30:00Z`).
/// - Slashes are not escaped, and the output is indented with two spaces
///   and ends with a line feed, so a file reads well and `diff` works.
/// - Export types write days as `CivilDate.description` (`2026-11-01`)
///   strings rather than `CivilDate`'s own Codable form.
public enum JSONExport {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func encode(_ value: some Encodable) throws -> Data {
        var data = try encoder().encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
