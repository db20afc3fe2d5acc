import GRDB

/// `ModerationStore` over the shared SQLite connection pool (GRDB).
struct GRDBModerationStore: ModerationStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
    /// The features whose text the queue holds, by their items' source type.
    let subjects: [String: any GRDBModerationSubject]

    init(writer: any DatabaseWriter, subjects: [any GRDBModerationSubject]) {
        self.writer = writer
        self.subjects = Dictionary(uniqueKeysWithValues: subjects.map { (type(of: $0).moderationSourceType, $0) })
    }
}
