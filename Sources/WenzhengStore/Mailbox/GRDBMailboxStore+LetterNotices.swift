import Foundation
import GRDB
import WenzhengCore

/// Notices about letters, written into the outbox inside the letter's own
/// transaction (docs/notifications.md, "Letters"): a notice exists exactly
/// when its change committed. The words are `LetterNotices`'.
extension GRDBMailboxStore {
    static let letterNoticeSubjectType = "letter"

    /// The shared address of a department, nil when none is set: a
    /// department without one is sent nothing.
    static func noticeAddress(_ db: Database, departmentID: Int64) throws -> String? {
        try String.fetchOne(db, sql: "SELECT notice_email FROM department WHERE id = ?", arguments: [departmentID])
    }

    /// The department that triages the mailbox (`defaultDepartmentName`), if
    /// it exists yet.
    static func triageDepartmentID(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM department WHERE name = ?", arguments: [defaultDepartmentName])
    }

    @discardableResult
    static func enqueueLetterNotice(_ db: Database, _ text: LetterNoticeText, to recipient: String, letterID: Int64, at now: Date) throws
        -> OutboxMessage
    {
        try GRDBNotificationsStore.enqueue(
            db,
            OutgoingNotice(
                kind: text.kind.rawValue, recipient: recipient, subject: text.subject, body: text.body,
                subjectType: letterNoticeSubjectType, subjectID: String(letterID)),
            at: now)
    }

    /// A new letter: the triaging department is told, if it has an address.
    static func noticeLetterReceived(_ db: Database, _ record: LetterRecord, links: LetterNoticeLinks, at now: Date) throws {
        guard let triage = try triageDepartmentID(db), let address = try noticeAddress(db, departmentID: triage) else { return }
        try enqueueLetterNotice(
            db, LetterNotices.received(letterID: record.id!, number: record.number, type: record.type, links: links), to: address,
            letterID: record.id!, at: now)
    }

    /// An assignment: each department given the letter now, lead or
    /// co-handler, that did not have it before is told once. A reassignment
    /// that keeps a department tells it nothing again.
    static func noticeLetterAssigned(
        _ db: Database, _ record: LetterRecord, previously: Set<Int64>, coHandlers: [CoHandler], links: LetterNoticeLinks, at now: Date
    ) throws {
        let given = [(record.leadDepartmentId!, false, record.dueOn)] + coHandlers.map { ($0.departmentID, true, $0.dueOn ?? record.dueOn) }
        for (department, coHandling, due) in given where !previously.contains(department) {
            guard let address = try noticeAddress(db, departmentID: department) else { continue }
            try enqueueLetterNotice(
                db,
                LetterNotices.assigned(
                    letterID: record.id!, number: record.number, type: record.type, dueOn: due, coHandling: coHandling, links: links),
                to: address, letterID: record.id!, at: now)
        }
    }

    /// A follow-up: the lead department is told the letter is back.
    static func noticeLetterReopened(_ db: Database, _ record: LetterRecord, links: LetterNoticeLinks, at now: Date) throws {
        guard let lead = record.leadDepartmentId, let address = try noticeAddress(db, departmentID: lead) else { return }
        try enqueueLetterNotice(
            db, LetterNotices.reopened(letterID: record.id!, number: record.number, type: record.type, dueOn: record.dueOn, links: links),
            to: address, letterID: record.id!, at: now)
    }

    /// The reply went out: a citizen who gave an e-mail address is told,
    /// with the number and the query page, never the reply itself.
    static func noticeLetterReplied(_ db: Database, _ record: LetterRecord, links: LetterNoticeLinks, at now: Date) throws {
        guard let email = record.email, MailAddress.isValid(email) else { return }
        try enqueueLetterNotice(db, LetterNotices.replied(number: record.number, links: links), to: email, letterID: record.id!, at: now)
    }

