import Foundation
import PostgresNIO
import WenzhengCore

/// Notices about letters on PostgreSQL, written into the outbox inside the
/// letter's own transaction (`GRDBMailboxStore+LetterNotices.swift`): a
/// notice exists exactly when its change committed.
extension PostgresMailboxStore {
    static func noticeAddress(_ tx: PostgresTransaction, departmentID: Int64) async throws -> String? {
        try await tx.scalar("SELECT notice_email FROM department WHERE id = \(departmentID)", as: String.self)
    }

    static func triageDepartmentID(_ tx: PostgresTransaction) async throws -> Int64? {
        try await tx.scalar("SELECT id FROM department WHERE name = \(defaultDepartmentName)", as: Int64.self)
    }

    @discardableResult
    static func enqueueLetterNotice(_ tx: PostgresTransaction, _ text: LetterNoticeText, to recipient: String, letterID: Int64, at now: Date)
        async throws -> OutboxMessage
    {
        try await PostgresNotificationsStore.enqueue(
            tx,
            OutgoingNotice(
                kind: text.kind.rawValue, recipient: recipient, subject: text.subject, body: text.body,
                subjectType: GRDBMailboxStore.letterNoticeSubjectType, subjectID: String(letterID)),
            at: now)
    }

    /// A new letter: the triaging department is told, if it has an address.
    static func noticeLetterReceived(_ tx: PostgresTransaction, _ record: LetterRecord, links: LetterNoticeLinks, at now: Date) async throws {
        guard let triage = try await triageDepartmentID(tx), let address = try await noticeAddress(tx, departmentID: triage) else { return }
        try await enqueueLetterNotice(
            tx, LetterNotices.received(letterID: record.id!, number: record.number, type: record.type, links: links), to: address,
            letterID: record.id!, at: now)
    }

    /// An assignment: each department given the letter now that did not
    /// have it before is told once.
    static func noticeLetterAssigned(
        _ tx: PostgresTransaction, _ record: LetterRecord, previously: Set<Int64>, coHandlers: [CoHandler], links: LetterNoticeLinks,
        at now: Date
    ) async throws {
        let given = [(record.leadDepartmentId!, false, record.dueOn)] + coHandlers.map { ($0.departmentID, true, $0.dueOn ?? record.dueOn) }
        for (department, coHandling, due) in given where !previously.contains(department) {
            guard let address = try await noticeAddress(tx, departmentID: department) else { continue }
            try await enqueueLetterNotice(
                tx,
                LetterNotices.assigned(
                    letterID: record.id!, number: record.number, type: record.type, dueOn: due, coHandling: coHandling, links: links),
                to: address, letterID: record.id!, at: now)
        }
    }

    /// A follow-up: the lead department is told the letter is back.
    static func noticeLetterReopened(_ tx: PostgresTransaction, _ record: LetterRecord, links: LetterNoticeLinks, at now: Date) async throws {
        guard let lead = record.leadDepartmentId, let address = try await noticeAddress(tx, departmentID: lead) else { return }
        try await enqueueLetterNotice(
            tx, LetterNotices.reopened(letterID: record.id!, number: record.number, type: record.type, dueOn: record.dueOn, links: links),
            to: address, letterID: record.id!, at: now)
    }

    /// The reply went out: a citizen who gave an e-mail address is told.
    static func noticeLetterReplied(_ tx: PostgresTransaction, _ record: LetterRecord, links: LetterNoticeLinks, at now: Date) async throws {
        guard let email = record.email, MailAddress.isValid(email) else { return }
        try await enqueueLetterNotice(tx, LetterNotices.replied(number: record.number, links: links), to: email, letterID: record.id!, at: now)
    }

    /// The departments a letter is assigned to now (lead and co-handlers).
    static func assignedDepartments(_ tx: PostgresTransaction, letterID: Int64) async throws -> Set<Int64> {
        Set(
            try await tx.rows("SELECT department_id FROM letter_assignment WHERE letter_id = \(letterID)")
                .map { try $0.value("department_id", as: Int64.self) })
    }

