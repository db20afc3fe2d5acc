import Foundation
import PostgresNIO
import WenzhengCore

/// Withdrawing a published letter or one of its replies, and publishing it
/// again after correction, on PostgreSQL
/// (`GRDBMailboxStore+LetterWithdrawals.swift`): each one transaction with
/// the withdrawal row, the timeline, the audit log and the search index.
extension PostgresMailboxStore {
    func unpublishLetter(id: Int64, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let reason = try PublicationWithdrawals.validatedReason(reason)
        return try await backend.write { tx in
            let record = try await Self.existingLetter(tx, id: id)
            let before = try await Self.letterView(tx, record)
            _ = try await PostgresPublicationWithdrawals.recordWithdrawal(
                tx, .letter, id, published: record.publishedAt != nil, reason: reason, actor: actor, at: now)
            try await PostgresLetterSearchIndex.removeLetterFromSearch(tx, letterID: id)
            try await Self.appendLetterEvent(tx, letterID: id, kind: .unpublished, actor: .staff(actor), note: reason, at: now)
            try await Self.auditPublication(
                tx, actor: actor, action: "letter.unpublish", subjectType: "letter", subjectID: String(id),
                before: AuditedPublication(published: true, subject: before.publicSubject, text: before.publicBody),
                after: AuditedPublication(published: false, reason: reason), at: now)
            return try await Self.letterView(tx, record)
        }
    }

