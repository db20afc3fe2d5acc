import GRDB

/// `AuditStore` over the shared SQLite connection pool (GRDB).
struct GRDBAuditStore: AuditStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
}
