import Foundation
import NIOCore
import PostgresNIO
import WenzhengCore

// How the domain's own value types travel to and from PostgreSQL columns.
// Dates with a time are `timestamptz` (postgres-nio's `Date`); civil dates
// (a letter's due date, a calendar day) are `date`, so that comparisons
// and ranges happen in the database with the right type rather than as
// text, as they must on SQLite.

/// PostgreSQL counts `date` in days from 2000-01-01; `CivilDate` counts
/// from 1970-01-01.
private let postgresDateEpochOffset = 10_957

extension CivilDate: PostgresEncodable, PostgresNonThrowingEncodable {
    public static var psqlType: PostgresDataType { .date }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(Int32(daysSinceEpoch - postgresDateEpochOffset))
    }
}

extension CivilDate: PostgresDecodable {
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        switch (type, format) {
        case (.date, .binary):
            guard buffer.readableBytes == 4, let days = buffer.readInteger(as: Int32.self) else {
                throw PostgresDecodingError.Code.failure
            }
            self.init(daysSinceEpoch: Int(days) + postgresDateEpochOffset)
        case (.date, .text), (.text, _), (.varchar, _):
            guard let text = buffer.readString(length: buffer.readableBytes), let date = CivilDate(text) else {
                throw PostgresDecodingError.Code.failure
            }
            self = date
        default:
            throw PostgresDecodingError.Code.typeMismatch
        }
    }
}

extension PSQLError {
    /// The five-character SQLSTATE of a server error (`23505` for a unique
    /// key), nil for a client-side failure.
    public var sqlState: String? { serverInfo?[.sqlState] }

    /// The constraint a `23xxx` error names (`letter_number_key`).
    public var constraintName: String? { serverInfo?[.constraintName] }

    /// The server's message (a trigger's `RAISE` text).
    public var serverMessage: String? { serverInfo?[.message] }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    public var isCheckViolation: Bool { sqlState == "23514" }
    public var isNotNullViolation: Bool { sqlState == "23502" }

    /// A serializable transaction that lost to a concurrent one, or a
    /// deadlock: running the whole transaction again is the cure.
    var isRetryableTransactionFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
}
