import GRDB
import WenzhengCore

/// The server secrets' table.
enum ServerSecretSchema {
    /// Migration `v11-server-secrets`.
    static func createServerSecrets(_ db: Database) throws {
        try db.create(table: "server_secret") { t in
            t.primaryKey("purpose", .text).check { length($0) > 0 }
            t.column("secret", .blob).notNull().check { length($0) >= 32 }
            t.column("created_at", .datetime).notNull()
        }
    }
}