    /// The departments a letter is assigned to now (lead and co-handlers).
    static func assignedDepartments(_ db: Database, letterID: Int64) throws -> Set<Int64> {
        Set(try LetterAssignmentRecord.filter(LetterAssignmentRecord.Columns.letterId == letterID).fetchAll(db).map(\.departmentId))
    }

    // MARK: The daily digest

    /// Makes the digest of `day` for every department with a notice address
    /// that has none for that day yet, in one transaction: a row in
    /// `letter_digest` per department (its key, department and day, makes
    /// it once even across restarts and with the command line running at
    /// the same time), and a notice for each department with letters to
    /// list. An empty digest is recorded and sends nothing.
    func makeLetterDigests(day: CivilDate, at now: Date) async throws -> [LetterDigestOutcome] {
        try await writer.write { db in
            let calendar = try GRDBCalendarStore.holidayCalendar(db)
            let departments = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, name, notice_email FROM department
                    WHERE notice_email IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM letter_digest WHERE department_id = department.id AND office_day = ?)
                    ORDER BY name, id
                    """,
                arguments: [day])
            var outcomes: [LetterDigestOutcome] = []
            for department in departments {
                let id: Int64 = department["id"]
                let name: String = department["name"]
                let entries = LetterNotices.digestEntries(
                    try Self.digestCandidates(db, departmentID: id, day: day), today: day, calendar: calendar)
                var messageID: Int64?
                if let text = LetterNotices.digest(department: name, day: day, entries: entries, links: links) {
                    let message = try GRDBNotificationsStore.enqueue(
                        db,
                        OutgoingNotice(
                            kind: text.kind.rawValue, recipient: department["notice_email"], subject: text.subject, body: text.body,
                            subjectType: "department", subjectID: String(id)),
                        at: now)
                    messageID = message.id
                }
                try db.execute(
                    sql: """
                        INSERT INTO letter_digest (department_id, office_day, letters, outbox_message_id, created_at)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [id, day, entries.count, messageID, now])
                outcomes.append(
                    LetterDigestOutcome(
                        departmentID: id, department: name, day: day, letters: entries.count, overdue: entries.filter(\.overdue).count,
                        outboxMessageID: messageID))
            }
            return outcomes
        }
    }

    /// Whether a department's digest of `day` was made.
    func letterDigestMade(departmentID: Int64, day: CivilDate) async throws -> Bool {
        try await reader.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM letter_digest WHERE department_id = ? AND office_day = ?)",
                arguments: [departmentID, day]) ?? false
        }
    }

    /// Open letters the department leads or co-handles that have a due
    /// date (its own, as a co-handler), and whether each is overdue on
    /// `day` (`LetterWorkflow.isOverdue`; the sweep's mark counts for the
    /// lead only, as in the deadline lists).
    static func digestCandidates(_ db: Database, departmentID: Int64, day: CivilDate) throws -> [LetterDigestEntry] {
        let open = LetterState.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT letter.id, letter.number, letter.type, letter.state, letter.overdue,
                       COALESCE(letter_assignment.due_on, letter.due_on) AS row_due_on, letter_assignment.is_lead
                FROM letter
                JOIN letter_assignment ON letter_assignment.letter_id = letter.id AND letter_assignment.department_id = ?
                WHERE letter.state IN (\(open)) AND COALESCE(letter_assignment.due_on, letter.due_on) IS NOT NULL
                """,
            arguments: [departmentID])
        return try rows.map { row in
            let due = try row.decode(CivilDate.self, forColumn: "row_due_on")
            let isLead: Bool = row["is_lead"]
            let state = LetterState(rawValue: row["state"])!
            return LetterDigestEntry(
                letterID: row["id"], number: row["number"], type: LetterType(rawValue: row["type"])!, dueOn: due,
                overdue: LetterWorkflow.isOverdue(state: state, dueOn: due, marked: isLead && row["overdue"] as Bool, today: day),
                coHandling: !isLead)
        }
    }
}
