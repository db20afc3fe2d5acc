extension AppDatabase {
    /// The interview changes committed by every server node sharing this
    /// database, for keeping this node's live rooms in step (issue 16):
    /// PostgreSQL's change notices (`PostgresChangeListener`). The listener
    /// connects when the stream is first read, on a connection of its own,
    /// and stops when the reading task is cancelled.
    ///
    /// Nil for SQLite: one node serves an SQLite file, and what it publishes
    /// itself is all there is.
    public func interviewChanges() -> AsyncStream<InterviewChangeFeedEvent>? {
        guard case .postgres(let postgres) = backend else { return nil }
        let listener = PostgresChangeListener(location: postgres.location, logger: postgres.logger)
        let reader = FirstReadStarts(listener)
        return AsyncStream(unfolding: { await reader.next() })
    }
}

/// The listener's events, started by the first read: a server built but
/// never run (a test, a failed start) opens no connection.
private final class FirstReadStarts: @unchecked Sendable {
    // One reader (the stream's unfolding closure, called once at a time
    // by the stream's single consumer) touches `iterator`.
    private let listener: PostgresChangeListener
    private var iterator: PostgresChangeListener.AsyncIterator?

    init(_ listener: PostgresChangeListener) {
        self.listener = listener
    }

    func next() async -> InterviewChangeFeedEvent? {
        var current = iterator ?? listener.makeAsyncIterator()
        let event = await current.next()
        iterator = current
        return event
    }
}
