import Foundation
import GRDB
import WenzhengCore

/// One citizen's text in the moderation queue.
struct ModerationItemRecord: Sendable, FetchableRecord, MutablePersistableRecord {
    var id: Int64?
    var kind: ContentKind
    var sourceType: String
    var sourceId: String
    /// Written by earlier versions (a web path); no longer written or read.
    var sourceUrl: String?
    var authorName: String?
    var text: String
    var editedText: String?
    var maskedText: String
    var flagsJson: String
    var personalInformationJson: String
    var flagCategories: String
    var highestAction: String
    var state: ModerationState
    var reasonCode: String?
    var reasonNote: String?
    var holdOverridden: Bool
    var claimedBy: Int64?
    var claimedAt: Date?
    var decidedBy: Int64?
    var decidedAt: Date?
    var createdAt: Date
    var version: Int

    static let databaseTableName = "moderation_item"

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// Columns by name (`ExplicitColumns.swift`): one row is written for every
/// citizen's question, letter, comment and free-text answer.
extension ModerationItemRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        kind = try row.decode(rawValueOf: "kind")
        sourceType = try row.decode(forColumn: "source_type")
        sourceId = try row.decode(forColumn: "source_id")
        sourceUrl = try row.decode(forColumn: "source_url")
        authorName = try row.decode(forColumn: "author_name")
        text = try row.decode(forColumn: "text")
        editedText = try row.decode(forColumn: "edited_text")
        maskedText = try row.decode(forColumn: "masked_text")
        flagsJson = try row.decode(forColumn: "flags_json")
        personalInformationJson = try row.decode(forColumn: "personal_information_json")
        flagCategories = try row.decode(forColumn: "flag_categories")
        highestAction = try row.decode(forColumn: "highest_action")
        state = try row.decode(rawValueOf: "state")
        reasonCode = try row.decode(forColumn: "reason_code")
        reasonNote = try row.decode(forColumn: "reason_note")
        holdOverridden = try row.decode(forColumn: "hold_overridden")
        claimedBy = try row.decode(forColumn: "claimed_by")
        claimedAt = try row.decode(forColumn: "claimed_at")
        decidedBy = try row.decode(forColumn: "decided_by")
        decidedAt = try row.decode(forColumn: "decided_at")
        createdAt = try row.decode(forColumn: "created_at")
        version = try row.decode(forColumn: "version")
    }

    func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["kind"] = kind.rawValue
        container["source_type"] = sourceType
        container["source_id"] = sourceId
        container["source_url"] = sourceUrl
        container["author_name"] = authorName
        container["text"] = text
        container["edited_text"] = editedText
        container["masked_text"] = maskedText
        container["flags_json"] = flagsJson
        container["personal_information_json"] = personalInformationJson
        container["flag_categories"] = flagCategories
        container["highest_action"] = highestAction
        container["state"] = state.rawValue
        container["reason_code"] = reasonCode
        container["reason_note"] = reasonNote
        container["hold_overridden"] = holdOverridden
        container["claimed_by"] = claimedBy
        container["claimed_at"] = claimedAt
        container["decided_by"] = decidedBy
        container["decided_at"] = decidedAt
        container["created_at"] = createdAt
        container["version"] = version
    }
}

