import Foundation
import PostgresNIO
import WenzhengCore

// Attachments on PostgreSQL (`GRDBMailboxStore+Attachments.swift`): the
// files stay on disk (`AttachmentFiles`, written before the transaction);
// their rows are here.
extension PostgresMailboxStore {
    /// Links files already kept in `AttachmentFiles` to a new letter, in
    /// the letter's own transaction.
    static func linkAttachments(_ tx: PostgresTransaction, letterID: Int64, _ attachments: [NewAttachment], addedBy: Int64?, at now: Date)
        async throws -> [LetterAttachmentRecord]
    {
        var links: [LetterAttachmentRecord] = []
        for attachment in attachments {
            guard AttachmentFiles.isHash(attachment.sha256) else {
                throw StoreError.invalid(ValidationFailure([.invalid("attachments", "not a stored attachment")]))
            }
            // One row per content: a concurrent letter with the same file
            // may have stored it since this transaction began.
            try await tx.execute(
                """
                INSERT INTO attachment (sha256, kind, byte_count, created_at)
                VALUES (\(attachment.sha256), \(attachment.kind.rawValue), \(attachment.byteCount), \(now))
                ON CONFLICT (sha256) DO NOTHING
                """)
            guard
                let content = try await tx.record(AttachmentRecord.self, "SELECT * FROM attachment WHERE sha256 = \(attachment.sha256)")
            else {
                throw StoreError.notFound(kind: "attachment", key: attachment.sha256)
            }
            var link = LetterAttachmentRecord(
                id: nil, letterId: letterID, attachmentId: content.id!, role: attachment.role,
                displayName: AttachmentRules.displayName(attachment.displayName, kind: content.kind), addedBy: addedBy, addedAt: now)
            link.id = try await tx.insert(into: "letter_attachment", link)
            links.append(link)
        }
        return links
    }

    // MARK: The office's reply documents

    func addReplyDocument(letterID: Int64, attachment: NewAttachment, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterAttachmentView
    {
        try await backend.write { tx in
            let letter = try await Self.existingLetter(tx, id: letterID)
            try GRDBMailboxStore.enforce(
                LetterWorkflow.refusalToChangeReplyDocuments(try await Self.workflowFacts(tx, letter), by: actor.letterActor, adding: true))
            let existing =
                try await tx.scalar(
                    "SELECT COUNT(*) FROM letter_attachment WHERE letter_id = \(letterID) AND role = \(AttachmentRole.reply.rawValue)",
                    as: Int.self) ?? 0
            guard existing < AttachmentRules.maxReplyFiles else {
                throw StoreError.invalid(
                    ValidationFailure([.invalid("document", "a reply has at most \(AttachmentRules.maxReplyFiles) documents")]))
            }
            var reply = attachment
            reply.role = .reply
            let link = try await Self.linkAttachments(tx, letterID: letterID, [reply], addedBy: actor.userID, at: now)[0]
            try await AuditEntry.record(
                tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: "letter.attachment.add", subjectType: "letter",
                subjectID: String(letterID), after: ["attachment": link.displayName, "sha256": reply.sha256], at: now)
            return try await Self.attachmentViews(tx, letterID: letterID, id: link.id)[0]
        }
    }

    func removeReplyDocument(letterID: Int64, attachmentID: Int64, actor: AuthenticatedStaff, at now: Date) async throws {
        try await backend.write { tx in
            let letter = try await Self.existingLetter(tx, id: letterID)
            try GRDBMailboxStore.enforce(
                LetterWorkflow.refusalToChangeReplyDocuments(try await Self.workflowFacts(tx, letter), by: actor.letterActor, adding: false))
            guard
                let link = try await tx.record(LetterAttachmentRecord.self, "SELECT * FROM letter_attachment WHERE id = \(attachmentID)"),
                link.letterId == letterID
            else {
                throw StoreError.notFound(kind: "attachment", key: String(attachmentID))
            }
            guard link.role == .reply else { throw StoreError.forbidden("only the office's reply documents can be removed") }
            try await tx.execute("DELETE FROM letter_attachment WHERE id = \(attachmentID)")
            try await AuditEntry.record(
                tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: "letter.attachment.remove", subjectType: "letter",
                subjectID: String(letterID), after: ["attachment": link.displayName], at: now)
        }
    }

    // MARK: Reading

    func letterAttachments(letterID: Int64) async throws -> [LetterAttachmentView] {
        try await backend.read { tx in try await Self.attachmentViews(tx, letterID: letterID) }
    }

    func letterAttachment(id: Int64, letterID: Int64) async throws -> LetterAttachmentView {
        try await backend.read { tx in
            guard let view = try await Self.attachmentViews(tx, letterID: letterID, id: id).first else {
                throw StoreError.notFound(kind: "attachment", key: String(id))
            }
            return view
        }
    }

    static func attachmentViews(_ tx: PostgresTransaction, letterID: Int64, id: Int64? = nil) async throws -> [LetterAttachmentView] {
        try await tx.rows(
            """
            SELECT la.id, la.letter_id, la.role, a.kind, a.byte_count, la.display_name, s.display_name AS added_by,
                   la.added_at, a.sha256
            FROM letter_attachment la
            JOIN attachment a ON a.id = la.attachment_id
            LEFT JOIN staff_user s ON s.id = la.added_by
            WHERE la.letter_id = \(letterID) AND (\(id == nil) OR la.id = \(id ?? 0))
            ORDER BY CASE la.role WHEN 'reply' THEN 1 ELSE 0 END, la.id
            """
        ).map { row in
            LetterAttachmentView(
                id: try row.value("id", as: Int64.self), letterId: try row.value("letter_id", as: Int64.self),
                role: AttachmentRole(rawValue: try row.value("role", as: String.self)) ?? .letter,
                kind: AttachmentKind(rawValue: try row.value("kind", as: String.self)) ?? .pdf,
                byteCount: try row.value("byte_count", as: Int.self), displayName: try row.value("display_name", as: String.self),
                addedBy: try row.value("added_by", as: String?.self), addedAt: try row.value("added_at", as: Date.self),
                sha256: try row.value("sha256", as: String.self))
        }
    }
}
