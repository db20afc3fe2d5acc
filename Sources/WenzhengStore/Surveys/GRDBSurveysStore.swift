import Crypto
import Foundation
import GRDB
import WenzhengCore

/// `SurveysStore` over the shared SQLite connection pool (GRDB).
struct GRDBSurveysStore: SurveysStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
    /// Concurrent responses share a transaction (group commit).
    let responses: GroupCommit<DatedSurveySubmission, SurveyReceipt>

    init(writer: any DatabaseWriter) {
        self.writer = writer
        let definitions = SurveyDefinitionCache()
        responses = GroupCommit(writer: writer) { db, batch in
            try Self.storeResponses(db, batch, definitions: definitions)
        }
    }

    static let textAnswerSourceType = "survey_answer"
}

/// HMAC-SHA256 and SHA-256 for the duplicate check and invitation digests
/// (swift-crypto; Core only defines what it needs).
struct CryptoKeyHasher: DuplicateKeyHasher {
    func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Lowercase hex SHA-256 of a normalized invitation token: what is stored.
    static func digest(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension GRDBSurveysStore: GRDBModerationSubject {
    static var moderationSourceType: String { textAnswerSourceType }

    /// An approved free-text answer is published (masked) with the results;
    /// a rejected one is not.
    func moderationDecided(_ db: Database, item: ModerationItemRecord, mergedIntoItemID: Int64?, at now: Date) throws
        -> ModerationEffect
    {
        let published: String? =
            switch item.state {
            case .approved, .edited: item.maskedText
            case .rejected, .pending: nil
            }
        try db.execute(
            sql: "UPDATE survey_text_answer SET published_text = ? WHERE id = ? AND moderation_item_id = ?",
            arguments: [published, item.sourceId, item.id])
        return .none
    }

    func moderationSubjects(_ db: Database, sourceIDs: [String]) throws -> [String: ModerationSubject] {
        let answers = try Self.parents(db, of: sourceIDs, in: "survey_text_answer", parentColumn: "survey_id")
        return Dictionary(uniqueKeysWithValues: answers.map { ($0, .surveyAnswer(surveyID: $1)) })
    }
}