    // MARK: The daily digest

    func makeLetterDigests(day: CivilDate, at now: Date) async throws -> [LetterDigestOutcome] {
        let links = links
        return try await backend.write { tx in
            let calendar = try await PostgresCalendarStore.holidayCalendar(tx)
            let departments = try await tx.rows(
                """
                SELECT id, name, notice_email FROM department
                WHERE notice_email IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM letter_digest WHERE department_id = department.id AND office_day = \(day))
                ORDER BY name, id
                """)
            var outcomes: [LetterDigestOutcome] = []
            for department in departments {
                let id = try department.value("id", as: Int64.self)
                let name = try department.value("name", as: String.self)
                let entries = LetterNotices.digestEntries(
                    try await Self.digestCandidates(tx, departmentID: id, day: day), today: day, calendar: calendar)
                var messageID: Int64?
                if let text = LetterNotices.digest(department: name, day: day, entries: entries, links: links) {
                    let message = try await PostgresNotificationsStore.enqueue(
                        tx,
                        OutgoingNotice(
                            kind: text.kind.rawValue, recipient: try department.value("notice_email", as: String.self), subject: text.subject,
                            body: text.body, subjectType: "department", subjectID: String(id)),
                        at: now)
                    messageID = message.id
                }
                try await tx.execute(
                    """
                    INSERT INTO letter_digest (department_id, office_day, letters, outbox_message_id, created_at)
                    VALUES (\(id), \(day), \(entries.count), \(messageID), \(now))
                    """)
                outcomes.append(
                    LetterDigestOutcome(
                        departmentID: id, department: name, day: day, letters: entries.count, overdue: entries.filter(\.overdue).count,
                        outboxMessageID: messageID))
            }
            return outcomes
        }
    }

    func letterDigestMade(departmentID: Int64, day: CivilDate) async throws -> Bool {
        try await backend.read { tx in
            try await tx.scalar(
                "SELECT EXISTS (SELECT 1 FROM letter_digest WHERE department_id = \(departmentID) AND office_day = \(day))", as: Bool.self)
                ?? false
        }
    }

    /// Open letters the department leads or co-handles that have a due
    /// date, and whether each is overdue on `day`.
    static func digestCandidates(_ tx: PostgresTransaction, departmentID: Int64, day: CivilDate) async throws -> [LetterDigestEntry] {
        let open = LetterState.allCases.filter(\.isOpen).map(\.rawValue)
        // SQLite returns these in its join's order and the digest sorts
        // them (`LetterNotices.digestEntries`); a total order here keeps
        // the input stable.
        let rows = try await tx.rows(
            """
            SELECT letter.id, letter.number, letter.type, letter.state, letter.overdue,
                   COALESCE(letter_assignment.due_on, letter.due_on) AS row_due_on, letter_assignment.is_lead
            FROM letter
            JOIN letter_assignment ON letter_assignment.letter_id = letter.id AND letter_assignment.department_id = \(departmentID)
            WHERE letter.state = ANY(\(open)) AND COALESCE(letter_assignment.due_on, letter.due_on) IS NOT NULL
            ORDER BY letter.id
            """)
        return try rows.map { row in
            let due = try row.value("row_due_on", as: CivilDate.self)
            let isLead = try row.value("is_lead", as: Bool.self)
            let state = try row.value(rawValueOf: "state", as: LetterState.self)
            return LetterDigestEntry(
                letterID: try row.value("id", as: Int64.self), number: try row.value("number", as: String.self),
                type: try row.value(rawValueOf: "type", as: LetterType.self), dueOn: due,
                overdue: LetterWorkflow.isOverdue(
                    state: state, dueOn: due, marked: try isLead && row.value("overdue", as: Bool.self), today: day),
                coHandling: !isLead)
        }
    }
}
