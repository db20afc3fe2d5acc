import Foundation
import PostgresNIO

// The GRDB stores' records are `Codable` structs whose camelCase properties
// GRDB maps to snake_case columns (`SnakeCaseRecord`). These two coders do
// the same against PostgreSQL rows and bindings, so the PostgreSQL stores
// read and write the very same record types. Values that postgres-nio
// encodes itself (String, integers, Bool, Double, Date as timestamptz,
// Data as bytea, CivilDate as date) go straight through; anything else
// (an enum with a String raw value) goes through its single value.

/// `actorId` → `actor_id`, `beforeJson` → `before_json`, as GRDB's
/// `.convertToSnakeCase` does.
func snakeCaseColumn(_ key: String) -> String {
    var result = ""
    result.reserveCapacity(key.count + 4)
    for character in key {
        if character.isUppercase {
            if !result.isEmpty { result.append("_") }
            result.append(contentsOf: character.lowercased())
        } else {
            result.append(character)
        }
    }
    return result
}

// MARK: - Decoding

enum PostgresRecordDecoder {
    static func decode<Record: Decodable>(_ type: Record.Type, from row: PostgresRandomAccessRow) throws -> Record {
        try Record(from: RowDecoder(row: row))
    }

    struct RowDecoder: Decoder {
        let row: PostgresRandomAccessRow
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(RowContainer(row: row))
        }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch(
                [Any].self, .init(codingPath: codingPath, debugDescription: "a row decodes as a keyed record"))
        }
        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            throw DecodingError.typeMismatch(
                Any.self, .init(codingPath: codingPath, debugDescription: "a row decodes as a keyed record"))
        }
    }

    struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: PostgresRandomAccessRow
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { row.compactMap { Key(stringValue: $0.columnName) } }

        func contains(_ key: Key) -> Bool { row.contains(snakeCaseColumn(key.stringValue)) }

        func cell(_ key: Key) throws -> PostgresCell {
            let column = snakeCaseColumn(key.stringValue)
            guard row.contains(column) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: [key], debugDescription: "no column \(column)"))
            }
            return row[column]
        }

        func decodeNil(forKey key: Key) throws -> Bool { try cell(key).bytes == nil }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let cell = try cell(key)
            if let decodable = T.self as? any PostgresDecodable.Type {
                return try Self.open(decodable, cell) as! T
            }
            return try T(from: CellDecoder(cell: cell, codingPath: [key]))
        }

        private static func open<P: PostgresDecodable>(_ type: P.Type, _ cell: PostgresCell) throws -> P {
            try cell.decode(P.self)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            throw DecodingError.typeMismatch(type, .init(codingPath: [key], debugDescription: "nested values are not columns"))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: [key], debugDescription: "nested values are not columns"))
        }
        func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
        func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row) }
    }

    /// One cell as a single value: an enum's raw value, a wrapper around a
    /// String or an integer.
    struct CellDecoder: Decoder, SingleValueDecodingContainer {
        let cell: PostgresCell
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "a column holds one value"))
        }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a column holds one value"))
        }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

        func decodeNil() -> Bool { cell.bytes == nil }
        func decode(_ type: Bool.Type) throws -> Bool { try cell.decode(Bool.self) }
        func decode(_ type: String.Type) throws -> String { try cell.decode(String.self) }
        func decode(_ type: Double.Type) throws -> Double { try cell.decode(Double.self) }
        func decode(_ type: Float.Type) throws -> Float { try cell.decode(Float.self) }
        func decode(_ type: Int.Type) throws -> Int { try cell.decode(Int.self) }
        func decode(_ type: Int8.Type) throws -> Int8 { Int8(try cell.decode(Int.self)) }
        func decode(_ type: Int16.Type) throws -> Int16 { try cell.decode(Int16.self) }
        func decode(_ type: Int32.Type) throws -> Int32 { try cell.decode(Int32.self) }
        func decode(_ type: Int64.Type) throws -> Int64 { try cell.decode(Int64.self) }
        func decode(_ type: UInt.Type) throws -> UInt { UInt(try cell.decode(Int64.self)) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try cell.decode(UInt8.self) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { UInt16(try cell.decode(Int64.self)) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { UInt32(try cell.decode(Int64.self)) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { UInt64(try cell.decode(Int64.self)) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if let decodable = T.self as? any PostgresDecodable.Type {
                return try RowContainer<AnyKey>.openCell(decodable, cell) as! T
            }
            return try T(from: self)
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension PostgresRecordDecoder.RowContainer {
    static func openCell<P: PostgresDecodable>(_ type: P.Type, _ cell: PostgresCell) throws -> P {
        try cell.decode(P.self)
    }
}

// MARK: - Encoding

/// A record's columns, in its `encode(to:)` order, each ready to bind.
enum PostgresRecordEncoder {
    struct Column {
        var name: String
        var isNull: Bool
        var bind: (inout PostgresBindings) throws -> Void
    }

    static func columns<Record: Encodable>(of record: Record) throws -> [Column] {
        let sink = Sink()
        try record.encode(to: RecordEncoder(sink: sink))
        return sink.columns
    }

    final class Sink {
        var columns: [Column] = []
    }

    struct RecordEncoder: Encoder {
        let sink: Sink
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(RowContainer(sink: sink))
        }
        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            fatalError("a record encodes as keyed columns, not as a list")
        }
        func singleValueContainer() -> any SingleValueEncodingContainer {
            fatalError("a record encodes as keyed columns, not as one value")
        }
    }

    struct RowContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let sink: Sink
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws {
            sink.columns.append(Column(name: snakeCaseColumn(key.stringValue), isNull: true) { $0.appendNull() })
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            let name = snakeCaseColumn(key.stringValue)
            if let encodable = value as? any PostgresThrowingDynamicTypeEncodable {
                sink.columns.append(Self.column(name, encodable))
                return
            }
            // An enum or a wrapper: its single value.
            let single = SingleValueSink()
            try value.encode(to: single)
            guard let column = single.column(name) else {
                throw EncodingError.invalidValue(
                    value, .init(codingPath: [key], debugDescription: "\(T.self) does not encode as one column value"))
            }
            sink.columns.append(column)
        }

        // Optional properties: a nil is written as NULL (not left out as
        // `Codable`'s default does), so `update` clears a column.
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }

        static func column<E: PostgresThrowingDynamicTypeEncodable>(_ name: String, _ value: E) -> Column {
            Column(name: name, isNull: false) { try $0.append(value) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            fatalError("nested values are not columns (\(key.stringValue))")
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            fatalError("nested values are not columns (\(key.stringValue))")
        }
        mutating func superEncoder() -> any Encoder { RecordEncoder(sink: sink) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { RecordEncoder(sink: sink) }
    }

    /// Catches the one value an enum or wrapper encodes.
    final class SingleValueSink: Encoder, SingleValueEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        private var make: ((String) -> Column)?

        func column(_ name: String) -> Column? { make?(name) }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            fatalError("a column value cannot be keyed")
        }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("a column value cannot be a list") }
        func singleValueContainer() -> any SingleValueEncodingContainer { self }

        func encodeNil() throws { make = { Column(name: $0, isNull: true) { $0.appendNull() } } }
        func encode<T: Encodable>(_ value: T) throws {
            if let encodable = value as? any PostgresThrowingDynamicTypeEncodable {
                make = { RowContainer<PostgresRecordDecoder.AnyKey>.column($0, encodable) }
            } else {
                try value.encode(to: self)
            }
        }
        func encode(_ value: Bool) throws { make = { RowContainer<PostgresRecordDecoder.AnyKey>.column($0, value) } }
        func encode(_ value: String) throws { make = { RowContainer<PostgresRecordDecoder.AnyKey>.column($0, value) } }
        func encode(_ value: Int) throws { make = { RowContainer<PostgresRecordDecoder.AnyKey>.column($0, value) } }
        func encode(_ value: Int64) throws { make = { RowContainer<PostgresRecordDecoder.AnyKey>.column($0, value) } }
        func encode(_ value: Double) throws { make = { RowContainer<PostgresRecordDecoder.AnyKey>.column($0, value) } }
    }
}
