import Foundation

/// The outbox of notices to people. Features write notices with
/// `GRDBNotificationsStore.enqueue` inside their own transaction (so a
/// notice exists exactly when its change committed); the server's notifier
/// reads what is due and records each attempt here.
public protocol NotificationsStore: Sendable {
    /// Notices not yet sent or abandoned whose next attempt is due, oldest
    /// first.
    ///
    /// On PostgreSQL, where several server nodes send from one outbox, the
    /// call also claims them for a lease (`PostgresNotificationsStore`): no
    /// other call returns them until the lease passes or their outcome is
    /// recorded, so two nodes never send one notice at once. On SQLite (one
    /// machine, one sender) it only reads, and a notice not yet recorded is
    /// due again at the next call.
    func dueMessages(at now: Date, limit: Int) async throws -> [OutboxMessage]

    /// The notice was delivered (or logged, when it has no recipient).
    func markSent(id: Int64, at now: Date) async throws

    /// An attempt failed: try again at `retryAt`, or give up when nil.
    func markFailed(id: Int64, error: String, retryAt: Date?, at now: Date) async throws

    func outboxCounts() async throws -> OutboxCounts

    /// Every notice about one subject, oldest first (the office's view of
    /// what a visitor was told).
    func messages(subjectType: String, subjectID: String) async throws -> [OutboxMessage]
}
