import Foundation
import PostgresNIO
import WenzhengCore

/// `GRDBModerationSubject` on PostgreSQL: a feature whose citizens' text
/// goes through the queue, told of each decision inside the decision's own
/// transaction.
protocol PostgresModerationSubject: Sendable {
    /// The `source_type` of its queue items.
    static var moderationSourceType: String { get }
    func moderationDecided(_ tx: PostgresTransaction, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) async throws
        -> ModerationEffect
    /// The typed subject of each of its items, by source id.
    func moderationSubjects(_ tx: PostgresTransaction, sourceIDs: [String]) async throws -> [String: ModerationSubject]
}

extension PostgresModerationSubject {
    func moderationSubjects(_ tx: PostgresTransaction, sourceIDs: [String]) async throws -> [String: ModerationSubject] { [:] }

    /// Each source row's id (as the queue stores it, text) with the id of
    /// the row it belongs to, `parentColumn` of `table` (identifiers from
    /// this module only, never from input).
    static func parents(_ tx: PostgresTransaction, of sourceIDs: [String], in table: String, parentColumn: String) async throws
        -> [(String, Int64)]
    {
        let ids = sourceIDs.compactMap { Int64($0) }
        guard !ids.isEmpty else { return [] }
        var bindings = PostgresBindings()
        bindings.append(ids)
        let sql = "SELECT id, \(PostgresTransaction.quoted(parentColumn)) AS parent FROM \(PostgresTransaction.quoted(table)) WHERE id = ANY($1)"
        return try await tx.rows(PostgresQuery(unsafeSQL: sql, binds: bindings)).map {
            (String(try $0.value("id", as: Int64.self)), try $0.value("parent", as: Int64.self))
        }
    }
}

/// `ModerationStore` over PostgreSQL. The queue's methods are in
/// `PostgresModerationStore+*.swift`.
struct PostgresModerationStore: Sendable {
    let backend: PostgresBackend
    /// The features whose text the queue holds, by their items' source type.
    let subjects: [String: any PostgresModerationSubject]

    init(backend: PostgresBackend, subjects: [any PostgresModerationSubject]) {
        self.backend = backend
        self.subjects = Dictionary(uniqueKeysWithValues: subjects.map { (type(of: $0).moderationSourceType, $0) })
    }

    /// Puts a citizen's text in the queue inside the caller's transaction
    /// (`GRDBModerationStore.enqueueModeration`'s rules, unchanged).
    static func enqueueModeration(_ tx: PostgresTransaction, _ new: NewModerationItem, at now: Date) async throws -> ModerationItemRecord {
        var record = try GRDBModerationStore.newModerationRecord(new, at: now)
        record.id = try await tx.scalar(
            """
            INSERT INTO moderation_item (kind, source_type, source_id, author_name, text, masked_text, flags_json,
                personal_information_json, flag_categories, highest_action, state, hold_overridden, created_at, version)
            VALUES (\(record.kind.rawValue), \(record.sourceType), \(record.sourceId), \(record.authorName), \(record.text),
                \(record.maskedText), \(record.flagsJson), \(record.personalInformationJson), \(record.flagCategories),
                \(record.highestAction), \(record.state.rawValue), \(record.holdOverridden), \(record.createdAt), \(record.version))
            RETURNING id
            """, as: Int64.self)
        return record
    }
}

extension ModerationItemRecord {
    init(postgresRow row: PostgresRandomAccessRow) throws {
        id = try row.value("id", as: Int64.self)
        kind = try row.value(rawValueOf: "kind")
        sourceType = try row.value("source_type")
        sourceId = try row.value("source_id")
        sourceUrl = try row.value("source_url")
        authorName = try row.value("author_name")
        text = try row.value("text")
        editedText = try row.value("edited_text")
        maskedText = try row.value("masked_text")
        flagsJson = try row.value("flags_json")
        personalInformationJson = try row.value("personal_information_json")
        flagCategories = try row.value("flag_categories")
        highestAction = try row.value("highest_action")
        state = try row.value(rawValueOf: "state")
        reasonCode = try row.value("reason_code")
        reasonNote = try row.value("reason_note")
        holdOverridden = try row.value("hold_overridden")
        claimedBy = try row.value("claimed_by")
        claimedAt = try row.value("claimed_at")
        decidedBy = try row.value("decided_by")
        decidedAt = try row.value("decided_at")
        createdAt = try row.value("created_at")
        version = try row.value("version", as: Int.self)
    }
}
