import GRDB
import Synchronization

/// Told how long each write transaction's commit took. The server's
/// metrics implement it (`Server/Metrics`); the store knows nothing of
/// Prometheus.
public protocol CommitTimingObserver: Sendable {
    /// `duration` runs from SQLite's commit hook (the transaction's changes
    /// are final, the WAL is about to be written) to the end of the COMMIT
    /// statement: with `synchronous=FULL`, mostly the fsync.
    func writeTransactionCommitted(after duration: Duration)
}

/// Where a database's commit timings go: nowhere until an observer is set.
/// Made before the connection pool, because every writer connection gets
/// its `CommitTimer` when it opens.
public final class CommitTiming: Sendable {
    private let observer = Mutex<(any CommitTimingObserver)?>(nil)

    public init() {}

    /// Sends every later commit's timing to `observer` (nil: to nobody).
    public func report(to observer: (any CommitTimingObserver)?) {
        self.observer.withLock { $0 = observer }
    }

    fileprivate func committed(after duration: Duration) {
        observer.withLock { $0 }?.writeTransactionCommitted(after: duration)
    }

    /// Installs a timer on `db` if it is a writer connection (readers never
    /// commit anything worth timing).
    func install(on db: Database) {
        guard !db.configuration.readonly else { return }
        // `.databaseLifetime`: the connection keeps the timer (with
        // `.observerLifetime` it holds it weakly, and nothing else would).
        db.add(transactionObserver: CommitTimer(timing: self), extent: .databaseLifetime)
    }
}

/// A transaction observer that watches no rows (so SQLite's update hook
/// stays off), only the commit: GRDB calls `databaseWillCommit` from
/// SQLite's commit hook and `databaseDidCommit` once COMMIT has returned.
/// Used on its connection's serial queue only.
private final class CommitTimer: TransactionObserver {
    let timing: CommitTiming
    private var started: ContinuousClock.Instant?

    init(timing: CommitTiming) {
        self.timing = timing
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }

    func databaseDidChange(with event: DatabaseEvent) {}

    func databaseWillCommit() throws {
        started = .now
    }

    func databaseDidCommit(_ db: Database) {
        guard let started else { return }
        self.started = nil
        timing.committed(after: .now - started)
    }

    func databaseDidRollback(_ db: Database) {
        started = nil
    }
}
