import Foundation
import GRDB
import WenzhengCore

/// `PrivacyStore` over the shared SQLite connection pool (GRDB).
///
/// Phone numbers in letters and interview contacts are stored as the
/// citizen typed them, so they are compared in Swift
/// (`PersonalDataRequest.matchesPhone`), reading only the ids and contact
/// columns of rows that still have one; e-mail addresses are compared in
/// SQL, without regard to case.
struct GRDBPrivacyStore: PrivacyStore {
    let writer: any DatabaseWriter

    /// Letters no longer owed a reply (`LetterState.isOpen`).
    static let closedLetterStates = LetterState.allCases.filter { !$0.isOpen }.map(\.rawValue)

    func personalData(for request: PersonalDataRequest, at now: Date) async throws -> PersonalDataReport {
        try await writer.read { db in try Self.report(db, for: request, at: now) }
    }

    func erasePersonalData(for request: PersonalDataRequest, actor: AuditActor, at now: Date) async throws -> PersonalDataErasure {
        try await writer.write { db in
            let report = try Self.report(db, for: request, at: now)
            var erasure = PersonalDataErasure()
            for letter in report.letters {
                if let reason = letter.notErasableBecause {
                    erasure.skipped.append("letter \(letter.number): \(reason)")
                    continue
                }
                erasure.orphanedAttachments += try Self.eraseLetter(db, id: letter.id, actor: actor, reason: "request", at: now)
                erasure.lettersErased.append(letter.number)
            }
            for registration in report.registrations {
                if let reason = registration.notErasableBecause {
                    erasure.skipped.append("open-day registration \(registration.id): \(reason)")
                    continue
                }
                erasure.noticesDeleted += try Self.deleteRegistration(db, id: registration.id, actor: actor, at: now)
                erasure.registrationsDeleted.append(registration.id)
            }
            for question in report.questions {
                try db.execute(sql: "UPDATE interview_question SET contact = NULL WHERE id = ?", arguments: [question.id])
                try AuditEntry.record(
                    db, actor: actor, action: "interview_question.personal_data_erase", subjectType: "interview_question",
                    subjectID: String(question.id), after: ["reason": "request", "cleared": "contact"], at: now)
                erasure.questionsCleared.append(question.id)
            }
            // Notices to the address that remain (those about a deleted
            // registration went with it).
            for notice in report.notices {
                try db.execute(sql: "DELETE FROM outbox_message WHERE id = ?", arguments: [notice.id])
                erasure.noticesDeleted += db.changesCount
            }
            if erasure.noticesDeleted > 0 {
                try AuditEntry.record(
                    db, actor: actor, action: "outbox_message.personal_data_erase", subjectType: "outbox_message", subjectID: nil,
                    after: ["reason": "request", "deleted": String(erasure.noticesDeleted)], at: now)
            }
            return erasure
        }
    }

