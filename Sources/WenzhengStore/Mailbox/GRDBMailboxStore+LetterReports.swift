import Foundation
import GRDB
import WenzhengCore

extension GRDBMailboxStore {
    // MARK: Statistics

    /// Per reply department, the replies sent from `from` to `to` (office
    /// dates, inclusive): how many, how many on time (sent on or before
    /// the deadline of their own period; a reply while the clock was
    /// stopped counts as on time), the median working days the clock
    /// counted (time stopped for a consultation or waiting for a
    /// correction left out), and the citizens' ratings. A follow-up's
    /// answer is a reply of its own. By department name.
    func departmentStatistics(from: CivilDate, to: CivilDate) async throws -> [DepartmentLetterStatistics] {
        guard from <= to else {
            throw StoreError.invalid(ValidationFailure([.invalid("to", "the period ends before it starts")]))
        }
        return try await reader.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT letter_reply.department_id, department.name, letter_reply.replied_on, letter_reply.due_on,
                           letter_reply.working_days, letter_reply.rating
                    FROM letter_reply JOIN department ON department.id = letter_reply.department_id
                    WHERE letter_reply.replied_on BETWEEN ? AND ?
                    ORDER BY department.name, letter_reply.id
                    """,
                arguments: [from, to])
            var order: [Int64] = []
            var byDepartment: [Int64: (name: String, rows: [Row])] = [:]
            for row in rows {
                let id: Int64 = row["department_id"]
                if byDepartment[id] == nil {
                    order.append(id)
                    byDepartment[id] = (row["name"], [])
                }
                byDepartment[id]!.rows.append(row)
            }
            return try order.map { id in
                let (name, rows) = byDepartment[id]!
                var onTime = 0
                var days: [Int] = []
                var ratings: [ReplyRating?: Int] = [:]
                for row in rows {
                    let replied = try row.decode(CivilDate.self, forColumn: "replied_on")
                    let due = try row.decode(CivilDate?.self, forColumn: "due_on")
                    if due.map({ replied <= $0 }) ?? true { onTime += 1 }
                    if let workingDays = row["working_days"] as Int? { days.append(workingDays) }
                    let rating = (row["rating"] as String?).flatMap(ReplyRating.init(rawValue:))
                    ratings[rating, default: 0] += 1
                }
                return DepartmentLetterStatistics(
                    departmentId: id, department: name, replied: rows.count, repliedOnTime: onTime,
                    onTimeRate: rows.isEmpty ? 0 : Double(onTime) / Double(rows.count),
                    medianWorkingDaysToReply: LetterRules.median(days), satisfied: ratings[.satisfied] ?? 0,
                    basicallySatisfied: ratings[.basicallySatisfied] ?? 0, unsatisfied: ratings[.unsatisfied] ?? 0,
                    unrated: ratings[nil] ?? 0)
            }
        }
    }

    /// For each month of `year`: letters received, replies sent, and
    /// replies on time (as in `departmentStatistics`). Twelve rows, January
    /// first.
    func monthlyStatistics(year: Int) async throws -> [MonthlyLetterStatistics] {
        try await reader.read { db in
            let prefix = String(format: "%04d-", year)
            var months = (1...12).map { MonthlyLetterStatistics(month: $0, received: 0, replied: 0, repliedOnTime: 0) }
            let received = try Row.fetchAll(
                db,
                sql: """
                    SELECT CAST(substr(received_on, 6, 2) AS INTEGER) AS month, COUNT(*) AS n
                    FROM letter WHERE substr(received_on, 1, 5) = ? GROUP BY month
                    """,
                arguments: [prefix])
            for row in received {
                let month: Int = row["month"]
                if (1...12).contains(month) { months[month - 1].received = row["n"] }
            }
            let replied = try Row.fetchAll(
                db,
                sql: """
                    SELECT CAST(substr(replied_on, 6, 2) AS INTEGER) AS month, COUNT(*) AS n,
                           SUM(CASE WHEN due_on IS NULL OR replied_on <= due_on THEN 1 ELSE 0 END) AS on_time
                    FROM letter_reply WHERE substr(replied_on, 1, 5) = ? GROUP BY month
                    """,
                arguments: [prefix])
            for row in replied {
                let month: Int = row["month"]
                if (1...12).contains(month) {
                    months[month - 1].replied = row["n"]
                    months[month - 1].repliedOnTime = row["on_time"]
                }
            }
            return months
        }
    }

    // MARK: Published letters

    /// Letters the citizen agreed to publish and moderation approved, newest
    /// first: the masked subject and body, 来信日期 and 受理日期, and every
    /// reply (the author's name and personal information masked) with its
    /// 答复日期 and 答复部门.
    func publishedLetters(limit: Int, offset: Int) async throws -> [PublishedLetter] {
        try await reader.read { db in
            try Self.publishedLetterRows(
                db, condition: "", arguments: [max(1, min(limit, 200)), max(0, offset)], paging: true)
        }
    }

    /// One published letter; nil when there is none with this id.
    func publishedLetter(id: Int64) async throws -> PublishedLetter? {
        try await reader.read { db in try Self.publishedLetter(db, id: id) }
    }

    /// A published letter's public texts inside the caller's transaction
    /// (for the search index, which must hold what the public page shows).
    static func publishedLetter(_ db: Database, id: Int64) throws -> PublishedLetter? {
        try publishedLetterRows(db, condition: "AND letter.id = ?", arguments: [id], paging: false).first
    }

    private static func publishedLetterRows(
        _ db: Database, condition: String, arguments: StatementArguments, paging: Bool
    ) throws -> [PublishedLetter] {
        // A letter withdrawn by an admin is left out at once; one published
        // again shows its corrected text (item 23).
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT letter.id, letter.type, letter.subject, letter.author_name, letter.received_on, letter.accepted_on,
                       letter.published_at, moderation_item.masked_text,
                       (\(PublicationWithdrawals.latestRepublishedTextSQL(.letter, id: "letter.id"))) AS corrected_text
                FROM letter
                JOIN moderation_item ON moderation_item.id = letter.moderation_item_id
                WHERE letter.published_at IS NOT NULL
                  AND EXISTS (SELECT 1 FROM letter_reply WHERE letter_reply.letter_id = letter.id)
                  AND moderation_item.state IN ('approved', 'edited')
                  AND NOT EXISTS (\(PublicationWithdrawals.withdrawalInForceSQL(.letter, id: "letter.id"))) \(condition)
                ORDER BY letter.published_at DESC, letter.id DESC
                \(paging ? "LIMIT ? OFFSET ?" : "")
                """,
            arguments: arguments)
        // The page's replies in one query.
        let ids = rows.map { $0["id"] as Int64 }
        var replies: [Int64: [(round: Int, body: String, repliedOn: CivilDate, department: String, corrected: String?, withdrawn: Bool)]] =
            [:]
        if !ids.isEmpty {
            let replyRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT letter_reply.letter_id, letter_reply.round, letter_reply.body, letter_reply.replied_on,
                           department.name AS department_name,
                           (\(PublicationWithdrawals.latestRepublishedTextSQL(.letterReply, id: "letter_reply.id"))) AS corrected_text,
                           EXISTS (\(PublicationWithdrawals.withdrawalInForceSQL(.letterReply, id: "letter_reply.id"))) AS withdrawn
                    FROM letter_reply JOIN department ON department.id = letter_reply.department_id
                    WHERE letter_reply.letter_id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))
                    ORDER BY letter_reply.letter_id, letter_reply.round
                    """,
                arguments: StatementArguments(ids))
            for row in replyRows {
                replies[row["letter_id"], default: []].append(
                    (
                        row["round"], row["body"], try row.decode(CivilDate.self, forColumn: "replied_on"), row["department_name"],
                        row["corrected_text"], row["withdrawn"]
                    ))
            }
        }
        return try rows.compactMap { row in
            let letterReplies = replies[row["id"] as Int64] ?? []
            guard let first = letterReplies.first else { return nil }
            let author: String = row["author_name"]
            let (subject, body) = publicLetterText(
                masked: row["corrected_text"] ?? row["masked_text"], subject: row["subject"], authorName: author)
            let published = letterReplies.map { reply in
                PublishedReply(
                    round: reply.round,
                    body: reply.withdrawn ? "" : reply.corrected ?? PersonalInformation.mask(reply.body, authorName: author),
                    repliedOn: reply.repliedOn, department: reply.department, withdrawn: reply.withdrawn)
            }
            return PublishedLetter(
                id: row["id"], type: LetterType(rawValue: row["type"]) ?? .consultation, subject: subject, body: body,
                reply: published[0].body, receivedOn: try row.decode(CivilDate.self, forColumn: "received_on"),
                acceptedOn: try row.decode(CivilDate?.self, forColumn: "accepted_on"),
                repliedOn: first.repliedOn, replyDepartment: first.department, publishedAt: row["published_at"], replies: published)
        }
    }

    /// A letter's public subject and body from its masked text. The queue
    /// held "subject\nbody" (so does a republished correction); a
    /// moderator's edit may have dropped the line break, and then the
    /// subject is the letter's own, masked.
    static func publicLetterText(masked: String, subject original: String, authorName: String) -> (subject: String, body: String) {
        if let newline = masked.firstIndex(of: "\n") {
            return (
                String(masked[..<newline]).trimmingCharacters(in: .whitespaces),
                String(masked[masked.index(after: newline)...]).trimmingCharacters(in: .whitespacesAndNewlines)
            )
        }
        return (PersonalInformation.mask(original, authorName: authorName), masked)
    }

    // MARK: Deadline policies

    /// The reply periods: the defaults, then departments' own by name;
    /// types in `LetterType.allCases` order.
    func deadlinePolicies() async throws -> [DeadlinePolicy] {
        let typeOrder = Dictionary(uniqueKeysWithValues: LetterType.allCases.enumerated().map { ($1, $0) })
        return try await reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT deadline_policy.letter_type, deadline_policy.department_id, deadline_policy.working_days,
                           department.name AS department_name
                    FROM deadline_policy LEFT JOIN department ON department.id = deadline_policy.department_id
                    ORDER BY deadline_policy.department_id IS NOT NULL, department.name
                    """
            ).compactMap { row -> DeadlinePolicy? in
                guard let type = LetterType(rawValue: row["letter_type"]) else { return nil }
                return DeadlinePolicy(
                    letterType: type, departmentId: row["department_id"], department: row["department_name"],
                    workingDays: row["working_days"])
            }
            .sorted { ($0.department ?? "", typeOrder[$0.letterType]!) < ($1.department ?? "", typeOrder[$1.letterType]!) }
        }
    }

    /// Sets a type's period, by default or for one lead department; nil
    /// working days removes a department's own period (the default cannot
    /// be removed). Letters already received keep their period; a
    /// department's own applies from the next first assignment to it.
    /// Information-disclosure periods are at most 20 working days.
    func setDeadlinePolicy(
        type: LetterType, departmentID: Int64?, workingDays: Int?, actor: AuditActor, at now: Date
    ) async throws {
        var errors: [FieldError] = []
        let range = LetterRules.policyWorkingDaysRange(for: type)
        if let workingDays, !range.contains(workingDays) {
            let why = type == .informationDisclosure ? " (art. 33 of the 2019 Regulations; longer only by an approved extension)" : ""
            errors.append(.invalid("workingDays", "a \(type.rawValue) period is 1 to \(range.upperBound) working days\(why)"))
        }
        if workingDays == nil && departmentID == nil {
            errors.append(.required("workingDays"))
        }
        try GRDBModerationStore.throwIfInvalid(errors)
        try await writer.write { db in
            if let departmentID, try Self.departmentName(db, id: departmentID) == nil {
                throw StoreError.invalid(ValidationFailure([.invalid("departmentId", "no department \(departmentID)")]))
            }
            var existing = try DeadlinePolicyRecord.filter(DeadlinePolicyRecord.Columns.letterType == type.rawValue)
                .filter(
                    departmentID.map { DeadlinePolicyRecord.Columns.departmentId == $0 }
                        ?? (DeadlinePolicyRecord.Columns.departmentId == nil)
                )
                .fetchOne(db)
            let before = existing?.workingDays
            switch (existing, workingDays) {
            case (var record?, let days?):
                record.workingDays = days
                try record.update(db)
            case (nil, let days?):
                existing = DeadlinePolicyRecord(id: nil, letterType: type, departmentId: departmentID, workingDays: days)
                try existing!.insert(db)
            case (let record?, nil):
                try record.delete(db)
            case (nil, nil):
                return
            }
            struct AuditedPolicy: Encodable {
                var letterType: String
                var departmentId: Int64?
                var workingDays: Int?
            }
            try AuditEntry.record(
                db, actor: actor, action: "letter.deadline_policy", subjectType: "deadline_policy",
                subjectID: "\(type.rawValue):\(departmentID.map(String.init) ?? "default")",
                before: AuditedPolicy(letterType: type.rawValue, departmentId: departmentID, workingDays: before),
                after: AuditedPolicy(letterType: type.rawValue, departmentId: departmentID, workingDays: workingDays), at: now)
        }
    }
}
