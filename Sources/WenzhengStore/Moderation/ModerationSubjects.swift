import Foundation
import GRDB
import WenzhengCore

/// What a moderation decision changed in the feature that owns the text,
/// so the server can tell that feature's live pages. Typed: moderation
/// names which feature and which item, never a web path to parse.
public enum ModerationEffect: Sendable, Equatable {
    /// Nothing public changed (a rejected letter, a pending item).
    case none
    /// An interview's public question list changed.
    case interviewQuestionsChanged(interviewID: Int64)
    /// A letter became public.
    case letterPublished(letterID: Int64)
}

/// Which feature's item a queue item's text belongs to, typed: moderation
/// names a feature's item, never a web path. The feature that owns the
/// source resolves it (`GRDBModerationSubject.moderationSubjects`); pages
/// that link to the text's context compute the link from it.
public enum ModerationSubject: Sendable, Equatable, Hashable {
    /// A citizen's question to an interview.
    case interviewQuestion(interviewID: Int64, questionID: Int64)
    /// A free-text answer to a survey. Only the survey: an answer's own id
    /// would say nothing a moderator needs and anonymity asks for less.
    case surveyAnswer(surveyID: Int64)
    /// A citizen's comment on a draft for public comment.
    case consultationComment(consultationID: Int64, commentID: Int64)
}

/// A decision and what it changed.
public struct DecidedModeration: Sendable {
    public var item: ModerationItem
    public var effect: ModerationEffect
}

/// A feature whose citizens' text goes through the queue. It owns what
/// approval, editing, rejection or merging means for its own rows, and the
/// moderation store calls it inside the decision's transaction, so the two
/// never disagree. Moderation knows the features only through this.
protocol GRDBModerationSubject: Sendable {
    /// The `source_type` of its queue items.
    static var moderationSourceType: String { get }
    func moderationDecided(_ db: Database, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) throws
        -> ModerationEffect
    /// The typed subject of each of its items, by source id, read in the
    /// queue's own transaction. A source it leaves out has no subject.
    func moderationSubjects(_ db: Database, sourceIDs: [String]) throws -> [String: ModerationSubject]
}

extension GRDBModerationSubject {
    /// By default a feature names no subjects (its items link nowhere).
    func moderationSubjects(_ db: Database, sourceIDs: [String]) throws -> [String: ModerationSubject] { [:] }

    /// Each source row's id (as the queue stores it, text) with the id of
    /// the row it belongs to, `parentColumn` of `table`: the interview of a
    /// question, the survey of an answer.
    static func parents(_ db: Database, of sourceIDs: [String], in table: String, parentColumn: String) throws -> [(String, Int64)] {
        guard !sourceIDs.isEmpty else { return [] }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT CAST(id AS TEXT) AS source_id, \(parentColumn) AS parent_id FROM \(table)
                WHERE id IN (\(sourceIDs.map { _ in "?" }.joined(separator: ",")))
                """,
            arguments: StatementArguments(sourceIDs))
        return rows.map { ($0["source_id"], $0["parent_id"]) }
    }
}
