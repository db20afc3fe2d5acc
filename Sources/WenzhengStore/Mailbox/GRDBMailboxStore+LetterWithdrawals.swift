import Foundation
import GRDB
import WenzhengCore

/// Withdrawing a published letter or one of its replies, and publishing it
/// again after correction (issue 9, item 23). Each is one transaction: the
/// withdrawal row, the letter's timeline, the audit log with before and
/// after, and the search index change together.
extension GRDBMailboxStore {
    /// Takes a published letter off the public list, its page, the
    /// published-letters API and search.
    ///
    /// - Throws: `StoreError.forbidden` for anyone but an admin;
    ///   `StoreError.conflict` when the letter was never published or is
    ///   withdrawn already; `StoreError.invalid` without a reason.
    func unpublishLetter(id: Int64, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let reason = try PublicationWithdrawals.validatedReason(reason)
        return try await writer.write { db in
            let record = try Self.existingLetter(db, id: id)
            let before = try Self.letterView(db, record)
            _ = try PublicationWithdrawals.recordWithdrawal(
                db, .letter, id, published: record.publishedAt != nil, reason: reason, actor: actor, at: now)
            try LetterSearchIndex.removeLetterFromSearch(db, letterID: id)
            try Self.appendLetterEvent(db, letterID: id, kind: .unpublished, actor: .staff(actor), note: reason, at: now)
            try Self.auditPublication(
                db, actor: actor, action: "letter.unpublish", subjectType: "letter", subjectID: String(id),
                before: AuditedPublication(published: true, subject: before.publicSubject, text: before.publicBody),
                after: AuditedPublication(published: false, reason: reason), at: now)
            return try Self.letterView(db, record)
        }
    }

