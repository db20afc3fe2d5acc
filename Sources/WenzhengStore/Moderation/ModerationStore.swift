import Foundation
import WenzhengCore

/// The moderation queue: items, claims and decisions.
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBModerationStore` implements it over SQLite.
public protocol ModerationStore: Sendable {
    /// Puts a citizen's text in the queue. Features call the static form
    /// inside their own transaction, so the source row and its queue item
    /// commit together; this form is for text with no other row.
    @discardableResult
    func submitForModeration(_ new: NewModerationItem, at now: Date) async throws -> ModerationItem

    func moderationQueue(_ filter: ModerationQueueFilter, at now: Date) async throws -> [ModerationItem]

    func moderationItem(id: Int64) async throws -> ModerationItem

    /// Counts of pending items by kind, for dashboards.
    func pendingModerationCounts() async throws -> [ContentKind: Int]

    /// When the longest-waiting pending item was queued; nil when none
    /// waits (the metrics' queue age).
    func oldestPendingModerationDate() async throws -> Date?

    /// Claims an item so that other moderators see it is being handled.
    ///
    /// - Throws: `StoreError.conflict` when it is decided, or claimed by
    ///   someone else whose claim has not timed out.
    func claimModerationItem(id: Int64, by staff: AuthenticatedStaff, at now: Date) async throws -> ModerationItem

    /// Gives up a claim (only the claimer can).
    func releaseModerationClaim(id: Int64, by staff: AuthenticatedStaff) async throws -> ModerationItem

    /// Decides one item in one transaction: the item, its source feature's
    /// row and the audit log change together.
    ///
    /// - Parameter expectedVersion: the version the moderator saw; a
    ///   different current version means someone else acted first.
    /// - Throws: `StoreError.conflict` ("already handled by X") when the
    ///   item was decided, claimed or changed by someone else;
    ///   `StoreError.invalid` for a held item without override, an unknown
    ///   reason or a bad edit.
    func decideModeration(
        id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, expectedVersion: Int?, allowedReasons: Set<String>,
        clientAddress: String?, at now: Date
    ) async throws -> DecidedModeration

    /// Decides several items the same way. Each item is its own
    /// transaction, so one conflict does not undo the others; the result
    /// says what happened to each.
    func decideModerationInBulk(
        ids: [Int64], _ decision: ModerationDecision, by staff: AuthenticatedStaff, allowedReasons: Set<String>, clientAddress: String?,
        at now: Date
    ) async throws -> [BulkDecisionResult]
}

/// The defaults callers may leave out.
extension ModerationStore {
    public func decideModeration(
        id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, allowedReasons: Set<String>, clientAddress: String?,
        at now: Date
    ) async throws -> DecidedModeration {
        try await decideModeration(
            id: id, decision, by: staff, expectedVersion: nil, allowedReasons: allowedReasons, clientAddress: clientAddress, at: now)
    }

    public func decideModeration(
        id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, expectedVersion: Int?, allowedReasons: Set<String>,
        at now: Date
    ) async throws -> DecidedModeration {
        try await decideModeration(
            id: id, decision, by: staff, expectedVersion: expectedVersion, allowedReasons: allowedReasons, clientAddress: nil, at: now)
    }

    public func decideModeration(
        id: Int64, _ decision: ModerationDecision, by staff: AuthenticatedStaff, allowedReasons: Set<String>, at now: Date
    ) async throws -> DecidedModeration {
        try await decideModeration(
            id: id, decision, by: staff, expectedVersion: nil, allowedReasons: allowedReasons, clientAddress: nil, at: now)
    }

    public func decideModerationInBulk(
        ids: [Int64], _ decision: ModerationDecision, by staff: AuthenticatedStaff, allowedReasons: Set<String>, at now: Date
    ) async throws -> [BulkDecisionResult] {
        try await decideModerationInBulk(ids: ids, decision, by: staff, allowedReasons: allowedReasons, clientAddress: nil, at: now)
    }
}
