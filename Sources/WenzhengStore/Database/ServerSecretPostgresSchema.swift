/// The server's own secrets (HMAC keys) on PostgreSQL: the final SQLite
/// schema of `v11-server-secrets`. One row per purpose; at least 256 bits
/// (LENGTH of BYTEA counts bytes, as SQLite's does of a BLOB).
enum ServerSecretPostgresSchema {
    static let create: [String] = [
        """
        CREATE TABLE server_secret (
            purpose TEXT PRIMARY KEY CHECK (LENGTH(purpose) > 0),
            secret BYTEA NOT NULL CHECK (LENGTH(secret) >= 32),
            created_at TIMESTAMPTZ NOT NULL
        )
        """
    ]
}
