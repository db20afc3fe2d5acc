import Foundation
import PostgresNIO

/// `ServerSecretStore` over PostgreSQL: one secret per purpose for every
/// node that shares the database, so a browser key signed by one node is
/// accepted by the next.
struct PostgresServerSecretStore: ServerSecretStore {
    let backend: PostgresBackend

    func serverSecret(purpose: String, at now: Date) async throws -> [UInt8] {
        // Two nodes asking first at once: both try to insert; the loser's
        // SERIALIZABLE transaction (or its duplicate key) sends it round
        // again, and it reads the winner's secret.
        var generator = SystemRandomNumberGenerator()
        let candidate = Data((0..<GRDBServerSecretStore.serverSecretBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return try await backend.write { tx in
            try await tx.execute(
                """
                INSERT INTO server_secret (purpose, secret, created_at) VALUES (\(purpose), \(candidate), \(now))
                ON CONFLICT (purpose) DO NOTHING
                """)
            guard let secret = try await tx.scalar("SELECT secret FROM server_secret WHERE purpose = \(purpose)", as: Data.self) else {
                throw StoreError.notFound(kind: "server secret", key: purpose)
            }
            return [UInt8](secret)
        }
    }
}