    func republishLetter(id: Int64, subject: String, body: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> (letter: LetterView, masked: [MaskedSpan])
    {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let (letter, masked) = try await backend.write { tx -> (LetterView, [MaskedSpan]) in
            let record = try await Self.existingLetter(tx, id: id)
            var errors: [FieldError] = []
            let oneLine = subject.split(whereSeparator: \.isNewline).joined(separator: " ")
            let maskedSubject = WithdrawalRules.correctedText(
                oneLine, field: "subject", maxLength: LetterRules.subjectMaxLength, authorName: record.authorName, into: &errors)
            let maskedBody = WithdrawalRules.correctedText(
                body, field: "body", maxLength: LetterRules.bodyMaxLength, authorName: record.authorName, into: &errors)
            try GRDBModerationStore.throwIfInvalid(errors)
            let before = try await Self.letterView(tx, record)
            _ = try await PostgresPublicationWithdrawals.recordRepublication(
                tx, .letter, id, text: maskedSubject.text + "\n" + maskedBody.text, actor: actor, at: now)
            try await Self.reindexLetterForSearch(tx, letterID: id)
            try await Self.appendLetterEvent(tx, letterID: id, kind: .republished, actor: .staff(actor), at: now)
            let masked = maskedSubject.spans + maskedBody.spans
            try await Self.auditPublication(
                tx, actor: actor, action: "letter.republish", subjectType: "letter", subjectID: String(id),
                before: AuditedPublication(published: false, subject: before.publicSubject, text: before.publicBody),
                after: AuditedPublication(
                    published: true, subject: maskedSubject.text, text: maskedBody.text,
                    masked: masked.map(\.kind.rawValue).joined(separator: ",")), at: now)
            return (try await Self.letterView(tx, record), masked)
        }
        return (letter, masked)
    }

    func unpublishReply(letterID: Int64, round: Int, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let reason = try PublicationWithdrawals.validatedReason(reason)
        return try await backend.write { tx in
            let record = try await Self.existingLetter(tx, id: letterID)
            let reply = try await Self.existingReply(tx, letterID: letterID, round: round)
            let publicBody = try await Self.publicReplyBody(tx, reply, authorName: record.authorName)
            _ = try await PostgresPublicationWithdrawals.recordWithdrawal(
                tx, .letterReply, reply.id!, published: record.publishedAt != nil, reason: reason, actor: actor, at: now)
            try await Self.reindexLetterForSearch(tx, letterID: letterID)
            try await Self.appendLetterEvent(
                tx, letterID: letterID, kind: .replyUnpublished, actor: .staff(actor), note: reason, replyRound: round, at: now)
            try await Self.auditPublication(
                tx, actor: actor, action: "letter.unpublish_reply", subjectType: "letter_reply", subjectID: "\(letterID)/\(round)",
                before: AuditedPublication(published: true, text: publicBody), after: AuditedPublication(published: false, reason: reason),
                at: now)
            return try await Self.letterView(tx, record)
        }
    }

    func republishReply(letterID: Int64, round: Int, body: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> (letter: LetterView, masked: [MaskedSpan])
    {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let (letter, masked) = try await backend.write { tx -> (LetterView, [MaskedSpan]) in
            let record = try await Self.existingLetter(tx, id: letterID)
            let reply = try await Self.existingReply(tx, letterID: letterID, round: round)
            var errors: [FieldError] = []
            let masked = WithdrawalRules.correctedText(
                body, field: "body", maxLength: LetterRules.replyMaxLength, authorName: record.authorName, into: &errors)
            try GRDBModerationStore.throwIfInvalid(errors)
            let publicBody = try await Self.publicReplyBody(tx, reply, authorName: record.authorName)
            _ = try await PostgresPublicationWithdrawals.recordRepublication(
                tx, .letterReply, reply.id!, text: masked.text, actor: actor, at: now)
            try await Self.reindexLetterForSearch(tx, letterID: letterID)
            try await Self.appendLetterEvent(tx, letterID: letterID, kind: .replyRepublished, actor: .staff(actor), replyRound: round, at: now)
            try await Self.auditPublication(
                tx, actor: actor, action: "letter.republish_reply", subjectType: "letter_reply", subjectID: "\(letterID)/\(round)",
                before: AuditedPublication(published: false, text: publicBody),
                after: AuditedPublication(published: true, text: masked.text, masked: PublicationWithdrawals.maskedKinds(masked)), at: now)
            return (try await Self.letterView(tx, record), masked.spans)
        }
        return (letter, masked)
    }

    func isLetterWithdrawn(id: Int64) async throws -> Bool {
        try await backend.read { tx in
            guard let record = try await tx.record(LetterRecord.self, "SELECT * FROM letter WHERE id = \(id)"), record.publishedAt != nil
            else { return false }
            return try await PostgresPublicationWithdrawals.withdrawalInForce(tx, .letter, id) != nil
        }
    }

    // MARK: Helpers

    /// Makes the search index hold exactly what the public page shows, or
    /// nothing when the letter is not public.
    static func reindexLetterForSearch(_ tx: PostgresTransaction, letterID: Int64) async throws {
        guard let published = try await publishedLetter(tx, id: letterID) else {
            try await PostgresLetterSearchIndex.removeLetterFromSearch(tx, letterID: letterID)
            return
        }
        try await PostgresLetterSearchIndex.indexLetterForSearch(
            tx, letterID: letterID, subject: published.subject, body: published.body,
            reply: published.replies.filter { !$0.withdrawn }.map(\.body).joined(separator: "\n"))
    }

    static func existingReply(_ tx: PostgresTransaction, letterID: Int64, round: Int) async throws -> LetterReplyRecord {
        guard
            let reply = try await tx.record(
                LetterReplyRecord.self, "SELECT * FROM letter_reply WHERE letter_id = \(letterID) AND round = \(round)")
        else {
            throw StoreError.notFound(kind: "reply", key: "\(letterID)/\(round)")
        }
        return reply
    }

    /// A reply's public text: its last correction, else its body masked.
    static func publicReplyBody(_ tx: PostgresTransaction, _ reply: LetterReplyRecord, authorName: String) async throws -> String {
        try await PostgresPublicationWithdrawals.republishedText(tx, .letterReply, reply.id!)
            ?? PersonalInformation.mask(reply.body, authorName: authorName)
    }

    /// The public texts of a published letter and of its replies, with the
    /// withdrawals in force, for the office's view.
    static func addPublicTexts(_ tx: PostgresTransaction, to view: inout LetterView, record: LetterRecord, replyIDs: [Int64]) async throws {
        guard record.publishedAt != nil, let itemID = record.moderationItemId else { return }
        let queued = try await tx.scalar("SELECT masked_text FROM moderation_item WHERE id = \(itemID)", as: String.self) ?? ""
        let text = GRDBMailboxStore.publicLetterText(
            masked: try await PostgresPublicationWithdrawals.republishedText(tx, .letter, record.id!) ?? queued, subject: record.subject,
            authorName: record.authorName)
        view.publicSubject = text.subject
        view.publicBody = text.body
        view.withdrawal = try await PostgresPublicationWithdrawals.withdrawalsInForce(tx, .letter, ids: [record.id!])[record.id!]
        let withdrawn = try await PostgresPublicationWithdrawals.withdrawalsInForce(tx, .letterReply, ids: replyIDs)
        for (index, id) in replyIDs.enumerated() where index < view.replies.count {
            view.replies[index].publicBody =
                try await PostgresPublicationWithdrawals.republishedText(tx, .letterReply, id)
                ?? PersonalInformation.mask(view.replies[index].body, authorName: record.authorName)
            view.replies[index].withdrawal = withdrawn[id]
        }
    }

    static func auditPublication(
        _ tx: PostgresTransaction, actor: AuthenticatedStaff, action: String, subjectType: String, subjectID: String,
        before: AuditedPublication, after: AuditedPublication, at now: Date
    ) async throws {
        try await AuditEntry.record(
            tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: subjectType, subjectID: subjectID,
            before: before, after: after, at: now)
    }
}
