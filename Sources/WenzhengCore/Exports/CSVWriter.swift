import Foundation

/// A table to export as CSV: a header row and data rows of text cells.
///
/// Every export that office staff open in a spreadsheet (survey responses,
/// consultation comments, event attendees) goes through this type, so that
/// all of them get the same BOM, quoting and formula neutralisation.
public struct CSVDocument: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    /// The whole file: BOM, header, rows (see `CSVWriter`).
    public func encoded() -> Data {
        var writer = CSVWriter()
        writer.append(header)
        for row in rows { writer.append(row) }
        return writer.data
    }
}

/// Writes CSV the way Excel and WPS read it correctly, for exports that
/// citizens' text flows into.
///
/// - **UTF-8 with a byte order mark.** Without the BOM, Excel on a Chinese
///   Windows reads the file as GBK and every Chinese character is garbled.
/// - **RFC 4180 quoting.** A cell is enclosed in double quotes when it
///   contains a comma, a double quote, a carriage return or a line feed;
///   a double quote inside is doubled. Other cells are written as they are,
///   so the output is deterministic and minimal.
/// - **CRLF between rows**, as RFC 4180 says (line breaks inside a quoted
///   cell are kept as they were typed).
/// - **Formula neutralisation.** A cell whose first character is `=`, `+`,
///   `-`, `@`, a tab or a carriage return would be evaluated by a
///   spreadsheet as a formula (`=HYPERLINK(…)`, `@SUM(…)`, DDE payloads).
///   Such a cell is prefixed with an apostrophe `'`, which spreadsheets
///   show as text and which a reader can see and strip (the OWASP "CSV
///   injection" recommendation). Neutralisation happens before quoting,
///   and applies to every cell, header included. The cost: a negative
///   number typed by a citizen shows as `'-5`; the numbers Wenzheng itself
///   writes (counts, ratings, positions) are never negative.
///
/// Rows may have different lengths; nothing is padded.
public struct CSVWriter: Sendable {
    /// The UTF-8 byte order mark, written once at the start of the file.
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    /// Between rows.
    public static let rowSeparator = "\r\n"

    /// The bytes written so far, BOM first.
    public private(set) var bytes: [UInt8]

    /// A writer for a whole file, starting with the BOM. Pass
    /// `includeByteOrderMark: false` for a writer whose rows are appended
    /// to a file already started (streamed exports in chunks).
    public init(includeByteOrderMark: Bool = true) {
        bytes = includeByteOrderMark ? Self.byteOrderMark : []
    }

    public var data: Data { Data(bytes) }

    /// Appends one row and its CRLF.
    public mutating func append(_ row: [String]) {
        for (index, cell) in row.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: Self.encodeCell(cell).utf8)
        }
        bytes.append(contentsOf: Self.rowSeparator.utf8)
    }

    /// One row as text with its CRLF, no BOM: for streaming.
    public static func encodeRow(_ row: [String]) -> String {
        row.map(encodeCell).joined(separator: ",") + rowSeparator
    }

    /// One cell: neutralised, then quoted if it needs to be.
    public static func encodeCell(_ cell: String) -> String {
        let text = neutralised(cell)
        guard text.utf8.contains(where: needsQuoting) else { return text }
        // `"` is ASCII, so doubling it per UTF-8 byte doubles it per scalar,
        // whatever combining marks follow it.
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        quoted.reserveCapacity(text.utf8.count + 8)
        for byte in text.utf8 {
            quoted.append(byte)
            if byte == UInt8(ascii: "\"") { quoted.append(byte) }
        }
        quoted.append(UInt8(ascii: "\""))
        return String(decoding: quoted, as: UTF8.self)
    }

    /// The scalars that make a spreadsheet read a cell as a formula when
    /// they come first.
    public static let formulaTriggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// `cell` with an apostrophe in front when it starts with a formula
    /// trigger; otherwise unchanged. Judged on the first Unicode scalar, so
    /// `=` followed by a combining mark is still caught.
    public static func neutralised(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, formulaTriggers.contains(first) else { return cell }
        return "'" + cell
    }

    static func needsQuoting(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\r"), UInt8(ascii: "\n"): true
        default: false
        }
    }
}
