import GRDB

/// `AccountsStore` over the shared SQLite connection pool (GRDB).
struct GRDBAccountsStore: AccountsStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
}
