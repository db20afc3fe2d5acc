import GRDB

/// `ServerSecretStore` over the shared SQLite connection pool (GRDB).
struct GRDBServerSecretStore: ServerSecretStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
}
