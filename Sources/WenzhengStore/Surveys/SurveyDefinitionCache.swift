import Foundation
import Synchronization
import WenzhengCore

/// Decoded survey definitions by survey, with the JSON they were decoded
/// from: a transaction of responses reads the JSON (it may have changed)
/// and decodes it only when it differs from the last one seen.
final class SurveyDefinitionCache: Sendable {
    struct Decoded: Sendable {
        var json: String
        var definition: SurveyDefinition
        /// Empty; its plan gives each response's counter increments.
        var tally: SurveyTally
    }

    /// Surveys open at once are few; past this the cache starts afresh.
    static let capacity = 64
    private let entries = Mutex<[Int64: Decoded]>([:])

    func definition(survey id: Int64, json: String) throws -> Decoded {
        if let cached = entries.withLock({ $0[id] }), cached.json == json { return cached }
        let definition = try SurveyJSON.decoder.decode(SurveyDefinition.self, from: Data(json.utf8))
        let decoded = Decoded(json: json, definition: definition, tally: SurveyTally(definition: definition))
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[id] = decoded
        }
        return decoded
    }
}