/// A queue item as the API shows it: in full to admins, and `redacted()`
/// to everyone else (moderators see no unmasked personal information).
public struct ModerationItem: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var kind: ContentKind
    public var sourceType: String
    public var sourceID: String
    /// The feature's item this text belongs to, when the feature names it.
    public var subject: ModerationSubject?
    /// The public page where the text appears, for the moderator's link
    /// (`sourceUrl` in JSON). The store never sets it, as it knows no
    /// pages: the server computes it from `subject`.
    public var sourceURL: String?
    /// The text as the citizen wrote it; in a redacted item, with personal
    /// information masked (`personalInformation` says where).
    public var text: String
    /// The moderator's edit, when there is one (masked when redacted).
    public var editedText: String?
    /// What will be published: the final text with personal information
    /// masked.
    public var maskedText: String
    /// Word-list matches, as offsets into `text`.
    public var flags: [FilterFlag]
    /// Personal information in `text`. In a redacted item the offsets are
    /// into the masked `text`, and `text` of each match is its masked form.
    public var personalInformation: [PersonalInformationMatch]
    public var categories: [String]
    /// `hold` when approval needs an override.
    public var highestAction: String
    public var state: ModerationState
    public var reasonCode: String?
    public var reasonNote: String?
    public var holdOverridden: Bool
    public var claimedBy: String?
    public var claimedAt: Date?
    public var decidedBy: String?
    public var decidedAt: Date?
    public var createdAt: Date
    public var version: Int
    /// True when `text` and `editedText` are masked.
    public var isRedacted = false
    /// The name the citizen gave, for masking it in their text; never sent.
    var authorName: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, sourceType, sourceID = "sourceId", sourceURL = "sourceUrl", text, editedText, maskedText, flags,
            personalInformation, categories, highestAction, state, reasonCode, reasonNote, holdOverridden, claimedBy,
            claimedAt, decidedBy, decidedAt, createdAt, version, isRedacted = "redacted"
    }

    /// The item as staff who may not read unmasked text see it: `text` and
    /// `editedText` masked as they will be published, each masked span
    /// listed by kind with its masked form, and word-list matches moved onto
    /// the masked text. Idempotent.
    public func redacted() -> ModerationItem {
        guard !isRedacted else { return self }
        let masked = PersonalInformation.maskWithSpans(text, authorName: authorName)
        var item = self
        item.text = masked.text
        item.editedText = editedText.map { PersonalInformation.mask($0, authorName: authorName) }
        item.flags = flags.map { flag in
            var flag = flag
            flag.start = masked.maskedOffset(ofOriginal: flag.start)
            flag.end = masked.maskedOffset(ofOriginal: flag.end, roundingUp: true)
            return flag
        }
        item.personalInformation = masked.spans.map(\.asMaskedMatch)
        item.isRedacted = true
        return item
    }
}

/// What a feature hands the queue when a citizen submits text: its kind,
/// which of the feature's rows it belongs to, and what the filter found.
public struct NewModerationItem: Sendable {
    public var kind: ContentKind
    public var sourceType: String
    public var sourceID: String
    public var authorName: String?
    public var text: String
    public var check: ContentFilter.Result

    public init(
        kind: ContentKind, sourceType: String, sourceID: String, authorName: String? = nil, text: String, check: ContentFilter.Result
    ) {
        self.kind = kind
        self.sourceType = sourceType
        self.sourceID = sourceID
        self.authorName = authorName
        self.text = text
        self.check = check
    }
}

/// A moderator's decision on one item.
public enum ModerationDecision: Sendable, Equatable {
    /// Publish as written. `override` is required for held items.
    case approve(override: Bool)
    /// Publish the moderator's edited text.
    case edit(text: String, override: Bool)
    /// Do not publish, with a standard reason and an optional note.
    case reject(reasonCode: String, note: String?)
    /// A duplicate of another item (rejected as duplicate; a question is
    /// folded into the other question).
    case merge(into: Int64)
}

/// Filters for the queue view.
public struct ModerationQueueFilter: Sendable, Equatable {
    public var states: [ModerationState]
    public var kind: ContentKind?
    /// A category such as `abuse` or `personal_information`, or `flagged`
    /// for any finding.
    public var category: String?
    /// Only items at least this old.
    public var olderThan: TimeInterval?
    public var limit: Int

    public init(
        states: [ModerationState] = [.pending], kind: ContentKind? = nil, category: String? = nil,
        olderThan: TimeInterval? = nil, limit: Int = 200
    ) {
        self.states = states
        self.kind = kind
        self.category = category
        self.olderThan = olderThan
        self.limit = limit
    }
}

/// The outcome for one item of a bulk decision.
public struct BulkDecisionResult: Sendable, Codable, Equatable {
    public var id: Int64
    public var ok: Bool
    public var error: String?
    public var item: ModerationItem?
    /// What the decision changed in the owning feature (not sent to clients).
    public var effect: ModerationEffect = .none

    enum CodingKeys: String, CodingKey {
        case id, ok, error, item
    }
}
