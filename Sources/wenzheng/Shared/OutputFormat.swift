import ArgumentParser
import Foundation
import WenzhengCore

/// How list commands print: an aligned table for people, JSON for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}

/// Prints `value` as list commands give it to scripts: indented JSON with
/// sorted keys, dates in ISO 8601.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// An instant as list commands print it for people: ISO 8601 in Beijing
/// time, where the office works (`2026-11-18T10:40:00+08:00`).
func officeTimestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = CivilDate.officeTimeZone
    return formatter.string(from: date)
}
