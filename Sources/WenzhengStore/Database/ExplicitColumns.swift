import GRDB

// Records written or read for every citizen's submission spell their
// columns out (`init(row:)`, `encode(to:)`) instead of going through
// `Codable` with `SnakeCaseRecord`'s key conversion: GRDB converts each
// property name to snake_case again for every row, which was about 5 % of
// the server's CPU per question (issue 13). `ExplicitColumnsTests` checks
// that each such record writes exactly its table's columns and reads back
// what it wrote.

/// A column's text that no case of `Value` has: written by a newer
/// Wenzheng, or a damaged file.
struct UnknownColumnValue: Error, CustomStringConvertible {
    var column: String
    var value: String
    var type: String

    var description: String { "column \(column) holds \(value.debugDescription), which is no \(type)" }
}

extension Row {
    /// A column holding an enum's raw text; throws for a value no case has,
    /// as `Codable` decoding did.
    func decode<Value: RawRepresentable>(_ type: Value.Type = Value.self, rawValueOf column: String) throws -> Value
    where Value.RawValue == String {
        let text: String = try decode(forColumn: column)
        guard let value = Value(rawValue: text) else {
            throw UnknownColumnValue(column: column, value: text, type: String(describing: Value.self))
        }
        return value
    }
}
