import Foundation
import GRDB
import Synchronization
import WenzhengCore

/// Group commit for survey responses: submissions that arrive while a
/// transaction of responses is being written wait, and then share the next
/// transaction and its one fsync (`synchronous=FULL`).
///
/// - A submission is answered only after the transaction holding it has
///   committed; when the commit fails, every submission of that
///   transaction gets the error and none of them is stored.
/// - Each submission runs in its own savepoint (`storeResponses`), so one
///   that is refused (answered already, outside the window) or invalid is
///   rolled back alone and the others commit.
/// - Nothing waits for a batch to fill: a submission that arrives while no
///   transaction of responses is queued or running is written at once, on
///   its own. Under load the batch is whatever arrived during the previous
///   transaction (at most `maximumBatch`).
///
/// Why: one response is a dozen to forty statements (its row, the duplicate
/// key, free text, and a counter row per question and slot), and the survey
/// and its definition are read and decoded before them. Sharing the
/// transaction reads the survey once and adds the counters once per batch.
final class SurveyResponseBatcher: Sendable {
    struct Waiting: Sendable {
        var submission: SurveySubmission
        var now: Date
        var continuation: CheckedContinuation<SurveyReceipt, any Error>
    }

    struct Statistics: Sendable, Equatable {
        var transactions = 0
        var responses = 0
        var largestBatch = 0
    }

    private struct State {
        var waiting: [Waiting] = []
        /// A transaction of responses is queued on the writer or running.
        var scheduled = false
        var statistics = Statistics()

        /// The next batch, marking a transaction as scheduled; nil (and none
        /// scheduled) when nothing waits.
        mutating func takeBatch() -> [Waiting]? {
            guard !waiting.isEmpty else {
                scheduled = false
                return nil
            }
            let batch = Array(waiting.prefix(SurveyResponseBatcher.maximumBatch))
            waiting.removeFirst(batch.count)
            scheduled = true
            statistics.transactions += 1
            statistics.responses += batch.count
            statistics.largestBatch = max(statistics.largestBatch, batch.count)
            return batch
        }
    }

    static let maximumBatch = 128

    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    private let definitions = SurveyDefinitionCache()

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Stores one response, in a transaction it may share; returns once
    /// that transaction has committed.
    func submit(_ submission: SurveySubmission, at now: Date) async throws -> SurveyReceipt {
        try await withCheckedThrowingContinuation { continuation in
            let batch = state.withLock { state -> [Waiting]? in
                state.waiting.append(Waiting(submission: submission, now: now, continuation: continuation))
                return state.scheduled ? nil : state.takeBatch()
            }
            if let batch { write(batch) }
        }
    }

    /// Transactions and batch sizes so far (for tests and diagnostics).
    var statistics: Statistics { state.withLock { $0.statistics } }

    /// Submissions waiting for a transaction (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    private func write(_ batch: [Waiting]) {
        writer.asyncWrite(
            { [definitions] db in
                try GRDBSurveysStore.storeResponses(db, batch.map { ($0.submission, $0.now) }, definitions: definitions)
            },
            completion: { [self] _, result in
                // Queue the next transaction first: what arrived meanwhile.
                if let next = state.withLock({ $0.takeBatch() }) { write(next) }
                switch result {
                case .success(let outcomes):
                    for (waiting, outcome) in zip(batch, outcomes) { waiting.continuation.resume(with: outcome) }
                case .failure(let error):
                    for waiting in batch { waiting.continuation.resume(throwing: error) }
                }
            })
    }
}

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
