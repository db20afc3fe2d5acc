import Foundation
import PostgresNIO
import WenzhengCore

/// `PrivacyStore` on PostgreSQL: `GRDBPrivacyStore`'s lookups, erasures and
/// retention pass over the same rows and columns, one transaction each.
/// Phone numbers are compared in Swift (`PersonalDataRequest.matchesPhone`)
/// as there; e-mail addresses in SQL, lower-cased.
struct PostgresPrivacyStore: PrivacyStore {
    let backend: PostgresBackend

    func personalData(for request: PersonalDataRequest, at now: Date) async throws -> PersonalDataReport {
        try await backend.read { tx in try await Self.report(tx, for: request, at: now) }
    }

    func erasePersonalData(for request: PersonalDataRequest, actor: AuditActor, at now: Date) async throws -> PersonalDataErasure {
        try await backend.write { tx in
            let report = try await Self.report(tx, for: request, at: now)
            var erasure = PersonalDataErasure()
            for letter in report.letters {
                if let reason = letter.notErasableBecause {
                    erasure.skipped.append("letter \(letter.number): \(reason)")
                    continue
                }
                erasure.orphanedAttachments += try await Self.eraseLetter(tx, id: letter.id, actor: actor, reason: "request", at: now)
                erasure.lettersErased.append(letter.number)
            }
            for registration in report.registrations {
                if let reason = registration.notErasableBecause {
                    erasure.skipped.append("open-day registration \(registration.id): \(reason)")
                    continue
                }
                erasure.noticesDeleted += try await Self.deleteRegistration(tx, id: registration.id, actor: actor, at: now)
                erasure.registrationsDeleted.append(registration.id)
            }
            for question in report.questions {
                try await tx.execute("UPDATE interview_question SET contact = NULL WHERE id = \(question.id)")
                try await AuditEntry.record(
                    tx, actor: actor, action: "interview_question.personal_data_erase", subjectType: "interview_question",
                    subjectID: String(question.id), after: ["reason": "request", "cleared": "contact"], at: now)
                erasure.questionsCleared.append(question.id)
            }
            // Notices to the address that remain (those about a deleted
            // registration went with it).
            for notice in report.notices {
                erasure.noticesDeleted += try await tx.count("DELETE FROM outbox_message WHERE id = \(notice.id) RETURNING 1")
            }
            if erasure.noticesDeleted > 0 {
                try await AuditEntry.record(
                    tx, actor: actor, action: "outbox_message.personal_data_erase", subjectType: "outbox_message", subjectID: nil,
                    after: ["reason": "request", "deleted": String(erasure.noticesDeleted)], at: now)
            }
            return erasure
        }
    }

    func purgeExpiredPersonalData(policy: RetentionPolicy, at now: Date, limit: Int) async throws -> RetentionPurge {
        try await backend.write { tx in
            var purge = RetentionPurge()
            if let cutoff = policy.letterCutoff(now: now) {
                let ids = try await tx.rows(
                    """
                    SELECT letter.id FROM letter
                    WHERE letter.personal_data_erased_at IS NULL
                      AND letter.state = ANY(\(GRDBPrivacyStore.closedLetterStates))
                      AND (SELECT MAX(recorded_at) FROM letter_event WHERE letter_event.letter_id = letter.id) < \(cutoff)
                    ORDER BY letter.id LIMIT \(limit)
                    """
                ).map { try $0.value("id", as: Int64.self) }
                for id in ids {
                    purge.orphanedAttachments += try await Self.eraseLetter(tx, id: id, actor: .retention, reason: "retention", at: now)
                }
                purge.lettersErased = ids.count
            }
            if let cutoff = policy.registrationCutoff(now: now) {
                // Open days that ended (or were cancelled) before the cutoff
                // and still have registrations.
                let days = try await tx.rows(
                    """
                    SELECT open_day.id, open_day.title,
                           COUNT(*) AS registrations,
                           COALESCE(SUM(CASE WHEN r.status = 'checked_in' THEN r.party_size END), 0)::bigint AS checked_in_people,
                           COALESCE(SUM(CASE WHEN r.status IN ('registered', 'checked_in') THEN r.party_size END), 0)::bigint AS seated_people
                    FROM open_day JOIN open_day_registration AS r ON r.open_day_id = open_day.id
                    WHERE open_day.starts_at + open_day.duration_minutes * INTERVAL '1 minute' < \(cutoff)
                    GROUP BY open_day.id ORDER BY open_day.id
                    """)
                for day in days {
                    let id = try day.value("id", as: Int64.self)
                    // The day's numbers outlive the rows: the audit log keeps them.
                    try await AuditEntry.record(
                        tx, actor: .retention, action: "open_day.registrations_purge", subjectType: "open_day", subjectID: String(id),
                        after: [
                            "registrations": try day.value("registrations", as: Int.self),
                            "seatedPeople": try day.value("seated_people", as: Int.self),
                            "checkedInPeople": try day.value("checked_in_people", as: Int.self),
                        ], at: now)
                    purge.noticesDeleted += try await tx.count(
                        """
                        DELETE FROM outbox_message WHERE subject_type = 'open_day_registration'
                          AND subject_id IN (SELECT CAST(id AS TEXT) FROM open_day_registration WHERE open_day_id = \(id))
                        RETURNING 1
                        """)
                    purge.registrationsDeleted += try await tx.count(
                        "DELETE FROM open_day_registration WHERE open_day_id = \(id) RETURNING 1")
                }
                // Notices delivered or given up on before the cutoff: their
                // bodies greet people by name.
                let oldNotices = try await tx.count(
                    """
                    DELETE FROM outbox_message
                    WHERE (sent_at IS NOT NULL AND sent_at < \(cutoff)) OR (abandoned_at IS NOT NULL AND abandoned_at < \(cutoff))
                    RETURNING 1
                    """)
                purge.noticesDeleted += oldNotices
                if oldNotices > 0 {
                    try await AuditEntry.record(
                        tx, actor: .retention, action: "outbox_message.personal_data_erase", subjectType: "outbox_message",
                        subjectID: nil, after: ["reason": "retention", "deleted": String(oldNotices)], at: now)
                }
            }
            return purge
        }
    }

