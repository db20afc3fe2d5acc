/// One step of the PostgreSQL schema's history.
struct PostgresMigration: Sendable {
    let identifier: String
    let statements: [String]
}

/// Replaced by the schema (issue 16, in progress).
enum PostgresMigrations {
    static let all: [PostgresMigration] = []
}