    func purgeExpiredPersonalData(policy: RetentionPolicy, at now: Date, limit: Int) async throws -> RetentionPurge {
        try await writer.write { db in
            var purge = RetentionPurge()
            if let cutoff = policy.letterCutoff(now: now) {
                let ids = try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT letter.id FROM letter
                        WHERE letter.personal_data_erased_at IS NULL
                          AND letter.state IN (\(Self.closedLetterStates.map { "'\($0)'" }.joined(separator: ", ")))
                          AND (SELECT MAX(recorded_at) FROM letter_event WHERE letter_event.letter_id = letter.id) < ?
                        ORDER BY letter.id LIMIT ?
                        """,
                    arguments: [cutoff, limit])
                for id in ids {
                    purge.orphanedAttachments += try Self.eraseLetter(db, id: id, actor: .retention, reason: "retention", at: now)
                }
                purge.lettersErased = ids.count
            }
            if let cutoff = policy.registrationCutoff(now: now) {
                // Open days that ended (or were cancelled) before the cutoff
                // and still have registrations.
                let days = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT open_day.id, open_day.title,
                               COUNT(*) AS registrations,
                               COALESCE(SUM(CASE WHEN r.status = 'checked_in' THEN r.party_size END), 0) AS checked_in_people,
                               COALESCE(SUM(CASE WHEN r.status IN ('registered', 'checked_in') THEN r.party_size END), 0) AS seated_people
                        FROM open_day JOIN open_day_registration AS r ON r.open_day_id = open_day.id
                        WHERE datetime(open_day.starts_at, '+' || open_day.duration_minutes || ' minutes') < datetime(?)
                        GROUP BY open_day.id ORDER BY open_day.id
                        """,
                    arguments: [cutoff])
                for day in days {
                    let id: Int64 = day["id"]
                    // The day's numbers outlive the rows: the audit log keeps them.
                    try AuditEntry.record(
                        db, actor: .retention, action: "open_day.registrations_purge", subjectType: "open_day", subjectID: String(id),
                        after: [
                            "registrations": day["registrations"] as Int, "seatedPeople": day["seated_people"] as Int,
                            "checkedInPeople": day["checked_in_people"] as Int,
                        ], at: now)
                    try db.execute(
                        sql: """
                            DELETE FROM outbox_message WHERE subject_type = 'open_day_registration'
                              AND subject_id IN (SELECT CAST(id AS TEXT) FROM open_day_registration WHERE open_day_id = ?)
                            """,
                        arguments: [id])
                    purge.noticesDeleted += db.changesCount
                    try db.execute(sql: "DELETE FROM open_day_registration WHERE open_day_id = ?", arguments: [id])
                    purge.registrationsDeleted += db.changesCount
                }
                // Notices delivered or given up on before the cutoff: their
                // bodies greet people by name.
                try db.execute(
                    sql: """
                        DELETE FROM outbox_message
                        WHERE (sent_at IS NOT NULL AND sent_at < ?) OR (abandoned_at IS NOT NULL AND abandoned_at < ?)
                        """,
                    arguments: [cutoff, cutoff])
                let oldNotices = db.changesCount
                purge.noticesDeleted += oldNotices
                if oldNotices > 0 {
                    try AuditEntry.record(
                        db, actor: .retention, action: "outbox_message.personal_data_erase", subjectType: "outbox_message",
                        subjectID: nil, after: ["reason": "retention", "deleted": String(oldNotices)], at: now)
                }
            }
            return purge
        }
    }

    // MARK: Finding

    static func report(_ db: Database, for request: PersonalDataRequest, at now: Date) throws -> PersonalDataReport {
        PersonalDataReport(
            request: request.description, letters: try letters(db, for: request),
            registrations: try registrations(db, for: request, at: now),
            questions: try questions(db, for: request), notices: try notices(db, for: request))
    }

    static func letters(_ db: Database, for request: PersonalDataRequest) throws -> [HeldLetter] {
        let ids: [Int64]
        switch request {
        case .email(let address):
            ids = try Int64.fetchAll(db, sql: "SELECT id FROM letter WHERE LOWER(TRIM(email)) = ? ORDER BY id", arguments: [address])
        case .phone:
            ids = try Row.fetchAll(db, sql: "SELECT id, phone FROM letter WHERE phone IS NOT NULL ORDER BY id")
                .filter { request.matchesPhone($0["phone"]) }.map { $0["id"] }
        }
        return try ids.map { id in
            let row = try Row.fetchOne(db, sql: "SELECT * FROM letter WHERE id = ?", arguments: [id])!
            let attachments = try Row.fetchAll(
                db,
                sql: """
                    SELECT letter_attachment.role, letter_attachment.display_name, attachment.sha256, attachment.byte_count
                    FROM letter_attachment JOIN attachment ON attachment.id = letter_attachment.attachment_id
                    WHERE letter_attachment.letter_id = ? AND letter_attachment.role <> 'reply' ORDER BY letter_attachment.id
                    """,
                arguments: [id]
            ).map { HeldAttachment(role: $0["role"], displayName: $0["display_name"], sha256: $0["sha256"], byteCount: $0["byte_count"]) }
            let state: String = row["state"]
            return HeldLetter(
                id: id, number: row["number"], type: row["type"], state: state, subject: row["subject"], body: row["body"],
                authorName: row["author_name"], phone: row["phone"], email: row["email"], mayPublish: row["may_publish"],
                clientAddress: row["client_address"], receivedAt: row["received_at"], replyBody: row["reply_body"],
                repliedAt: row["replied_at"], followUpText: row["follow_up_text"], publishedAt: row["published_at"],
                attachments: attachments,
                notErasableBecause: closedLetterStates.contains(state) ? nil : "still being handled (\(state)): answer or close it first")
        }
    }

    static func registrations(_ db: Database, for request: PersonalDataRequest, at now: Date) throws -> [HeldRegistration] {
        let condition: String
        let argument: String
        switch request {
        case .email(let address): (condition, argument) = ("LOWER(TRIM(r.email)) = ?", address)
        case .phone(let digits): (condition, argument) = ("r.phone = ?", digits)
        }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT r.*, open_day.title, open_day.starts_at,
                       datetime(open_day.starts_at, '+' || open_day.duration_minutes || ' minutes') < datetime(?) AS ended,
                       open_day.state AS day_state
                FROM open_day_registration AS r JOIN open_day ON open_day.id = r.open_day_id
                WHERE \(condition) ORDER BY r.id
                """,
            arguments: [now, argument]
        ).map { row in
            let status: String = row["status"]
            let over = (row["ended"] as Bool) || status == "cancelled" || (row["day_state"] as String) == "cancelled"
            return HeldRegistration(
                id: row["id"], openDayID: row["open_day_id"], openDayTitle: row["title"], openDayStartsAt: row["starts_at"],
                name: row["name"], phone: row["phone"], email: row["email"], partySize: row["party_size"], status: status,
                registeredAt: row["registered_at"],
                notErasableBecause: over
                    ? nil : "the open day is still to come and the registration is \(status): cancel it first (staff page or its code)")
        }
    }

    static func questions(_ db: Database, for request: PersonalDataRequest) throws -> [HeldQuestion] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT q.id, q.interview_id, interview.title, q.text, q.nickname, q.contact, q.client_address, q.state, q.created_at
                FROM interview_question AS q JOIN interview ON interview.id = q.interview_id
                WHERE q.contact IS NOT NULL ORDER BY q.id
                """
        )
        .filter { request.isNamed(in: $0["contact"]) }
        .map { row in
            HeldQuestion(
                id: row["id"], interviewID: row["interview_id"], interviewTitle: row["title"], text: row["text"], nickname: row["nickname"],
                contact: row["contact"], clientAddress: row["client_address"], state: row["state"], createdAt: row["created_at"])
        }
    }

    static func notices(_ db: Database, for request: PersonalDataRequest) throws -> [HeldNotice] {
        guard case .email(let address) = request else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT * FROM outbox_message WHERE LOWER(TRIM(recipient)) = ? ORDER BY id", arguments: [address]
        ).map { row in
            HeldNotice(
                id: row["id"], kind: row["kind"], recipient: row["recipient"], subject: row["subject"], createdAt: row["created_at"],
                sentAt: row["sent_at"])
        }
    }

    // MARK: Erasing

    /// Blanks one letter's personal fields and removes the citizen's
    /// attachments; returns the hashes of files no row names any more.
    static func eraseLetter(_ db: Database, id: Int64, actor: AuditActor, reason: String, at now: Date) throws -> [String] {
        try db.execute(
            sql: """
                UPDATE letter SET author_name = ?, phone = NULL, email = NULL, client_address = NULL,
                    personal_data_erased_at = ?, updated_at = ?
                WHERE id = ?
                """,
            arguments: [ErasedPersonalData.name, now, now, id])
        // The moderation queue kept the author's name beside the text it
        // checked before publication.
        try db.execute(
            sql: "UPDATE moderation_item SET author_name = NULL WHERE id = (SELECT moderation_item_id FROM letter WHERE id = ?)",
            arguments: [id])
        let attachmentIDs = try Int64.fetchAll(
            db, sql: "SELECT DISTINCT attachment_id FROM letter_attachment WHERE letter_id = ? AND role <> 'reply'", arguments: [id])
        try db.execute(sql: "DELETE FROM letter_attachment WHERE letter_id = ? AND role <> 'reply'", arguments: [id])
        let removedAttachments = db.changesCount
        var orphaned: [String] = []
        for attachmentID in attachmentIDs {
            let stillUsed = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM letter_attachment WHERE attachment_id = ?)", arguments: [attachmentID]) ?? true
            guard !stillUsed, let hash = try String.fetchOne(db, sql: "SELECT sha256 FROM attachment WHERE id = ?", arguments: [attachmentID])
            else { continue }
            try db.execute(sql: "DELETE FROM attachment WHERE id = ?", arguments: [attachmentID])
            orphaned.append(hash)
        }
        try AuditEntry.record(
            db, actor: actor, action: "letter.personal_data_erase", subjectType: "letter", subjectID: String(id),
            after: ["reason": reason, "attachmentsRemoved": String(removedAttachments)], at: now)
        return orphaned
    }

    /// Deletes one registration and the notices about it; returns how many
    /// notices went.
    static func deleteRegistration(_ db: Database, id: Int64, actor: AuditActor, at now: Date) throws -> Int {
        try db.execute(
            sql: "DELETE FROM outbox_message WHERE subject_type = 'open_day_registration' AND subject_id = ?", arguments: [String(id)])
        let notices = db.changesCount
        try db.execute(sql: "DELETE FROM open_day_registration WHERE id = ?", arguments: [id])
        try AuditEntry.record(
            db, actor: actor, action: "open_day.registration_personal_data_erase", subjectType: "open_day_registration",
            subjectID: String(id), after: ["reason": "request", "noticesDeleted": String(notices)], at: now)
        return notices
    }
}
