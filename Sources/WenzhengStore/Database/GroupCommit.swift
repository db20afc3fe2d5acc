import GRDB
import Synchronization

/// Group commit: submissions that arrive while a transaction of them is
/// being written wait, and then share the next transaction and its one
/// fsync (`synchronous=FULL`). Citizens' submissions use it (survey
/// responses, interview questions, open-day registrations), where many
/// people send at once and each submission is a few rows.
///
/// - A submission is answered only after the transaction holding it has
///   committed; when the commit fails, or SQLite rolls the transaction back,
///   every submission of that transaction gets the error and none of them
///   is stored.
/// - One submission that is refused or invalid fails alone: the batch's
///   `write` runs each submission in its own savepoint
///   (`Database.eachInSavepoint`), so its rows are rolled back and the
///   others commit.
/// - Submissions are written in the order they arrived, and a transaction
///   starts only after the one before it has committed.
/// - Nothing waits for a batch to fill: a submission that arrives while no
///   transaction of its kind is queued or running is written at once, on its
///   own. Under load a batch is whatever arrived during the previous
///   transaction (at most `maximumBatch`).
///
/// Why: a durable commit is one fsync, and a transaction also pays for its
/// `BEGIN`, its checks (the survey or the interview read once) and the
/// thread hand-offs to SQLite's one writer. Shared by a batch, these cost a
/// fraction per submission, and the writer keeps up with both cores.
final class GroupCommit<Submission: Sendable, Receipt: Sendable>: Sendable {
    /// Writes one batch inside its transaction and returns one outcome per
    /// submission, in order. Throws only when the whole transaction is lost
    /// (nothing of the batch may then commit).
    typealias Write = @Sendable (Database, [Submission]) throws -> [Result<Receipt, any Error>]

    struct Statistics: Sendable, Equatable {
        var transactions = 0
        var submissions = 0
        var largestBatch = 0
    }

    private struct Waiting: Sendable {
        var submission: Submission
        var continuation: CheckedContinuation<Receipt, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiting] = []
        /// A transaction of these submissions is queued on the writer or running.
        var scheduled = false
        var statistics = Statistics()

        /// The next batch, marking a transaction as scheduled; nil (and none
        /// scheduled) when nothing waits.
        mutating func takeBatch(maximum: Int) -> [Waiting]? {
            guard !waiting.isEmpty else {
                scheduled = false
                return nil
            }
            let batch = Array(waiting.prefix(maximum))
            waiting.removeFirst(batch.count)
            scheduled = true
            statistics.transactions += 1
            statistics.submissions += batch.count
            statistics.largestBatch = max(statistics.largestBatch, batch.count)
            return batch
        }
    }

    let maximumBatch: Int
    private let writer: any DatabaseWriter
    private let write: Write
    private let state = Mutex(State())

    init(writer: any DatabaseWriter, maximumBatch: Int = 128, write: @escaping Write) {
        precondition(maximumBatch > 0)
        self.writer = writer
        self.maximumBatch = maximumBatch
        self.write = write
    }

    /// Stores one submission, in a transaction it may share; returns once
    /// that transaction has committed.
    func submit(_ submission: Submission) async throws -> Receipt {
        try await withCheckedThrowingContinuation { continuation in
            let batch = state.withLock { state -> [Waiting]? in
                state.waiting.append(Waiting(submission: submission, continuation: continuation))
                return state.scheduled ? nil : state.takeBatch(maximum: maximumBatch)
            }
            if let batch { commit(batch) }
        }
    }

    /// Transactions and batch sizes so far (for tests and diagnostics).
    var statistics: Statistics { state.withLock { $0.statistics } }

    /// Submissions waiting for a transaction (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    private func commit(_ batch: [Waiting]) {
        let write = self.write
        let submissions = batch.map(\.submission)
        writer.asyncWrite(
            { db in
                let outcomes = try write(db, submissions)
                precondition(outcomes.count == submissions.count, "a group commit's write gives one outcome per submission")
                return outcomes
            },
            completion: { [self] _, result in
                // The transaction has committed (or is gone): queue what
                // arrived meanwhile before answering, so the writer stays busy.
                if let next = state.withLock({ $0.takeBatch(maximum: maximumBatch) }) { commit(next) }
                switch result {
                case .success(let outcomes):
                    for (waiting, outcome) in zip(batch, outcomes) { waiting.continuation.resume(with: outcome) }
                case .failure(let error):
                    for waiting in batch { waiting.continuation.resume(throwing: error) }
                }
            })
    }
}

extension Database {
    /// Runs `store` for each item in its own savepoint, inside the current
    /// transaction: an item that throws has its statements rolled back and
    /// gets its error; the others go on.
    ///
    /// - Throws: only when SQLite has rolled back the whole transaction
    ///   (disk full, I/O error, `RAISE(ROLLBACK)`): then nothing of the batch
    ///   will be stored, and every item must be told so.
    func eachInSavepoint<Item, Value>(_ items: [Item], _ store: (Item) throws -> Value) throws -> [Result<Value, any Error>] {
        var outcomes: [Result<Value, any Error>] = []
        outcomes.reserveCapacity(items.count)
        for item in items {
            do {
                var stored: Value?
                try inSavepoint {
                    stored = try store(item)
                    return .commit
                }
                guard let stored else { preconditionFailure("the savepoint committed without a value") }
                outcomes.append(.success(stored))
            } catch {
                guard isInsideTransaction else { throw error }
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    }
}