    // MARK: Finding

    static func report(_ tx: PostgresTransaction, for request: PersonalDataRequest, at now: Date) async throws -> PersonalDataReport {
        PersonalDataReport(
            request: request.description, letters: try await letters(tx, for: request),
            registrations: try await registrations(tx, for: request, at: now),
            questions: try await questions(tx, for: request), notices: try await notices(tx, for: request))
    }

    static func letters(_ tx: PostgresTransaction, for request: PersonalDataRequest) async throws -> [HeldLetter] {
        let ids: [Int64]
        switch request {
        case .email(let address):
            ids = try await tx.rows("SELECT id FROM letter WHERE LOWER(TRIM(email)) = \(address) ORDER BY id")
                .map { try $0.value("id", as: Int64.self) }
        case .phone:
            ids = try await tx.rows("SELECT id, phone FROM letter WHERE phone IS NOT NULL ORDER BY id")
                .filter { request.matchesPhone(try $0.value("phone", as: String.self)) }
                .map { try $0.value("id", as: Int64.self) }
        }
        var letters: [HeldLetter] = []
        for id in ids {
            guard let row = try await tx.row("SELECT * FROM letter WHERE id = \(id)") else { continue }
            let attachments = try await tx.rows(
                """
                SELECT letter_attachment.role, letter_attachment.display_name, attachment.sha256, attachment.byte_count
                FROM letter_attachment JOIN attachment ON attachment.id = letter_attachment.attachment_id
                WHERE letter_attachment.letter_id = \(id) AND letter_attachment.role <> 'reply' ORDER BY letter_attachment.id
                """
            ).map {
                HeldAttachment(
                    role: try $0.value("role"), displayName: try $0.value("display_name"), sha256: try $0.value("sha256"),
                    byteCount: try $0.value("byte_count", as: Int.self))
            }
            let state = try row.value("state", as: String.self)
            letters.append(
                HeldLetter(
                    id: id, number: try row.value("number"), type: try row.value("type"), state: state, subject: try row.value("subject"),
                    body: try row.value("body"), authorName: try row.value("author_name"), phone: try row.value("phone"),
                    email: try row.value("email"), mayPublish: try row.value("may_publish"),
                    clientAddress: try row.value("client_address"), receivedAt: try row.value("received_at"),
                    replyBody: try row.value("reply_body"), repliedAt: try row.value("replied_at"),
                    followUpText: try row.value("follow_up_text"), publishedAt: try row.value("published_at"),
                    attachments: attachments,
                    notErasableBecause: GRDBPrivacyStore.closedLetterStates.contains(state)
                        ? nil : "still being handled (\(state)): answer or close it first"))
        }
        return letters
    }

    static func registrations(_ tx: PostgresTransaction, for request: PersonalDataRequest, at now: Date) async throws -> [HeldRegistration] {
        let condition: PostgresQuery
        switch request {
        case .email(let address):
            condition = """
                SELECT r.*, open_day.title, open_day.starts_at,
                       open_day.starts_at + open_day.duration_minutes * INTERVAL '1 minute' < \(now) AS ended,
                       open_day.state AS day_state
                FROM open_day_registration AS r JOIN open_day ON open_day.id = r.open_day_id
                WHERE LOWER(TRIM(r.email)) = \(address) ORDER BY r.id
                """
        case .phone(let digits):
            condition = """
                SELECT r.*, open_day.title, open_day.starts_at,
                       open_day.starts_at + open_day.duration_minutes * INTERVAL '1 minute' < \(now) AS ended,
                       open_day.state AS day_state
                FROM open_day_registration AS r JOIN open_day ON open_day.id = r.open_day_id
                WHERE r.phone = \(digits) ORDER BY r.id
                """
        }
        return try await tx.rows(condition).map { row in
            let status = try row.value("status", as: String.self)
            let over = try row.value("ended", as: Bool.self) || status == "cancelled" || (try row.value("day_state", as: String.self)) == "cancelled"
            return HeldRegistration(
                id: try row.value("id"), openDayID: try row.value("open_day_id"), openDayTitle: try row.value("title"),
                openDayStartsAt: try row.value("starts_at"), name: try row.value("name"), phone: try row.value("phone"),
                email: try row.value("email"), partySize: try row.value("party_size", as: Int.self), status: status,
                registeredAt: try row.value("registered_at"),
                notErasableBecause: over
                    ? nil : "the open day is still to come and the registration is \(status): cancel it first (staff page or its code)")
        }
    }