    /// Publishes a withdrawn letter again with a corrected subject and body,
    /// masked as citizens' text is (the author's name too), and puts it back
    /// in search.
    ///
    /// - Returns: the letter, and what masking changed in the correction.
    func republishLetter(id: Int64, subject: String, body: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> (letter: LetterView, masked: [MaskedSpan])
    {
        try PublicationWithdrawals.ensureWithdraws(actor)
        return try await writer.write { db in
            let record = try Self.existingLetter(db, id: id)
            var errors: [FieldError] = []
            let oneLine = subject.split(whereSeparator: \.isNewline).joined(separator: " ")
            let maskedSubject = WithdrawalRules.correctedText(
                oneLine, field: "subject", maxLength: LetterRules.subjectMaxLength, authorName: record.authorName, into: &errors)
            let maskedBody = WithdrawalRules.correctedText(
                body, field: "body", maxLength: LetterRules.bodyMaxLength, authorName: record.authorName, into: &errors)
            try GRDBModerationStore.throwIfInvalid(errors)
            let before = try Self.letterView(db, record)
            _ = try PublicationWithdrawals.recordRepublication(db, .letter, id, text: maskedSubject.text + "\n" + maskedBody.text, actor: actor, at: now)
            try Self.reindexLetterForSearch(db, letterID: id)
            try Self.appendLetterEvent(db, letterID: id, kind: .republished, actor: .staff(actor), at: now)
            let masked = maskedSubject.spans + maskedBody.spans
            try Self.auditPublication(
                db, actor: actor, action: "letter.republish", subjectType: "letter", subjectID: String(id),
                before: AuditedPublication(published: false, subject: before.publicSubject, text: before.publicBody),
                after: AuditedPublication(
                    published: true, subject: maskedSubject.text, text: maskedBody.text,
                    masked: masked.map(\.kind.rawValue).joined(separator: ",")), at: now)
            return (try Self.letterView(db, record), masked)
        }
    }

    /// Takes one reply of a published letter off the public side: the page
    /// says a reply was withdrawn, with its date and department, and search
    /// no longer finds its text. The letter stays public.
    func unpublishReply(letterID: Int64, round: Int, reason: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        try PublicationWithdrawals.ensureWithdraws(actor)
        let reason = try PublicationWithdrawals.validatedReason(reason)
        return try await writer.write { db in
            let record = try Self.existingLetter(db, id: letterID)
            let reply = try Self.existingReply(db, letterID: letterID, round: round)
            let publicBody = try Self.publicReplyBody(db, reply, authorName: record.authorName)
            _ = try PublicationWithdrawals.recordWithdrawal(
                db, .letterReply, reply.id!, published: record.publishedAt != nil, reason: reason, actor: actor, at: now)
            try Self.reindexLetterForSearch(db, letterID: letterID)
            try Self.appendLetterEvent(
                db, letterID: letterID, kind: .replyUnpublished, actor: .staff(actor), note: reason, replyRound: round, at: now)
            try Self.auditPublication(
                db, actor: actor, action: "letter.unpublish_reply", subjectType: "letter_reply", subjectID: "\(letterID)/\(round)",
                before: AuditedPublication(published: true, text: publicBody), after: AuditedPublication(published: false, reason: reason),
                at: now)
            return try Self.letterView(db, record)
        }
    }

    /// Publishes a withdrawn reply again with a corrected text, masked as
    /// citizens' text is (the letter's author's name too).
    func republishReply(letterID: Int64, round: Int, body: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> (letter: LetterView, masked: [MaskedSpan])
    {
        try PublicationWithdrawals.ensureWithdraws(actor)
        return try await writer.write { db in
            let record = try Self.existingLetter(db, id: letterID)
            let reply = try Self.existingReply(db, letterID: letterID, round: round)
            var errors: [FieldError] = []
            let masked = WithdrawalRules.correctedText(
                body, field: "body", maxLength: LetterRules.replyMaxLength, authorName: record.authorName, into: &errors)
            try GRDBModerationStore.throwIfInvalid(errors)
            let publicBody = try Self.publicReplyBody(db, reply, authorName: record.authorName)
            _ = try PublicationWithdrawals.recordRepublication(db, .letterReply, reply.id!, text: masked.text, actor: actor, at: now)
            try Self.reindexLetterForSearch(db, letterID: letterID)
            try Self.appendLetterEvent(db, letterID: letterID, kind: .replyRepublished, actor: .staff(actor), replyRound: round, at: now)
            try Self.auditPublication(
                db, actor: actor, action: "letter.republish_reply", subjectType: "letter_reply", subjectID: "\(letterID)/\(round)",
                before: AuditedPublication(published: false, text: publicBody),
                after: AuditedPublication(published: true, text: masked.text, masked: PublicationWithdrawals.maskedKinds(masked)), at: now)
            return (try Self.letterView(db, record), masked.spans)
        }
    }

    // MARK: Helpers

    /// Makes the search index hold exactly what the public page shows: the
    /// letter's public texts and its replies that are public, or nothing
    /// when the letter is not public (never published, or withdrawn).
    static func reindexLetterForSearch(_ db: Database, letterID: Int64) throws {
        guard let published = try publishedLetter(db, id: letterID) else {
            try LetterSearchIndex.removeLetterFromSearch(db, letterID: letterID)
            return
        }
        try LetterSearchIndex.indexLetterForSearch(
            db, letterID: letterID, subject: published.subject, body: published.body,
            reply: published.replies.filter { !$0.withdrawn }.map(\.body).joined(separator: "\n"))
    }

    static func existingReply(_ db: Database, letterID: Int64, round: Int) throws -> LetterReplyRecord {
        guard
            let reply = try LetterReplyRecord.filter(LetterReplyRecord.Columns.letterId == letterID)
                .filter(LetterReplyRecord.Columns.round == round).fetchOne(db)
        else {
            throw StoreError.notFound(kind: "reply", key: "\(letterID)/\(round)")
        }
        return reply
    }

    /// A reply's public text: its last correction, else its body masked.
    static func publicReplyBody(_ db: Database, _ reply: LetterReplyRecord, authorName: String) throws -> String {
        try PublicationWithdrawals.republishedText(db, .letterReply, reply.id!) ?? PersonalInformation.mask(reply.body, authorName: authorName)
    }

    /// The public texts of a published letter and of its replies, with the
    /// withdrawals in force, for the office's view.
    static func addPublicTexts(_ db: Database, to view: inout LetterView, record: LetterRecord, replyIDs: [Int64]) throws {
        guard record.publishedAt != nil, let itemID = record.moderationItemId else { return }
        let queued = try String.fetchOne(db, sql: "SELECT masked_text FROM moderation_item WHERE id = ?", arguments: [itemID]) ?? ""
        let text = publicLetterText(
            masked: try PublicationWithdrawals.republishedText(db, .letter, record.id!) ?? queued, subject: record.subject, authorName: record.authorName)
        view.publicSubject = text.subject
        view.publicBody = text.body
        view.withdrawal = try PublicationWithdrawals.withdrawalsInForce(db, .letter, ids: [record.id!])[record.id!]
        let withdrawn = try PublicationWithdrawals.withdrawalsInForce(db, .letterReply, ids: replyIDs)
        for (index, id) in replyIDs.enumerated() where index < view.replies.count {
            view.replies[index].publicBody =
                try PublicationWithdrawals.republishedText(db, .letterReply, id)
                ?? PersonalInformation.mask(view.replies[index].body, authorName: record.authorName)
            view.replies[index].withdrawal = withdrawn[id]
        }
    }

    static func auditPublication(
        _ db: Database, actor: AuthenticatedStaff, action: String, subjectType: String, subjectID: String,
        before: AuditedPublication, after: AuditedPublication, at now: Date
    ) throws {
        try AuditEntry.record(
            db, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: subjectType, subjectID: subjectID,
            before: before, after: after, at: now)
    }
}

/// What the audit log keeps of a withdrawal or a republication: the public
/// text before and after (the log is for admins only), and why.
struct AuditedPublication: Encodable {
    var published: Bool
    var subject: String? = nil
    var text: String? = nil
    var reason: String? = nil
    /// The kinds of personal information masked in a correction.
    var masked: String? = nil
}

extension GRDBMailboxStore {
    /// Whether a letter was published and is withdrawn now (the public page
    /// answers 410 rather than 404).
    func isLetterWithdrawn(id: Int64) async throws -> Bool {
        try await reader.read { db in
            guard let record = try LetterRecord.fetchOne(db, key: id), record.publishedAt != nil else { return false }
            return try PublicationWithdrawals.withdrawalInForce(db, .letter, id) != nil
        }
    }
}
