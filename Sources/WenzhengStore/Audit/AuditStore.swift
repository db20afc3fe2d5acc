import Foundation
import WenzhengCore

/// The append-only audit log.
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBAuditStore` implements it over SQLite.
public protocol AuditStore: Sendable {
    /// Audit entries, newest first, optionally from a date on and by one actor.
    func auditEntries(since: Date?, actorName: String?, limit: Int) async throws -> [AuditEntry]

    /// Records a staff action that changes no table of its own (a word-list
    /// reload), so the audit log still shows who did it and when.
    func recordStaffAction(
        actor: AuditActor, action: String, subjectType: String, subjectID: String?, after: (any Encodable & Sendable)?, at now: Date)
        async throws
}

/// The defaults callers may leave out.
extension AuditStore {
    public func auditEntries(actorName: String?) async throws -> [AuditEntry] {
        try await auditEntries(since: nil, actorName: actorName, limit: 500)
    }

    public func auditEntries() async throws -> [AuditEntry] {
        try await auditEntries(since: nil, actorName: nil, limit: 500)
    }

    public func recordStaffAction(actor: AuditActor, action: String, subjectType: String, subjectID: String?, at now: Date) async throws {
        try await recordStaffAction(actor: actor, action: action, subjectType: subjectType, subjectID: subjectID, after: nil, at: now)
    }
}