    static func questions(_ tx: PostgresTransaction, for request: PersonalDataRequest) async throws -> [HeldQuestion] {
        try await tx.rows(
            """
            SELECT q.id, q.interview_id, interview.title, q.text, q.nickname, q.contact, q.client_address, q.state, q.created_at
            FROM interview_question AS q JOIN interview ON interview.id = q.interview_id
            WHERE q.contact IS NOT NULL ORDER BY q.id
            """
        )
        .filter { request.isNamed(in: try $0.value("contact", as: String?.self)) }
        .map { row in
            HeldQuestion(
                id: try row.value("id"), interviewID: try row.value("interview_id"), interviewTitle: try row.value("title"),
                text: try row.value("text"), nickname: try row.value("nickname"), contact: try row.value("contact"),
                clientAddress: try row.value("client_address"), state: try row.value("state"), createdAt: try row.value("created_at"))
        }
    }

    static func notices(_ tx: PostgresTransaction, for request: PersonalDataRequest) async throws -> [HeldNotice] {
        guard case .email(let address) = request else { return [] }
        return try await tx.rows("SELECT * FROM outbox_message WHERE LOWER(TRIM(recipient)) = \(address) ORDER BY id").map { row in
            HeldNotice(
                id: try row.value("id"), kind: try row.value("kind"), recipient: try row.value("recipient"),
                subject: try row.value("subject"), createdAt: try row.value("created_at"), sentAt: try row.value("sent_at"))
        }
    }

    // MARK: Erasing

    /// Blanks one letter's personal fields and removes the citizen's
    /// attachments; returns the hashes of files no row names any more.
    static func eraseLetter(_ tx: PostgresTransaction, id: Int64, actor: AuditActor, reason: String, at now: Date) async throws -> [String] {
        try await tx.execute(
            """
            UPDATE letter SET author_name = \(ErasedPersonalData.name), phone = NULL, email = NULL, client_address = NULL,
                personal_data_erased_at = \(now), updated_at = \(now)
            WHERE id = \(id)
            """)
        // The moderation queue kept the author's name beside the text it
        // checked before publication.
        try await tx.execute(
            "UPDATE moderation_item SET author_name = NULL WHERE id = (SELECT moderation_item_id FROM letter WHERE id = \(id))")
        let attachmentIDs = try await tx.rows(
            """
            SELECT DISTINCT attachment_id FROM letter_attachment WHERE letter_id = \(id) AND role <> 'reply' ORDER BY attachment_id
            """
        ).map { try $0.value("attachment_id", as: Int64.self) }
        let removedAttachments = try await tx.count(
            "DELETE FROM letter_attachment WHERE letter_id = \(id) AND role <> 'reply' RETURNING 1")
        var orphaned: [String] = []
        for attachmentID in attachmentIDs {
            let stillUsed =
                try await tx.scalar("SELECT EXISTS (SELECT 1 FROM letter_attachment WHERE attachment_id = \(attachmentID))", as: Bool.self)
                ?? true
            guard !stillUsed,
                let hash = try await tx.scalar("SELECT sha256 FROM attachment WHERE id = \(attachmentID)", as: String.self)
            else { continue }
            try await tx.execute("DELETE FROM attachment WHERE id = \(attachmentID)")
            orphaned.append(hash)
        }
        try await AuditEntry.record(
            tx, actor: actor, action: "letter.personal_data_erase", subjectType: "letter", subjectID: String(id),
            after: ["reason": reason, "attachmentsRemoved": String(removedAttachments)], at: now)
        return orphaned
    }

    /// Deletes one registration and the notices about it; returns how many
    /// notices went.
    static func deleteRegistration(_ tx: PostgresTransaction, id: Int64, actor: AuditActor, at now: Date) async throws -> Int {
        let notices = try await tx.count(
            "DELETE FROM outbox_message WHERE subject_type = 'open_day_registration' AND subject_id = \(String(id)) RETURNING 1")
        try await tx.execute("DELETE FROM open_day_registration WHERE id = \(id)")
        try await AuditEntry.record(
            tx, actor: actor, action: "open_day.registration_personal_data_erase", subjectType: "open_day_registration",
            subjectID: String(id), after: ["reason": "request", "noticesDeleted": String(notices)], at: now)
        return notices
    }
}
