import Foundation
import GRDB
import WenzhengCore

/// Where failed password checks are counted: staff sign-in and citizens'
/// letter queries each have their own table, so one never slows the other.
enum PasswordAttemptTable: String {
    case staffSignIn = "login_failure"
    case letterQuery = "letter_query_failure"

    /// The column naming what the password opens.
    var keyColumn: String {
        switch self {
        case .staffSignIn: "username"
        case .letterQuery: "letter_number"
        }
    }
}

extension GRDBAccountsStore {
    // MARK: Staff sign-in

    /// Asks to check a staff password: throttled by `policy`, or counted as
    /// a failure before the password is checked, in one transaction, so
    /// parallel guesses cannot all pass. Usernames that do not exist are
    /// counted too, so throttling does not tell which accounts exist. A
    /// successful login clears the (account, address) failures
    /// (`startSession`).
    func registerLoginAttempt(
        username: String, clientAddress: String, policy: LoginThrottlePolicy, at now: Date
    ) async throws -> PasswordAttempt {
        let name = String(username.lowercased().prefix(64))
        return try await writer.write { db in
            try Self.registerAttempt(db, .staffSignIn, key: name, address: clientAddress, policy: policy, at: now)
        }
    }

    // MARK: Letter queries

    /// Like `registerLoginAttempt`, for a citizen's letter number and query
    /// password, counted apart from staff sign-in.
    func registerLetterQueryAttempt(
        number: String, clientAddress: String, policy: LoginThrottlePolicy, at now: Date
    ) async throws -> PasswordAttempt {
        let number = String(number.prefix(32))
        return try await writer.write { db in
            try Self.registerAttempt(db, .letterQuery, key: number, address: clientAddress, policy: policy, at: now)
        }
    }

    /// A right letter password is not a failure: forgets that address's
    /// failed tries at that letter, so a citizen who reads, rates and
    /// follows up is never throttled.
    func forgetLetterQueryFailures(number: String, clientAddress: String) async throws {
        try await writer.write { db in
            try Self.forgetFailures(db, .letterQuery, key: String(number.prefix(32)), address: clientAddress)
        }
    }

    // MARK: Shared

    static func registerAttempt(
        _ db: Database, _ table: PasswordAttemptTable, key: String, address: String, policy: LoginThrottlePolicy, at now: Date
    ) throws -> PasswordAttempt {
        let since = now.addingTimeInterval(-policy.window)
        let (name, column) = (table.rawValue, table.keyColumn)
        let pair = try Date.fetchAll(
            db, sql: "SELECT failed_at FROM \(name) WHERE \(column) = ? AND client_address = ? AND failed_at > ?",
            arguments: [key, address, since])
        let fromAddress = try Date.fetchAll(
            db, sql: "SELECT failed_at FROM \(name) WHERE client_address = ? AND failed_at > ?", arguments: [address, since])
        let decision = policy.decide(accountAtAddress: pair, address: fromAddress, now: now)
        guard decision == .allowed else { return PasswordAttempt(decision: decision, failuresForAccount: nil) }
        try db.execute(
            sql: "INSERT INTO \(name) (\(column), client_address, failed_at) VALUES (?, ?, ?)", arguments: [key, address, now])
        let total = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM \(name) WHERE \(column) = ? AND failed_at > ?", arguments: [key, since]) ?? 0
        return PasswordAttempt(decision: .allowed, failuresForAccount: total)
    }

    static func forgetFailures(_ db: Database, _ table: PasswordAttemptTable, key: String, address: String) throws {
        try db.execute(
            sql: "DELETE FROM \(table.rawValue) WHERE \(table.keyColumn) = ? AND client_address = ?", arguments: [key, address])
    }

}
