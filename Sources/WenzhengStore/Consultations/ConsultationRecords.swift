import Foundation
import GRDB
import WenzhengCore

// MARK: Rows

/// One consultation (`consultation`).
struct ConsultationRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var title: String
    var draftingExplanation: String
    var opensAt: Date
    var closesAt: Date
    var draftFormat: DraftFormat
    var draftText: String
    var draftJson: String
    var state: ConsultationState
    var splitConfirmedBy: Int64?
    var splitConfirmedAt: Date?
    var createdBy: Int64
    var createdAt: Date
    var updatedAt: Date
    var openedAt: Date?
    var commentPeriodClosedAt: Date?
    var reportPublishedBy: Int64?
    var reportPublishedAt: Date?

    static let databaseTableName = "consultation"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let state = Column("state")
        static let opensAt = Column("opens_at")
    }

    var settings: ConsultationSettings {
        ConsultationSettings(title: title, draftingExplanation: draftingExplanation, opensAt: opensAt, closesAt: closesAt)
    }
}

/// One article (section) of a consultation's split (`consultation_section`).
struct ConsultationSectionRecord: Codable, Sendable, SnakeCaseRecord, PersistableRecord {
    var consultationId: Int64
    var sectionKey: String
    var position: Int
    var label: String

    static let databaseTableName = "consultation_section"
}

/// Similar comments gathered by staff (`consultation_comment_group`).
struct CommentGroupRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var consultationId: Int64
    var summary: String
    var decision: AdoptionDecision?
    var decisionReason: String?
    var decidedBy: Int64?
    var decidedAt: Date?
    var createdBy: Int64
    var createdAt: Date

    static let databaseTableName = "consultation_comment_group"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let consultationId = Column("consultation_id")
    }
}

/// A citizen's comment (`consultation_comment`).
struct ConsultationCommentRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var consultationId: Int64
    /// Nil: the draft as a whole.
    var sectionKey: String?
    var text: String
    var nickname: String?
    var state: ConsultationCommentState
    var publishedText: String?
    var publishedAt: Date?
    var moderationItemId: Int64?
    var submittedAt: Date
    var groupId: Int64?
    var decision: AdoptionDecision?
    var decisionReason: String?
    var decidedBy: Int64?
    var decidedAt: Date?

    static let databaseTableName = "consultation_comment"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let consultationId = Column("consultation_id")
        static let state = Column("state")
        static let groupId = Column("group_id")
        static let moderationItemId = Column("moderation_item_id")
    }

    var target: CommentTarget { sectionKey.map { .section($0) } ?? .wholeDraft }

    /// Its own decision (a grouped comment has none).
    var record: AdoptionRecord? {
        guard let decision, let decisionReason else { return nil }
        return AdoptionRecord(decision: decision, reason: decisionReason)
    }
}

// MARK: What the contract takes

/// A draft as staff import it: the text is split by the store
/// (`DraftSplitter`), and the split waits for their confirmation.
public struct NewConsultation: Sendable, Equatable {
    /// Nil or blank: the draft's own title line (`DraftSplit.title`).
    public var title: String?
    /// May be empty while the consultation is a draft.
    public var draftingExplanation: String
    public var opensAt: Date
    public var closesAt: Date
    public var text: String
    public var format: DraftFormat

    public init(title: String?, draftingExplanation: String, opensAt: Date, closesAt: Date, text: String, format: DraftFormat) {
        self.title = title
        self.draftingExplanation = draftingExplanation
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.text = text
        self.format = format
    }
}

/// What a decision is about: one comment, or a group of comments.
public enum DecisionSubject: Sendable, Equatable {
    case comment(Int64)
    case group(Int64)
}

// MARK: What the contract returns

/// Where a comment is in moderation.
public enum ConsultationCommentState: String, Sendable, Codable, CaseIterable {
    /// Waiting in the moderation queue; not public.
    case pending
    /// Approved: public, counted, and in the adoption report.
    case published
    /// Refused by moderation (or merged as a duplicate): never public.
    case rejected
}

/// A consultation as the office sees it.
public struct ConsultationView: Sendable, Codable, Equatable {
    public struct CommentTally: Sendable, Codable, Equatable {
        public var pending: Int
        public var published: Int
        public var rejected: Int
    }

    public var id: Int64
    public var title: String
    public var draftingExplanation: String
    public var opensAt: Date
    public var closesAt: Date
    public var state: ConsultationState
    /// Closed as finished: only once the adoption report is published.
    public var finished: Bool
    public var format: DraftFormat
    /// The text as imported.
    public var draftText: String
    public var draft: DraftSplit
    public var splitConfirmedAt: Date?
    public var splitConfirmedBy: String?
    public var createdAt: Date
    public var createdBy: String
    public var openedAt: Date?
    public var commentPeriodClosedAt: Date?
    public var reportPublishedAt: Date?
    public var reportPublishedBy: String?
    public var comments: CommentTally

    public var window: ParticipationWindow { ParticipationWindow(opensAt: opensAt, closesAt: closesAt) }

    public var settings: ConsultationSettings {
        ConsultationSettings(title: title, draftingExplanation: draftingExplanation, opensAt: opensAt, closesAt: closesAt)
    }
}

