import Foundation
import GRDB
import WenzhengCore

// MARK: Records (one per table)

struct SurveyRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var title: String
    var definitionJson: String
    var state: SurveyState
    var mode: SurveyMode
    var isAnonymous: Bool
    var opensAt: Date
    var closesAt: Date
    var secret: Data?
    var responseCount: Int
    var createdBy: Int64
    var createdAt: Date
    var updatedAt: Date
    var openedAt: Date?
    var closedAt: Date?
    var resultsPublishedAt: Date?

    static let databaseTableName = "survey"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let state = Column("state")
        static let opensAt = Column("opens_at")
        static let closesAt = Column("closes_at")
    }

    func definition() throws -> SurveyDefinition {
        try SurveyJSON.decoder.decode(SurveyDefinition.self, from: Data(definitionJson.utf8))
    }

    mutating func setDefinition(_ definition: SurveyDefinition) throws {
        definitionJson = String(decoding: try SurveyJSON.encoder.encode(definition), as: UTF8.self)
        title = definition.title
        mode = definition.mode
        isAnonymous = definition.isAnonymous
        opensAt = definition.opensAt
        closesAt = definition.closesAt
    }
}

/// JSON of definitions and answers as stored: dates in ISO 8601, keys in a
/// stable order.
enum SurveyJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

// MARK: Values the contract returns

/// A survey as staff and citizens see it.
public struct SurveyView: Sendable, Equatable {
    public var id: Int64
    public var definition: SurveyDefinition
    public var state: SurveyState
    public var responseCount: Int
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    public var openedAt: Date?
    public var closedAt: Date?
    public var resultsPublishedAt: Date?
    /// Invitations made, and how many have answered (invitation mode).
    public var invitations: Int
    public var invitationsUsed: Int

    public var title: String { definition.title }
}

/// One line of a list of surveys.
public struct SurveySummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var title: String
    public var state: SurveyState
    public var mode: SurveyMode
    public var isAnonymous: Bool
    public var opensAt: Date
    public var closesAt: Date
    public var responseCount: Int
}

/// A response to store, checked by `SurveyAnswering`.
public struct SurveySubmission: Sendable {
    public var surveyID: Int64
    /// Who answers, for the one-response-per-person check: a browser token
    /// (open mode) or an invitation token (invitation mode).
    public var identity: RespondentIdentity
    public var response: SurveyResponse

    public init(surveyID: Int64, identity: RespondentIdentity, response: SurveyResponse) {
        self.surveyID = surveyID
        self.identity = identity
        self.response = response
    }
}

/// What the citizen is told after answering.
public struct SurveyReceipt: Sendable, Equatable {
    /// The response's random id (never shown for an anonymous survey).
    public var responseID: String
    public var submittedOn: CivilDate
}

/// Why an answer was not taken, besides bad answers (422).
public enum SurveySubmissionRefusal: Error, Sendable, Equatable {
    /// Not open now: before or after its window, or not in the open state.
    case unavailable(ParticipationAvailability)
    /// This browser or invitation has answered already.
    case alreadyAnswered
    /// The invitation token is unknown (invitation mode).
    case unknownInvitation
    /// The survey wants an invitation token, or does not take one.
    case wrongIdentity
}

/// A survey's counts, and the free-text answers approved for publication.
public struct SurveyResultsView: Sendable {
    public var survey: SurveyView
    public var results: SurveyResults
    /// Approved free-text answers by question key, in a stable order.
    public var publishedTexts: [String: [String]]
}
