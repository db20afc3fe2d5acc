import Foundation
import PostgresNIO
import WenzhengCore

// Statistics, the published letters and the deadline policies on
// PostgreSQL (`GRDBMailboxStore+LetterReports.swift`).
extension PostgresMailboxStore {
    // MARK: Statistics

    func departmentStatistics(from: CivilDate, to: CivilDate) async throws -> [DepartmentLetterStatistics] {
        guard from <= to else {
            throw StoreError.invalid(ValidationFailure([.invalid("to", "the period ends before it starts")]))
        }
        return try await backend.read { tx in
            // Department names sort bytewise (the cluster's C.UTF-8
            // collation), as SQLite's BINARY does.
            let rows = try await tx.rows(
                """
                SELECT letter_reply.department_id, department.name, letter_reply.replied_on, letter_reply.due_on,
                       letter_reply.working_days, letter_reply.rating
                FROM letter_reply JOIN department ON department.id = letter_reply.department_id
                WHERE letter_reply.replied_on BETWEEN \(from) AND \(to)
                ORDER BY department.name, letter_reply.id
                """)
            var order: [Int64] = []
            var byDepartment: [Int64: (name: String, rows: [PostgresRandomAccessRow])] = [:]
            for row in rows {
                let id = try row.value("department_id", as: Int64.self)
                if byDepartment[id] == nil {
                    order.append(id)
                    byDepartment[id] = (try row.value("name", as: String.self), [])
                }
                byDepartment[id]!.rows.append(row)
            }
            return try order.map { id in
                let (name, rows) = byDepartment[id]!
                var onTime = 0
                var days: [Int] = []
                var ratings: [ReplyRating?: Int] = [:]
                for row in rows {
                    let replied = try row.value("replied_on", as: CivilDate.self)
                    let due = try row.value("due_on", as: CivilDate?.self)
                    if due.map({ replied <= $0 }) ?? true { onTime += 1 }
                    if let workingDays = try row.value("working_days", as: Int?.self) { days.append(workingDays) }
                    let rating = try row.value("rating", as: String?.self).flatMap(ReplyRating.init(rawValue:))
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

    func monthlyStatistics(year: Int) async throws -> [MonthlyLetterStatistics] {
        try await backend.read { tx in
            var months = (1...12).map { MonthlyLetterStatistics(month: $0, received: 0, replied: 0, repliedOnTime: 0) }
            let received = try await tx.rows(
                """
                SELECT EXTRACT(MONTH FROM received_on)::bigint AS month, COUNT(*) AS n
                FROM letter WHERE EXTRACT(YEAR FROM received_on) = \(year) GROUP BY 1
                """)
            for row in received {
                let month = try row.value("month", as: Int.self)
                if (1...12).contains(month) { months[month - 1].received = try row.value("n", as: Int.self) }
            }
            let replied = try await tx.rows(
                """
                SELECT EXTRACT(MONTH FROM replied_on)::bigint AS month, COUNT(*) AS n,
                       SUM(CASE WHEN due_on IS NULL OR replied_on <= due_on THEN 1 ELSE 0 END)::bigint AS on_time
                FROM letter_reply WHERE EXTRACT(YEAR FROM replied_on) = \(year) GROUP BY 1
                """)
            for row in replied {
                let month = try row.value("month", as: Int.self)
                if (1...12).contains(month) {
                    months[month - 1].replied = try row.value("n", as: Int.self)
                    months[month - 1].repliedOnTime = try row.value("on_time", as: Int.self)
                }
            }
            return months
        }
    }

    // MARK: Published letters

    func publishedLetters(limit: Int, offset: Int) async throws -> [PublishedLetter] {
        let limit = max(1, min(limit, 200))
        let offset = max(0, offset)
        return try await backend.read { tx in
            try await Self.publishedLetterRows(tx, letterID: nil, limit: limit, offset: offset)
        }
    }

    func publishedLetter(id: Int64) async throws -> PublishedLetter? {
        try await backend.read { tx in try await Self.publishedLetter(tx, id: id) }
    }

    /// A published letter's public texts inside the caller's transaction
    /// (for the search index, which must hold what the public page shows).
    static func publishedLetter(_ tx: PostgresTransaction, id: Int64) async throws -> PublishedLetter? {
        try await publishedLetterRows(tx, letterID: id, limit: 1, offset: 0).first
    }

    /// Published letters, newest first: one page, or the one letter
    /// `letterID`.
    private static func publishedLetterRows(_ tx: PostgresTransaction, letterID: Int64?, limit: Int, offset: Int) async throws
        -> [PublishedLetter]
    {
        // A letter withdrawn by an admin is left out at once; one published
        // again shows its corrected text (item 23).
        let letterSQL = """
            SELECT letter.id, letter.type, letter.subject, letter.author_name, letter.received_on, letter.accepted_on,
                   letter.published_at, moderation_item.masked_text,
                   (\(PostgresPublicationWithdrawals.latestRepublishedTextSQL(.letter, id: "letter.id"))) AS corrected_text
            FROM letter
            JOIN moderation_item ON moderation_item.id = letter.moderation_item_id
            WHERE letter.published_at IS NOT NULL
              AND EXISTS (SELECT 1 FROM letter_reply WHERE letter_reply.letter_id = letter.id)
              AND moderation_item.state IN ('approved', 'edited')
              AND NOT EXISTS (\(PostgresPublicationWithdrawals.withdrawalInForceSQL(.letter, id: "letter.id")))
              AND ($1 OR letter.id = $2)
            ORDER BY letter.published_at DESC, letter.id DESC
            LIMIT $3 OFFSET $4
            """
        var bindings = PostgresBindings()
        bindings.append(letterID == nil)
        bindings.append(letterID ?? 0)
        bindings.append(limit)
        bindings.append(offset)
        let rows = try await tx.rows(PostgresQuery(unsafeSQL: letterSQL, binds: bindings))
        // The page's replies in one query.
        let ids = try rows.map { try $0.value("id", as: Int64.self) }
        var replies: [Int64: [(round: Int, body: String, repliedOn: CivilDate, department: String, corrected: String?, withdrawn: Bool)]] =
            [:]
        if !ids.isEmpty {
            let replySQL = """
                SELECT letter_reply.letter_id, letter_reply.round, letter_reply.body, letter_reply.replied_on,
                       department.name AS department_name,
                       (\(PostgresPublicationWithdrawals.latestRepublishedTextSQL(.letterReply, id: "letter_reply.id"))) AS corrected_text,
                       EXISTS (\(PostgresPublicationWithdrawals.withdrawalInForceSQL(.letterReply, id: "letter_reply.id"))) AS withdrawn
                FROM letter_reply JOIN department ON department.id = letter_reply.department_id
                WHERE letter_reply.letter_id = ANY($1)
                ORDER BY letter_reply.letter_id, letter_reply.round
                """
            var replyBindings = PostgresBindings()
            replyBindings.append(ids)
            for row in try await tx.rows(PostgresQuery(unsafeSQL: replySQL, binds: replyBindings)) {
                replies[try row.value("letter_id", as: Int64.self), default: []].append(
                    (
                        try row.value("round", as: Int.self), try row.value("body", as: String.self),
                        try row.value("replied_on", as: CivilDate.self), try row.value("department_name", as: String.self),
                        try row.value("corrected_text", as: String?.self), try row.value("withdrawn", as: Bool.self)
                    ))
            }
        }
        return try rows.compactMap { row in
            let id = try row.value("id", as: Int64.self)
            let letterReplies = replies[id] ?? []
            guard let first = letterReplies.first else { return nil }
            let author = try row.value("author_name", as: String.self)
            let (subject, body) = GRDBMailboxStore.publicLetterText(
                masked: try row.value("corrected_text", as: String?.self) ?? row.value("masked_text", as: String.self),
                subject: try row.value("subject", as: String.self), authorName: author)
            let published = letterReplies.map { reply in
                PublishedReply(
                    round: reply.round,
                    body: reply.withdrawn ? "" : reply.corrected ?? PersonalInformation.mask(reply.body, authorName: author),
                    repliedOn: reply.repliedOn, department: reply.department, withdrawn: reply.withdrawn)
            }
            return PublishedLetter(
                id: id, type: LetterType(rawValue: try row.value("type", as: String.self)) ?? .consultation, subject: subject, body: body,
                reply: published[0].body, receivedOn: try row.value("received_on", as: CivilDate.self),
                acceptedOn: try row.value("accepted_on", as: CivilDate?.self),
                repliedOn: first.repliedOn, replyDepartment: first.department, publishedAt: try row.value("published_at", as: Date.self),
                replies: published)
        }
    }

    // MARK: Deadline policies

    func deadlinePolicies() async throws -> [DeadlinePolicy] {
        let typeOrder = Dictionary(uniqueKeysWithValues: LetterType.allCases.enumerated().map { ($1, $0) })
        return try await backend.read { tx in
            try await tx.rows(
                """
                SELECT deadline_policy.letter_type, deadline_policy.department_id, deadline_policy.working_days,
                       department.name AS department_name
                FROM deadline_policy LEFT JOIN department ON department.id = deadline_policy.department_id
                ORDER BY deadline_policy.department_id IS NOT NULL, department.name NULLS FIRST, deadline_policy.id
                """
            ).compactMap { row -> DeadlinePolicy? in
                guard let type = LetterType(rawValue: try row.value("letter_type", as: String.self)) else { return nil }
                return DeadlinePolicy(
                    letterType: type, departmentId: try row.value("department_id", as: Int64?.self),
                    department: try row.value("department_name", as: String?.self),
                    workingDays: try row.value("working_days", as: Int.self))
            }
            .sorted { ($0.department ?? "", typeOrder[$0.letterType]!) < ($1.department ?? "", typeOrder[$1.letterType]!) }
        }
    }

    func setDeadlinePolicy(type: LetterType, departmentID: Int64?, workingDays: Int?, actor: AuditActor, at now: Date) async throws {
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
        try await backend.write { tx in
            if let departmentID, try await Self.departmentName(tx, id: departmentID) == nil {
                throw StoreError.invalid(ValidationFailure([.invalid("departmentId", "no department \(departmentID)")]))
            }
            let existing = try await tx.record(
                DeadlinePolicyRecord.self,
                """
                SELECT * FROM deadline_policy
                WHERE letter_type = \(type.rawValue) AND COALESCE(department_id, 0) = \(departmentID ?? 0)
                  AND (department_id IS NULL) = \(departmentID == nil)
                """)
            let before = existing?.workingDays
            switch (existing, workingDays) {
            case (var record?, let days?):
                record.workingDays = days
                try await tx.update("deadline_policy", record, id: record.id!)
            case (nil, let days?):
                try await tx.insert(
                    into: "deadline_policy", DeadlinePolicyRecord(id: nil, letterType: type, departmentId: departmentID, workingDays: days))
            case (let record?, nil):
                try await tx.execute("DELETE FROM deadline_policy WHERE id = \(record.id!)")
            case (nil, nil):
                return
            }
            try await AuditEntry.record(
                tx, actor: actor, action: "letter.deadline_policy", subjectType: "deadline_policy",
                subjectID: "\(type.rawValue):\(departmentID.map(String.init) ?? "default")",
                before: AuditedDeadlinePolicy(letterType: type.rawValue, departmentId: departmentID, workingDays: before),
                after: AuditedDeadlinePolicy(letterType: type.rawValue, departmentId: departmentID, workingDays: workingDays), at: now)
        }
    }
}

/// A deadline policy as the audit log keeps it (the shape of
/// `GRDBMailboxStore.setDeadlinePolicy`'s local `AuditedPolicy`).
private struct AuditedDeadlinePolicy: Encodable {
    var letterType: String
    var departmentId: Int64?
    var workingDays: Int?
}
