import GRDB
import GRDBSQLite

/// `letter_rank(letter_search)`: an FTS5 auxiliary function that scores one
/// matching letter the way BM25 does (term-frequency saturation k1 = 1.2,
/// length normalisation b = 0.75) but gives every query word the same
/// weight instead of its inverse document frequency. Higher is better.
///
/// Why not FTS5's own `bm25()`: it computes each phrase's IDF by running the
/// phrase over the whole index (`xQueryPhrase`), once per query, so its cost
/// grows with the number of matching letters however few rows are ranked.
/// Measured on 100,000 letters, `法律援助` (31 % of letters) took 14 ms,
/// most of it that scan; at a million letters it would be ten times more.
/// Everything this function reads is per row (the match positions, the row's
/// length) or cached per statement (the average length), so ranking a
/// bounded window costs the same at any size. For a one-word query the IDF
/// is a constant factor, and the order is exactly BM25's; for several words
/// it weights them equally.
enum LetterRankFunction {
    static let name = "letter_rank"

    /// Registers the function on this connection. FTS5 auxiliary functions
    /// are per connection; `searchLetters` calls this when a connection does
    /// not have it yet.
    static func register(_ db: Database) throws {
        let api = FTS5.api(db)
        guard let create = api.pointee.xCreateFunction else {
            throw DatabaseError(resultCode: .SQLITE_ERROR, message: "FTS5 cannot register auxiliary functions")
        }
        let code = create(UnsafeMutablePointer(mutating: api), name, nil, letterRank, nil)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(name)")
        }
    }

    /// True for the error a connection without the function reports.
    static func isMissing(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.message?.contains("no such function: \(name)") == true
    }
}

private let k1 = 1.2
private let b = 0.75

private func letterRank(
    api: UnsafePointer<Fts5ExtensionApi>?, fts: OpaquePointer?, context: OpaquePointer?, _: Int32,
    _: UnsafeMutablePointer<OpaquePointer?>?
) {
    guard let api, let fts, let context else { return }
    let functions = api.pointee
    guard let rowCount = functions.xRowCount, let totalSize = functions.xColumnTotalSize,
        let columnSize = functions.xColumnSize, let phraseCount = functions.xPhraseCount,
        let instanceCount = functions.xInstCount, let instance = functions.xInst
    else {
        sqlite3_result_error(context, "\(LetterRankFunction.name): FTS5 API incomplete", -1)
        return
    }
    var rows: sqlite3_int64 = 0
    var tokens: sqlite3_int64 = 0
    var length: Int32 = 0
    var instances: Int32 = 0
    var code = rowCount(fts, &rows)
    if code == SQLITE_OK { code = totalSize(fts, 0, &tokens) }
    if code == SQLITE_OK { code = columnSize(fts, 0, &length) }
    if code == SQLITE_OK { code = instanceCount(fts, &instances) }
    guard code == SQLITE_OK else {
        sqlite3_result_error_code(context, code)
        return
    }
    let phrases = Int(phraseCount(fts))
    guard phrases > 0 else {
        sqlite3_result_double(context, 0)
        return
    }
    var frequencies = [Int](repeating: 0, count: phrases)
    for index in 0..<instances {
        var phrase: Int32 = 0
        var column: Int32 = 0
        var offset: Int32 = 0
        code = instance(fts, index, &phrase, &column, &offset)
        guard code == SQLITE_OK else {
            sqlite3_result_error_code(context, code)
            return
        }
        if phrase >= 0 && Int(phrase) < phrases { frequencies[Int(phrase)] += 1 }
    }
    let average = rows > 0 ? max(1, Double(tokens) / Double(rows)) : 1
    let norm = k1 * (1 - b + b * Double(length) / average)
    var score = 0.0
    for frequency in frequencies where frequency > 0 {
        let tf = Double(frequency)
        score += tf * (k1 + 1) / (tf + norm)
    }
    sqlite3_result_double(context, score)
}
