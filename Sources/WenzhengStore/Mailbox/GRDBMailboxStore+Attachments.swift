import Foundation
import GRDB
import WenzhengCore

extension GRDBMailboxStore {
    // MARK: Citizens' files

    /// Checks a citizen's files against the limits before anything is
    /// stored: count, total size, roles.
    static func validateCitizenAttachments(_ attachments: [NewAttachment], type: LetterType, requireIdentityProof: Bool) throws {
        var errors: [FieldError] = []
        if attachments.contains(where: { $0.role == .reply }) {
            errors.append(.invalid("attachments", "citizens cannot attach reply documents"))
        }
        if attachments.count > AttachmentRules.maxCitizenFiles {
            errors.append(.invalid("attachments", "attach at most \(AttachmentRules.maxCitizenFiles) files"))
        }
        if attachments.reduce(0, { $0 + $1.byteCount }) > AttachmentRules.maxCitizenBytes {
            errors.append(.invalid("attachments", "attachments may total at most \(AttachmentRules.maxCitizenBytes / (1024 * 1024)) MB"))
        }
        let proofs = attachments.filter { $0.role == .identityProof }.count
        if proofs > 0, type != .informationDisclosure {
            errors.append(.invalid("identityProof", "a proof of identity goes only with an information-disclosure request"))
        }
        if proofs == 0, type == .informationDisclosure, requireIdentityProof {
            errors.append(
                FieldError(
                    field: "identityProof", code: "required",
                    message: "an information-disclosure request needs a proof of identity (PDF, JPEG or PNG)"))
        }
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
    }

    /// Links files already kept in `AttachmentFiles` to a new letter, in
    /// the letter's own transaction.
    static func linkAttachments(_ db: Database, letterID: Int64, _ attachments: [NewAttachment], addedBy: Int64?, at now: Date) throws
        -> [LetterAttachmentRecord]
    {
        try attachments.map { attachment in
            guard AttachmentFiles.isHash(attachment.sha256) else {
                throw StoreError.invalid(ValidationFailure([.invalid("attachments", "not a stored attachment")]))
            }
            var content = try AttachmentRecord.filter(AttachmentRecord.Columns.sha256 == attachment.sha256).fetchOne(db)
            if content == nil {
                var record = AttachmentRecord(
                    id: nil, sha256: attachment.sha256, kind: attachment.kind, byteCount: attachment.byteCount, createdAt: now)
                try record.insert(db)
                content = record
            }
            var link = LetterAttachmentRecord(
                id: nil, letterId: letterID, attachmentId: content!.id!, role: attachment.role,
                displayName: AttachmentRules.displayName(attachment.displayName, kind: content!.kind), addedBy: addedBy, addedAt: now)
            try link.insert(db)
            return link
        }
    }

    // MARK: The office's reply documents

    /// Attaches a document to the reply being prepared (handlers of the
    /// lead department, reviewers, admins), audited.
    func addReplyDocument(letterID: Int64, attachment: NewAttachment, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterAttachmentView
    {
        try await writer.write { db in
            let letter = try Self.existingLetter(db, id: letterID)
            try Self.enforce(
                LetterWorkflow.refusalToChangeReplyDocuments(try Self.workflowFacts(db, letter), by: actor.letterActor, adding: true))
            let existing = try LetterAttachmentRecord.filter(
                LetterAttachmentRecord.Columns.letterId == letterID && LetterAttachmentRecord.Columns.role == AttachmentRole.reply.rawValue
            ).fetchCount(db)
            guard existing < AttachmentRules.maxReplyFiles else {
                throw StoreError.invalid(
                    ValidationFailure([.invalid("document", "a reply has at most \(AttachmentRules.maxReplyFiles) documents")]))
            }
            var reply = attachment
            reply.role = .reply
            let link = try Self.linkAttachments(db, letterID: letterID, [reply], addedBy: actor.userID, at: now)[0]
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "letter.attachment.add", subjectType: "letter",
                subjectID: String(letterID), after: ["attachment": link.displayName, "sha256": reply.sha256], at: now)
            return try Self.attachmentViews(db, letterID: letterID, id: link.id)[0]
        }
    }

    /// Removes a reply document before the reply is sent, audited.
    func removeReplyDocument(letterID: Int64, attachmentID: Int64, actor: AuthenticatedStaff, at now: Date) async throws {
        try await writer.write { db in
            let letter = try Self.existingLetter(db, id: letterID)
            try Self.enforce(
                LetterWorkflow.refusalToChangeReplyDocuments(try Self.workflowFacts(db, letter), by: actor.letterActor, adding: false))
            guard let link = try LetterAttachmentRecord.fetchOne(db, key: attachmentID), link.letterId == letterID else {
                throw StoreError.notFound(kind: "attachment", key: String(attachmentID))
            }
            guard link.role == .reply else { throw StoreError.forbidden("only the office's reply documents can be removed") }
            _ = try link.delete(db)
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "letter.attachment.remove", subjectType: "letter",
                subjectID: String(letterID), after: ["attachment": link.displayName], at: now)
        }
    }

    // MARK: Reading

    /// A letter's attachments, the citizen's first, in the order added.
    func letterAttachments(letterID: Int64) async throws -> [LetterAttachmentView] {
        try await reader.read { db in try Self.attachmentViews(db, letterID: letterID) }
    }

    /// One attachment of one letter; `notFound` when it belongs to another.
    func letterAttachment(id: Int64, letterID: Int64) async throws -> LetterAttachmentView {
        try await reader.read { db in
            guard let view = try Self.attachmentViews(db, letterID: letterID, id: id).first else {
                throw StoreError.notFound(kind: "attachment", key: String(id))
            }
            return view
        }
    }

    static func attachmentViews(_ db: Database, letterID: Int64, id: Int64? = nil) throws -> [LetterAttachmentView] {
        var sql = """
            SELECT la.id, la.letter_id, la.role, a.kind, a.byte_count, la.display_name, s.display_name AS added_by,
                   la.added_at, a.sha256
            FROM letter_attachment la
            JOIN attachment a ON a.id = la.attachment_id
            LEFT JOIN staff_user s ON s.id = la.added_by
            WHERE la.letter_id = ?
            """
        var arguments: StatementArguments = [letterID]
        if let id {
            sql += " AND la.id = ?"
            arguments += [id]
        }
        sql += " ORDER BY CASE la.role WHEN 'reply' THEN 1 ELSE 0 END, la.id"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            LetterAttachmentView(
                id: row["id"], letterId: row["letter_id"], role: AttachmentRole(rawValue: row["role"]) ?? .letter,
                kind: AttachmentKind(rawValue: row["kind"]) ?? .pdf, byteCount: row["byte_count"], displayName: row["display_name"],
                addedBy: row["added_by"], addedAt: row["added_at"], sha256: row["sha256"])
        }
    }
}
