import Foundation
import GRDB

extension GRDBServerSecretStore {
    /// The server's secret for one purpose (`"browser-key"` signs anonymous
    /// browsers' cookies), created on first use from the system's secure
    /// random generator and kept in the database from then on, so that it
    /// survives restarts, travels with backups and is the same for every
    /// process that opens the file. Never logged or shown.
    func serverSecret(purpose: String, at now: Date) async throws -> [UInt8] {
        try await writer.write { db in
            if let secret = try Data.fetchOne(db, sql: "SELECT secret FROM server_secret WHERE purpose = ?", arguments: [purpose]) {
                return [UInt8](secret)
            }
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<Self.serverSecretBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            try db.execute(
                sql: "INSERT INTO server_secret (purpose, secret, created_at) VALUES (?, ?, ?)",
                arguments: [purpose, Data(secret), now])
            return secret
        }
    }

    /// 256 bits: as long as the HMAC-SHA256 output it keys.
    static let serverSecretBytes = 32

}