/// One line of a list of consultations.
public struct ConsultationSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var title: String
    public var state: ConsultationState
    public var finished: Bool
    public var opensAt: Date
    public var closesAt: Date
    /// Published comments.
    public var commentCount: Int
    /// Comments waiting for moderation (office lists only).
    public var pendingCount: Int?
    public var reportPublishedAt: Date?

    public var window: ParticipationWindow { ParticipationWindow(opensAt: opensAt, closesAt: closesAt) }
}

/// A published comment as the public reads it.
public struct PublicComment: Sendable, Codable, Equatable {
    public var id: Int64
    public var target: CommentTarget
    /// The published text (the correction, when republished); nil while
    /// an admin has it withdrawn.
    public var text: String?
    /// The commenter's nickname masked (张*), or 网友.
    public var nickname: String
    @DayString public var submittedOn: CivilDate
    public var withdrawn: Bool
}

/// A consultation's public page: the draft, counts per article, the
/// published comments, and the adoption report once it is published.
public struct PublicConsultation: Sendable, Codable, Equatable {
    public var id: Int64
    public var title: String
    public var draftingExplanation: String
    public var opensAt: Date
    public var closesAt: Date
    public var state: ConsultationState
    public var finished: Bool
    public var draft: DraftSplit
    public var commentCounts: CommentCounts
    public var comments: [PublicComment]
    /// Only in `report_published`. The text of a withdrawn comment is
    /// empty in its entry (`withdrawnCommentIDs` says which).
    public var report: AdoptionReport?
    public var reportPublishedAt: Date?
    public var withdrawnCommentIDs: [Int64]

    public var window: ParticipationWindow { ParticipationWindow(opensAt: opensAt, closesAt: closesAt) }
}

/// A comment just received, waiting for moderation.
public struct SubmittedComment: Sendable, Codable, Equatable {
    public var id: Int64
    public var consultationID: Int64
    public var target: CommentTarget
    public var state: ConsultationCommentState
    @DayString public var submittedOn: CivilDate
}

/// A published comment as the office works with it: the public text
/// (masked), its group or its own decision, and whether an admin has it
/// withdrawn. The unmasked original stays in the moderation queue.
public struct OfficeComment: Sendable, Codable, Equatable {
    public var id: Int64
    public var consultationID: Int64
    public var target: CommentTarget
    /// What the public reads (or read, before a withdrawal): the
    /// moderator's approved text masked, or the admin's correction.
    public var publicText: String
    public var nickname: String
    @DayString public var submittedOn: CivilDate
    public var publishedAt: Date
    public var groupID: Int64?
    /// Its own decision (nil for a grouped comment: the group's applies).
    public var decision: AdoptionRecord?
    public var withdrawal: PublicationWithdrawal?
}

/// Everything the adoption report and the exports are made from: the
/// definition, the published comments (public texts), the groups and the
/// comments' own decisions.
public struct ConsultationReportInput: Sendable, Equatable {
    public var consultationID: Int64
    public var state: ConsultationState
    public var definition: ConsultationDefinition
    public var comments: [ConsultationComment]
    public var groups: [CommentGroup]
    public var decisions: [Int64: AdoptionRecord]
    /// Comments still waiting for moderation: the report cannot be
    /// published while there are any.
    public var pendingCount: Int

    /// What stands between the consultation and its report.
    public var reportErrors: [FieldError] {
        var errors = AdoptionReport.errors(definition: definition, comments: comments, groups: groups, decisions: decisions)
        if pendingCount > 0 {
            errors.insert(
                FieldError(
                    field: "comments", code: "pending_moderation",
                    message: "\(pendingCount) comment(s) are still waiting for moderation; the report must answer every comment received"),
                at: 0)
        }
        return errors
    }
}

extension ConsultationReportInput {
    /// The CSV export (`ConsultationExport.csv` through `CSVWriter`: BOM,
    /// RFC 4180 quoting, formula cells neutralised), headers in `language`.
    public func csv(language: Language) -> Data {
        ConsultationExport.csv(definition: definition, comments: comments, groups: groups, decisions: decisions, language: language)
            .encoded()
    }

    /// The JSON export (`ConsultationExport.json`): the same data gives the
    /// same bytes.
    public func json(generatedAt: Date) throws -> Data {
        try ConsultationExport.json(
            definition: definition, state: state, comments: comments, groups: groups, decisions: decisions, generatedAt: generatedAt)
    }
}

/// A comment submitted outside the consultation's window, or to one not
/// taking comments: the server answers 409 with the window.
public struct CommentPeriodClosed: Error, Sendable, Equatable {
    public var availability: ParticipationAvailability
}

/// A calendar day written in JSON as `2026-12-10`, as exports write days
/// (`JSONExport`), rather than `CivilDate`'s own keyed form.
@propertyWrapper
public struct DayString: Sendable, Codable, Equatable {
    public var wrappedValue: CivilDate

    public init(wrappedValue: CivilDate) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let day = CivilDate(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a day is written 2026-12-10")
        }
        wrappedValue = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.description)
    }
}
