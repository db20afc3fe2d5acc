import Foundation
import Testing
import WenzhengCore

@Suite("CSV exports")
struct CSVWriterTests {
    /// A small RFC 4180 reader, to check that what is written reads back.
    static func parse(_ data: Data) -> [[String]] {
        var bytes = [UInt8](data)
        if bytes.starts(with: CSVWriter.byteOrderMark) { bytes.removeFirst(3) }
        let text = String(decoding: bytes, as: UTF8.self)
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if quoted {
                if scalar == "\"" {
                    if scalars.first == "\"" {
                        scalars.removeFirst()
                        cell.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                    }
                } else {
                    cell.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"": quoted = true
            case ",":
                row.append(cell)
                cell = ""
            case "\r":
                #expect(scalars.popFirst() == "\n", "a bare CR between rows")
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            default: cell.unicodeScalars.append(scalar)
            }
        }
        #expect(row.isEmpty && cell.isEmpty, "the file ends with CRLF")
        return rows
    }

    @Test("a file starts with the UTF-8 BOM and ends every row with CRLF")
    func bomAndLineEnds() {
        let data = CSVDocument(header: ["题目", "回答"], rows: [["满意度", "满意"]]).encoded()
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(String(decoding: data.dropFirst(3), as: UTF8.self) == "题目,回答\r\n满意度,满意\r\n")
    }

    @Test("cells with commas, quotes and line breaks are quoted, quotes doubled")
    func quoting() {
        #expect(CSVWriter.encodeCell("plain 文本") == "plain 文本")
        #expect(CSVWriter.encodeCell("a,b") == "\"a,b\"")
        #expect(CSVWriter.encodeCell("他说\"好\"") == "\"他说\"\"好\"\"\"")
        #expect(CSVWriter.encodeCell("第一行\n第二行") == "\"第一行\n第二行\"")
        #expect(CSVWriter.encodeCell("x\ry") == "\"x\ry\"")
        #expect(CSVWriter.encodeCell("") == "")
        // A quote followed by a combining mark is still a quote.
        #expect(CSVWriter.encodeCell("a\"\u{0301}b") == "\"a\"\"\u{0301}b\"")
        // Full-width comma and quotes are ordinary characters.
        #expect(CSVWriter.encodeCell("甲，乙“丙”") == "甲，乙“丙”")
    }

    @Test("cells that a spreadsheet would evaluate are prefixed with an apostrophe", arguments: [
        ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"), ("\rcmd", "\"'\rcmd\""), ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ("=\u{0301}1", "'=\u{0301}1"), ("a=1", "a=1"), (" =1", " =1"), ("'=1", "'=1"), ("５", "５"),
    ])
    func formulaNeutralisation(_ cell: String, _ expected: String) {
        #expect(CSVWriter.encodeCell(cell) == expected)
    }

    @Test("the header row is neutralised too")
    func headerNeutralised() {
        let data = CSVDocument(header: ["=cmd|' /C calc'!A0"], rows: []).encoded()
        #expect(Self.parse(data) == [["'=cmd|' /C calc'!A0"]])
    }

    @Test("hostile cells read back as written (after neutralisation), row by row")
    func roundTrip() {
        let rows = [
            ["1", "\"", "\"\"", ",", "\r\n", "\n\n", "𠮷野家", "e\u{0301}", "\u{FEFF}bom"],
            [],
            ["", "", ""],
            ["=danger", "safe"],
        ]
        let document = CSVDocument(header: ["a", "b"], rows: rows)
        let parsed = Self.parse(document.encoded())
        #expect(parsed.count == 5)
        // The cell that starts with a carriage return is neutralised.
        #expect(parsed[1] == rows[0].map { $0 == "\r\n" ? "'\r\n" : $0 })
        #expect(parsed[2] == [""])
        #expect(parsed[3] == rows[2])
        #expect(parsed[4] == ["'=danger", "safe"])
    }

    @Test("the same document gives the same bytes; streaming rows gives the same file")
    func deterministic() {
        let document = CSVDocument(header: ["k", "v"], rows: [["一", "1"], ["二", "2,3"]])
        #expect(document.encoded() == document.encoded())
        var streamed = Data(CSVWriter.byteOrderMark)
        streamed.append(contentsOf: CSVWriter.encodeRow(document.header).utf8)
        for row in document.rows { streamed.append(contentsOf: CSVWriter.encodeRow(row).utf8) }
        #expect(streamed == document.encoded())
        var continuation = CSVWriter(includeByteOrderMark: false)
        continuation.append(["x"])
        #expect(continuation.bytes == Array("x\r\n".utf8))
    }
}

@Suite("JSON exports")
struct JSONExportTests {
    struct Sample: Encodable {
        var zeta = 1
        var alpha = ["b": 2, "a": 1]
        var at = Date(timeIntervalSince1970: 1_793_462_400)
        var url = "https://example.gov.cn/a/b"
    }

    @Test("keys sorted, ISO 8601 dates in UTC, slashes not escaped, final newline")
    func deterministic() throws {
        let text = String(decoding: try JSONExport.encode(Sample()), as: UTF8.self)
        #expect(text == """
            {
              "alpha" : {
                "a" : 1,
                "b" : 2
              },
              "at" : "2026-10-31T16:00:00Z",
              "url" : "https://example.gov.cn/a/b",
              "zeta" : 1
            }

            """)
        #expect(try JSONExport.encode(Sample()) == JSONExport.encode(Sample()))
    }
}
