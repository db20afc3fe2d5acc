/// Formats rows as a plain-text table whose columns line up, counting a
/// Chinese character as two columns as terminals display it.
func renderTable(headers: [String], rows: [[String]]) -> String {
    func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let value = scalar.value
            let wide =
                (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value)
                || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value)
                || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
                || (0xFFE0...0xFFE6).contains(value)
            return total + (wide ? 2 : 1)
        }
    }
    let all = [headers] + rows
    let widths = headers.indices.map { column in all.map { width($0[column]) }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - width(cell))
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
