import Foundation
import Logging
import NIOPosix
import WenzhengCore
import WenzhengStore

/// What moderators do, for the JSON API and the console pages alike: read
/// the queue as they may see it, claim, decide (one item or many), reload
/// the word lists, check a text. Every change is announced to the consoles,
/// and a decision's effect reaches the feature that owns the text.
struct ModerationActions: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let library: ModerationLibrary
    let channel: ModerationChannel

    static let moderators: Set<Role> = [.moderator, .admin]
    /// The most items one bulk action takes.
    static let maxBulkItems = 200

    /// The standard reasons for rejecting an item, from the word lists' rules.
    var rejectionReasons: [RejectionReason] { library.filter.rules.rejectionReasons }

    /// The queue as `staff` may see it.
    func queue(_ filter: ModerationQueueFilter, for staff: AuthenticatedStaff) async throws -> [ModerationItem] {
        try await database.moderation.moderationQueue(filter, at: clock.now()).map { channel.presented($0, to: staff) }
    }

    func item(_ id: Int64, for staff: AuthenticatedStaff) async throws -> ModerationItem {
        channel.presented(try await database.moderation.moderationItem(id: id), to: staff)
    }

    func pendingCounts() async throws -> [ContentKind: Int] {
        try await database.moderation.pendingModerationCounts()
    }

    /// Claims an item so other moderators see it is being handled.
    func claim(_ id: Int64, by staff: AuthenticatedStaff) async throws -> ModerationItem {
        let item = try await database.moderation.claimModerationItem(id: id, by: staff, at: clock.now())
        channel.announce(item, .claimed)
        return channel.presented(item, to: staff)
    }

    func release(_ id: Int64, by staff: AuthenticatedStaff) async throws -> ModerationItem {
        let item = try await database.moderation.releaseModerationClaim(id: id, by: staff)
        channel.announce(item, .released)
        return channel.presented(item, to: staff)
    }

    /// Decides one item; `version` is the one the moderator saw, if any.
    func decide(_ id: Int64, _ decision: ModerationDecision, version: Int?, by staff: AuthenticatedStaff) async throws -> ModerationItem {
        let decided = try await database.moderation.decideModeration(
            id: id, decision, by: staff, expectedVersion: version, allowedReasons: allowedReasons,
            clientAddress: staff.clientAddress, at: clock.now())
        announce(decided.item, effect: decided.effect)
        return channel.presented(decided.item, to: staff)
    }

    /// Decides up to `maxBulkItems` items the same way, each on its own;
    /// the result says what happened to each.
    func decideInBulk(_ ids: [Int64], _ decision: ModerationDecision, by staff: AuthenticatedStaff) async throws -> [BulkDecisionResult] {
        try Self.checkBulk(ids)
        let results = try await database.moderation.decideModerationInBulk(
            ids: ids, decision, by: staff, allowedReasons: allowedReasons, clientAddress: staff.clientAddress, at: clock.now())
        return results.map { result in
            var result = result
            if let item = result.item {
                announce(item, effect: result.effect)
                result.item = channel.presented(item, to: staff)
            }
            return result
        }
    }

    /// Refuses an empty bulk action or one over `maxBulkItems`.
    static func checkBulk(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { throw Problem.validation(.required("ids")) }
        guard ids.count <= maxBulkItems else {
            throw Problem.validation(FieldError(field: "ids", code: "too_many", message: "at most \(maxBulkItems) items at once"))
        }
    }

    /// Refuses a note longer than the store keeps, whatever the action. The
    /// store checks it only when it rejects an item, so an approval dropped
    /// an over-long note silently, and a bulk rejection answered 200 with
    /// the same error for every item (found by the API fuzzer).
    static func checkNote(_ note: String?) throws {
        if let note, note.count > ModerationPolicy.maxNoteLength {
            throw Problem.validation(.tooLong("note", max: ModerationPolicy.maxNoteLength))
        }
    }

    /// Reads the word lists again; a list that does not parse leaves the
    /// ones in force.
    ///
    /// - Throws: `Problem` 422 with the parse error.
    func reloadLists(by staff: AuthenticatedStaff, logger: Logger) async throws -> ModerationLibrary.Loaded {
        do {
            // Reading files and building the automaton is blocking work.
            let library = self.library
            let now = clock.now()
            let loaded = try await NIOThreadPool.singleton.runIfActive { try library.reload(now: now) }
            try await database.audit.recordStaffAction(
                actor: .staff(staff, clientAddress: staff.clientAddress), action: "moderation.reload", subjectType: "word_lists",
                subjectID: nil, after: loaded.summary.map { "\($0.category): \($0.terms)" }, at: now)
            let terms = loaded.summary.reduce(0) { $0 + $1.terms }
            logger.notice("moderation lists reloaded by \(staff.username)", metadata: ["terms": "\(terms)"])
            channel.announceReload(terms: terms)
            return loaded
        } catch {
            throw Problem(kind: .validationFailed, detail: "\(error); the previous lists stay in force")
        }
    }

    /// What the filter finds in a text, and the text as it would be published.
    func check(_ text: String?) throws -> (result: ContentFilter.Result, masked: String) {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(text, field: "text", maxLength: ModerationPolicy.maxTextLength, into: &errors)
        try ValidationFailure.check(errors)
        return (library.filter.check(text), PersonalInformation.mask(text))
    }

    private var allowedReasons: Set<String> { Set(rejectionReasons.map(\.code)) }

    /// The consoles hear of the item; the feature that owns the text hears
    /// of what changed (typed by the store).
    private func announce(_ item: ModerationItem, effect: ModerationEffect) {
        channel.announce(item, .decided)
        channel.features.decided(effect)
    }
}
