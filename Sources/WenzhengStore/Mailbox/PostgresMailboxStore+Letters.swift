import Foundation
import PostgresNIO
import WenzhengCore

// The letters' workflow on PostgreSQL: `GRDBMailboxStore+Letters.swift`
// statement for statement, each intention one `backend.write`.
extension PostgresMailboxStore {
    // MARK: Submission

    func submitLetter(_ new: NewLetter, passwordHash: String, at now: Date) async throws -> (letter: LetterView, created: Bool) {
        let new = try GRDBMailboxStore.validated(new)
        guard !passwordHash.isEmpty else { throw StoreError.invalid(ValidationFailure([.required("passwordHash")])) }
        let links = links
        let (letter, created) = try await backend.write { tx -> (LetterView, Bool) in
            if let key = new.idempotencyKey,
                let existing = try await tx.record(LetterRecord.self, "SELECT * FROM letter WHERE idempotency_key = \(key)")
            {
                guard GRDBMailboxStore.isRepeat(of: existing, new) else { throw LetterIdempotencyKeyReused() }
                return (try await Self.letterView(tx, existing), false)
            }
            let today = CivilDate(now)
            var record = LetterRecord(
                id: nil, number: try await Self.unusedLetterNumber(tx, year: today.year), type: new.type,
                subject: new.subject, body: new.body, authorName: new.authorName, phone: new.phone, email: new.email,
                mayPublish: new.mayPublish, passwordHash: passwordHash, idempotencyKey: new.idempotencyKey, state: .received,
                receivedAt: now, receivedOn: today,
                policyDays: try await Self.policyDays(tx, type: new.type, departmentID: nil),
                dueOn: nil, dueProvisional: false, clockPaused: false, overdue: false, leadDepartmentId: nil,
                triageReason: nil, transferredTo: nil, replyBody: nil, repliedAt: nil, repliedOn: nil, replyDepartmentId: nil,
                rating: nil, ratedAt: nil, followUpUsed: false, followUpText: nil, moderationItemId: nil, publishedAt: nil,
                clientAddress: new.clientAddress, createdAt: now, updatedAt: now, acceptedOn: nil)
            try await Self.recomputeDeadline(tx, &record, calendar: try await PostgresCalendarStore.holidayCalendar(tx), today: today)
            record.id = try await tx.insert(into: "letter", record)
            _ = try await Self.linkAttachments(tx, letterID: record.id!, new.attachments, addedBy: nil, at: now)
            try await Self.appendLetterEvent(tx, letterID: record.id!, kind: .submitted, actor: .citizen, at: now)
            try await Self.noticeLetterReceived(tx, record, links: links, at: now)
            return (try await Self.letterView(tx, record), true)
        }
        return (letter, created)
    }

    /// A random number no letter has (`LetterRules.randomLetterNumber`).
    static func unusedLetterNumber(_ tx: PostgresTransaction, year: Int) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let number = LetterRules.randomLetterNumber(year: year, using: &generator)
            if try await tx.scalar("SELECT EXISTS (SELECT 1 FROM letter WHERE number = \(number))", as: Bool.self) != true { return number }
        }
        throw StoreError.conflict("no unused letter number could be drawn; try again")
    }

    // MARK: Reading

    func letterForQuery(number: String) async throws -> (LetterView, passwordHash: String)? {
        let number = number.trimmingCharacters(in: .whitespacesAndNewlines)
        let found = try await backend.read { tx -> (LetterView, String)? in
            guard let record = try await tx.record(LetterRecord.self, "SELECT * FROM letter WHERE number = \(number)") else { return nil }
            return (try await Self.letterView(tx, record), record.passwordHash)
        }
        return found.map { ($0.0, passwordHash: $0.1) }
    }

    func letter(id: Int64) async throws -> LetterView {
        try await backend.read { tx in try await Self.letterView(tx, try await Self.existingLetter(tx, id: id)) }
    }

    func timeline(letterID: Int64) async throws -> [LetterEventView] {
        try await backend.read { tx in
            _ = try await Self.existingLetter(tx, id: letterID)
            return try await Self.timeline(tx, letterID: letterID)
        }
    }

    static func timeline(_ tx: PostgresTransaction, letterID: Int64) async throws -> [LetterEventView] {
        let rows = try await tx.records(LetterEventRecord.self, "SELECT * FROM letter_event WHERE letter_id = \(letterID) ORDER BY id")
        return rows.map { event in
            LetterEventView(
                id: event.id!, kind: event.kind, actorId: event.actorId, actorName: event.actorName, note: event.note,
                clockKind: event.clockKind, clockOn: event.clockOn, clockDays: event.clockDays, recordedAt: event.recordedAt,
                clockReason: event.kind == .correctionNotice ? .correction : event.clockReason, replyRound: event.replyRound)
        }
    }

    func letterDrafts(letterID: Int64) async throws -> [LetterDraftView] {
        try await backend.read { tx in
            _ = try await Self.existingLetter(tx, id: letterID)
            let rows = try await tx.rows(
                """
                SELECT letter_draft.*, drafter.display_name AS drafter_name, reviewer.display_name AS reviewer_name
                FROM letter_draft
                JOIN staff_user AS drafter ON drafter.id = letter_draft.drafted_by
                LEFT JOIN staff_user AS reviewer ON reviewer.id = letter_draft.reviewed_by
                WHERE letter_draft.letter_id = \(letterID) ORDER BY letter_draft.id
                """)
            return try rows.map { row in
                let draft = try PostgresRecordDecoder.decode(LetterDraftRecord.self, from: row)
                return LetterDraftView(
                    id: draft.id!, body: draft.body, draftedById: draft.draftedBy, draftedBy: try row.value("drafter_name", as: String.self),
                    draftedAt: draft.draftedAt, reviewState: draft.reviewState,
                    reviewedBy: try row.value("reviewer_name", as: String?.self), reviewedAt: draft.reviewedAt,
                    reviewComment: draft.reviewComment)
            }
        }
    }

    func letters(states: [LetterState], departmentID: Int64?, limit: Int, offset: Int) async throws -> [LetterView] {
        let states = states.map(\.rawValue)
        let limit = max(1, min(limit, 1000))
        let offset = max(0, offset)
        return try await backend.read { tx in
            let records = try await tx.records(
                LetterRecord.self,
                """
                SELECT * FROM letter
                WHERE (\(states.isEmpty) OR state = ANY(\(states)))
                  AND (\(departmentID == nil)
                       OR id IN (SELECT letter_id FROM letter_assignment WHERE department_id = \(departmentID ?? 0))
                       OR lead_department_id = \(departmentID ?? 0))
                ORDER BY received_at, id LIMIT \(limit) OFFSET \(offset)
                """)
            var views: [LetterView] = []
            for record in records { views.append(try await Self.letterView(tx, record)) }
            return views
        }
    }

    // MARK: Triage

    func acceptLetter(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try await backend.write { tx in
            var record = try await Self.existingLetter(tx, id: id)
            try await Self.enforce(.accept, tx, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            record.state = .accepted
            record.acceptedOn = CivilDate(now)
            record.updatedAt = now
            try await Self.save(tx, record)
            try await Self.appendLetterEvent(tx, letterID: id, kind: .accepted, actor: .staff(actor), at: now)
            try await Self.auditLetter(tx, actor: actor, action: "letter.accept", before: before, after: record, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    func transferLetter(id: Int64, to authority: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let authority = TextRules.requiredText(authority, field: "to", maxLength: LetterRules.authorityMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await backend.write { tx in
            var record = try await Self.existingLetter(tx, id: id)
            try await Self.enforce(.transfer, tx, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            let today = CivilDate(now)
            let elapsed = LetterRules.workingDays(from: record.receivedOn, to: today, calendar: try await PostgresCalendarStore.holidayCalendar(tx))
            record.state = .transferred
            record.transferredTo = authority
            record.updatedAt = now
            try await Self.save(tx, record)
            try await Self.appendLetterEvent(
                tx, letterID: id, kind: .transferred, actor: .staff(actor), note: authority, clockOn: today, clockDays: elapsed, at: now)
            try await Self.auditLetter(tx, actor: actor, action: "letter.transfer", before: before, after: record, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    func rejectLetter(id: Int64, reason: TriageRejection, note: String?, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await backend.write { tx in
            var record = try await Self.existingLetter(tx, id: id)
            try await Self.enforce(.reject, tx, record, actor: actor, at: now)
            guard reason.isAllowed(for: record.type) else {
                let allowed = TriageRejection.allowed(for: record.type).map(\.rawValue).joined(separator: ", ")
                let hint = reason == .noContent ? "; an unclear request gets a correction notice (art. 30)" : ""
                throw StoreError.invalid(
                    ValidationFailure([
                        .invalid("reason", "a \(record.type.rawValue) letter is refused only as \(allowed)\(hint)")
                    ]))
            }
            let before = AuditedLetter(record)
            record.state = .rejected
            record.triageReason = reason
            record.updatedAt = now
            try await Self.save(tx, record)
            try await Self.appendLetterEvent(
                tx, letterID: id, kind: .rejected, actor: .staff(actor),
                note: note.map { "\(reason.rawValue): \($0)" } ?? reason.rawValue, at: now)
            try await Self.auditLetter(tx, actor: actor, action: "letter.reject", before: before, after: record, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    func assignLetter(id: Int64, lead: Int64, coHandlers: [CoHandler], actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        let links = links
        return try await backend.write { tx in
            var record = try await Self.existingLetter(tx, id: id)
            try await Self.enforce(.assign, tx, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            let today = CivilDate(now)

            var errors: [FieldError] = []
            let leadName = try await Self.departmentName(tx, id: lead)
            if leadName == nil { errors.append(.invalid("lead", "no department \(lead)")) }

            let reassignment = record.leadDepartmentId != nil
            let overdue = LetterWorkflow.isOverdue(state: record.state, dueOn: record.dueOn, marked: record.overdue, today: today)
            let period = LetterRules.periodOnAssignment(
                current: record.policyDays,
                departmentPeriod: try await Self.departmentPolicyDays(tx, type: record.type, departmentID: lead),
                reassignment: reassignment, overdue: overdue)
            record.state = .assigned
            record.leadDepartmentId = lead
            record.updatedAt = now
            if period != record.policyDays {
                record.policyDays = period
                try await Self.recomputeDeadline(tx, &record, calendar: try await PostgresCalendarStore.holidayCalendar(tx), today: today)
            }

            var seen: Set<Int64> = [lead]
            var coNames: [String] = []
            for (index, co) in coHandlers.enumerated() {
                let field = "coHandlers[\(index)]"
                guard let name = try await Self.departmentName(tx, id: co.departmentID) else {
                    errors.append(.invalid(field, "no department \(co.departmentID)"))
                    continue
                }
                if co.departmentID == lead {
                    errors.append(.invalid(field, "\(name) is the lead department"))
                } else if !seen.insert(co.departmentID).inserted {
                    errors.append(.invalid(field, "\(name) is named twice"))
                }
                if let due = co.dueOn {
                    if due < today {
                        errors.append(.invalid("\(field).dueOn", "\(due) is in the past"))
                    } else if let letterDue = record.dueOn, due > letterDue {
                        errors.append(.invalid("\(field).dueOn", "\(due) is after the letter's due date \(letterDue)"))
                    }
                }
                coNames.append(name)
            }
            try GRDBModerationStore.throwIfInvalid(errors)

            try await Self.save(tx, record)
            let previously = try await Self.assignedDepartments(tx, letterID: id)
            try await tx.execute("DELETE FROM letter_assignment WHERE letter_id = \(id)")
            try await tx.insert(
                into: "letter_assignment",
                LetterAssignmentRecord(id: nil, letterId: id, departmentId: lead, isLead: true, dueOn: nil, assignedAt: now))
            for co in coHandlers {
                try await tx.insert(
                    into: "letter_assignment",
                    LetterAssignmentRecord(id: nil, letterId: id, departmentId: co.departmentID, isLead: false, dueOn: co.dueOn, assignedAt: now))
            }
            let note = coNames.isEmpty ? leadName! : "\(leadName!); 协办: \(coNames.joined(separator: "、"))"
            try await Self.appendLetterEvent(tx, letterID: id, kind: .assigned, actor: .staff(actor), note: note, at: now)
            try await Self.auditLetter(tx, actor: actor, action: "letter.assign", before: before, after: record, at: now)
            try await Self.noticeLetterAssigned(tx, record, previously: previously, coHandlers: coHandlers, links: links, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    // MARK: Reply

    func draftReply(id: Int64, body: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let body = TextRules.requiredText(body, field: "body", maxLength: LetterRules.replyMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await backend.write { tx in
            var record = try await Self.existingLetter(tx, id: id)
            try await Self.enforce(.draft, tx, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            try await tx.insert(
                into: "letter_draft",
                LetterDraftRecord(
                    id: nil, letterId: id, body: body, draftedBy: actor.userID, draftedAt: now, reviewState: .pending, reviewedBy: nil,
                    reviewedAt: nil, reviewComment: nil))
            record.state = .awaitingSignOff
            record.updatedAt = now
            try await Self.save(tx, record)
            try await Self.appendLetterEvent(tx, letterID: id, kind: .drafted, actor: .staff(actor), at: now)
            try await Self.auditLetter(tx, actor: actor, action: "letter.draft", before: before, after: record, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    func signOff(id: Int64, approve: Bool, comment: String?, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        var errors: [FieldError] = []
        let comment =
            approve
            ? TextRules.optionalText(comment, field: "comment", maxLength: LetterRules.commentMaxLength, into: &errors)
            : TextRules.requiredText(comment, field: "comment", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        let links = links
        return try await backend.write { tx in
            var record = try await Self.existingLetter(tx, id: id)
            try await Self.enforce(approve ? .signOff : .sendBack, tx, record, actor: actor, at: now)
            guard
                var draft = try await tx.record(
                    LetterDraftRecord.self,
                    "SELECT * FROM letter_draft WHERE letter_id = \(id) AND review_state = \(DraftReviewState.pending.rawValue) ORDER BY id LIMIT 1"
                )
            else {
                throw StoreError.conflict("letter \(record.number) has no draft waiting for sign-off")
            }
            let before = AuditedLetter(record)
            draft.reviewedBy = actor.userID
            draft.reviewedAt = now
            draft.reviewComment = comment
            record.updatedAt = now
            if approve {
                draft.reviewState = .signedOff
                try await tx.update("letter_draft", draft, id: draft.id!)
                try await Self.sendReply(
                    tx, &record, body: draft.body, department: record.leadDepartmentId!, filter: filter, links: links, at: now)
                try await Self.appendLetterEvent(tx, letterID: id, kind: .signedOff, actor: .staff(actor), note: comment, at: now)
                try await Self.auditLetter(tx, actor: actor, action: "letter.sign_off", before: before, after: record, at: now)
            } else {
                draft.reviewState = .returned
                try await tx.update("letter_draft", draft, id: draft.id!)
                record.state = .assigned
                try await Self.save(tx, record)
                try await Self.appendLetterEvent(tx, letterID: id, kind: .returned, actor: .staff(actor), note: comment, at: now)
                try await Self.auditLetter(tx, actor: actor, action: "letter.return", before: before, after: record, at: now)
            }
            return try await Self.letterView(tx, record)
        }
    }

    func replyOnTheSpot(id: Int64, body: String, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        var errors: [FieldError] = []
        let body = TextRules.requiredText(body, field: "body", maxLength: LetterRules.replyMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        let links = links
        return try await backend.write { tx in
            var record = try await Self.existingLetter(tx, id: id)
            try await Self.enforce(.replyOnTheSpot, tx, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            if record.acceptedOn == nil { record.acceptedOn = CivilDate(now) }
            let lead = record.leadDepartmentId ?? actor.departmentID
            if record.leadDepartmentId == nil {
                record.leadDepartmentId = lead
                try await tx.insert(
                    into: "letter_assignment",
                    LetterAssignmentRecord(id: nil, letterId: id, departmentId: lead, isLead: true, dueOn: nil, assignedAt: now))
            }
            try await tx.insert(
                into: "letter_draft",
                LetterDraftRecord(
                    id: nil, letterId: id, body: body, draftedBy: actor.userID, draftedAt: now, reviewState: .signedOff,
                    reviewedBy: actor.userID, reviewedAt: now, reviewComment: nil))
            record.updatedAt = now
            try await Self.sendReply(tx, &record, body: body, department: lead, filter: filter, links: links, at: now)
            try await Self.appendLetterEvent(tx, letterID: id, kind: .repliedOnTheSpot, actor: .staff(actor), at: now)
            try await Self.auditLetter(tx, actor: actor, action: "letter.reply_on_the_spot", before: before, after: record, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    // MARK: The citizen's rating and follow-up

    func rateLetter(number: String, rating: ReplyRating, at now: Date) async throws -> LetterView {
        try await backend.write { tx in
            var record = try await Self.existingLetter(tx, number: number)
            try GRDBMailboxStore.enforce(LetterWorkflow.refusal(.rate, try await Self.workflowFacts(tx, record)))
            record.rating = rating
            record.ratedAt = now
            record.updatedAt = now
            try await Self.save(tx, record)
            if var reply = try await tx.record(
                LetterReplyRecord.self, "SELECT * FROM letter_reply WHERE letter_id = \(record.id!) ORDER BY round DESC LIMIT 1")
            {
                reply.rating = rating
                reply.ratedAt = now
                try await tx.update("letter_reply", reply, id: reply.id!)
            }
            try await Self.appendLetterEvent(tx, letterID: record.id!, kind: .rated, actor: .citizen, note: rating.rawValue, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    func followUp(number: String, text: String, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(text, field: "text", maxLength: LetterRules.bodyMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        let links = links
        return try await backend.write { tx in
            var record = try await Self.existingLetter(tx, number: number)
            try GRDBMailboxStore.enforce(LetterWorkflow.refusal(.followUp, try await Self.workflowFacts(tx, record)))
            let today = CivilDate(now)
            record.followUpUsed = true
            record.followUpText = text
            record.state = .assigned
            // The rating was of the first reply; the next reply gets its own.
            record.rating = nil
            record.ratedAt = nil
            record.updatedAt = now
            try await Self.appendLetterEvent(
                tx, letterID: record.id!, kind: .reopened, actor: .citizen, note: text, clockEvent: ClockEvent(kind: .reopened, on: today),
                at: now)
            try await Self.recomputeDeadline(tx, &record, calendar: try await PostgresCalendarStore.holidayCalendar(tx), today: today)
            try await Self.save(tx, record)
            try await Self.noticeLetterReopened(tx, record, links: links, at: now)
            return try await Self.letterView(tx, record)
        }
    }

    // MARK: Moderation outcome

    /// Called when a moderator decides on a letter's queue item: approval
    /// publishes it; a rejection leaves it unpublished.
    static func applyLetterModeration(_ tx: PostgresTransaction, _ item: ModerationItemRecord, at now: Date) async throws
        -> ModerationEffect
    {
        guard let id = Int64(item.sourceId), var letter = try await tx.record(LetterRecord.self, "SELECT * FROM letter WHERE id = \(id)")
        else { return .none }
        switch item.state {
        case .approved, .edited:
            guard letter.publishedAt == nil else { return .none }
            letter.publishedAt = now
            letter.updatedAt = now
            try await save(tx, letter)
            let actor: LetterEventActor =
                if let moderator = item.decidedBy, let name = try await PostgresAccountsStore.displayName(tx, userID: moderator) {
                    .staffID(moderator, name)
                } else {
                    .system
                }
            try await appendLetterEvent(tx, letterID: id, kind: .published, actor: actor, at: now)
            // Searchable from the moment it is public, with the same masked
            // text the public page shows.
            try await reindexLetterForSearch(tx, letterID: id)
            return .letterPublished(letterID: id)
        case .rejected, .pending:
            return .none
        }
    }

    // MARK: Helpers

    static func existingLetter(_ tx: PostgresTransaction, id: Int64) async throws -> LetterRecord {
        guard let record = try await tx.record(LetterRecord.self, "SELECT * FROM letter WHERE id = \(id)") else {
            throw StoreError.notFound(kind: "letter", key: String(id))
        }
        return record
    }

    static func existingLetter(_ tx: PostgresTransaction, number: String) async throws -> LetterRecord {
        let number = number.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let record = try await tx.record(LetterRecord.self, "SELECT * FROM letter WHERE number = \(number)") else {
            throw StoreError.notFound(kind: "letter", key: number)
        }
        return record
    }

    /// Writes every column of a stored letter.
    static func save(_ tx: PostgresTransaction, _ record: LetterRecord) async throws {
        try await tx.update("letter", record, id: record.id!)
    }

    /// Throws the workflow's refusal (`LetterWorkflow`) of `action` by
    /// `actor` on the letter as it stands, as the store's error.
    static func enforce(_ action: LetterAction, _ tx: PostgresTransaction, _ record: LetterRecord, actor: AuthenticatedStaff, at now: Date)
        async throws
    {
        try GRDBMailboxStore.enforce(
            LetterWorkflow.refusal(
                action, try await workflowFacts(tx, record), by: actor.letterActor, today: CivilDate(now),
                calendar: try await PostgresCalendarStore.holidayCalendar(tx)))
    }

    /// The letter as the workflow sees it, read the way the server reads
    /// it (its view and its timeline), so both apply the same facts.
    static func workflowFacts(_ tx: PostgresTransaction, _ record: LetterRecord) async throws -> LetterFacts {
        try await letterView(tx, record).workflowFacts(timeline: timeline(tx, letterID: record.id!))
    }

    /// The reply goes out (see `GRDBMailboxStore.sendReply`).
    static func sendReply(
        _ tx: PostgresTransaction, _ record: inout LetterRecord, body: String, department: Int64, filter: ContentFilter,
        links: LetterNoticeLinks, at now: Date
    ) async throws {
        record.state = .replied
        record.replyBody = body
        record.repliedAt = now
        record.repliedOn = CivilDate(now)
        record.replyDepartmentId = department
        record.rating = nil
        record.ratedAt = nil
        let round = try await tx.scalar("SELECT COUNT(*) FROM letter_reply WHERE letter_id = \(record.id!)", as: Int.self) ?? 0
        var reply = LetterReplyRecord(
            id: nil, letterId: record.id!, round: round + 1, body: body, departmentId: department, repliedAt: now,
            repliedOn: CivilDate(now), dueOn: nil, dueProvisional: false, workingDays: nil, rating: nil, ratedAt: nil)
        try await computeReplyClock(tx, &reply, letter: record, calendar: try await PostgresCalendarStore.holidayCalendar(tx))
        try await tx.insert(into: "letter_reply", reply)
        if record.publishedAt != nil { try await reindexLetterForSearch(tx, letterID: record.id!) }
        if record.mayPublish && record.moderationItemId == nil {
            let text = record.subject + "\n" + record.body
            let item = try await PostgresModerationStore.enqueueModeration(
                tx,
                NewModerationItem(
                    kind: .letter, sourceType: GRDBMailboxStore.letterSourceType, sourceID: String(record.id!),
                    authorName: record.authorName, text: text, check: filter.check(text)),
                at: now)
            record.moderationItemId = item.id
        }
        try await save(tx, record)
        try await noticeLetterReplied(tx, record, links: links, at: now)
    }

    /// The period for a type: the lead department's own policy, else the
    /// type's default row, else the built-in default.
    static func policyDays(_ tx: PostgresTransaction, type: LetterType, departmentID: Int64?) async throws -> Int {
        if let departmentID, let days = try await departmentPolicyDays(tx, type: type, departmentID: departmentID) { return days }
        return try await tx.scalar(
            "SELECT working_days FROM deadline_policy WHERE letter_type = \(type.rawValue) AND department_id IS NULL", as: Int.self)
            ?? type.defaultWorkingDays
    }

    /// A department's own period for a type, if it has one.
    static func departmentPolicyDays(_ tx: PostgresTransaction, type: LetterType, departmentID: Int64) async throws -> Int? {
        try await tx.scalar(
            "SELECT working_days FROM deadline_policy WHERE letter_type = \(type.rawValue) AND department_id = \(departmentID)",
            as: Int.self)
    }

    static func departmentName(_ tx: PostgresTransaction, id: Int64) async throws -> String? {
        try await tx.scalar("SELECT name FROM department WHERE id = \(id)", as: String.self)
    }

    static func letterView(_ tx: PostgresTransaction, _ record: LetterRecord) async throws -> LetterView {
        let id = record.id!
        func department(_ id: Int64?) async throws -> LetterDepartment? {
            guard let id, let name = try await departmentName(tx, id: id) else { return nil }
            return LetterDepartment(id: id, name: name)
        }
        let coHandlers = try await tx.rows(
            """
            SELECT letter_assignment.department_id, letter_assignment.due_on, department.name
            FROM letter_assignment JOIN department ON department.id = letter_assignment.department_id
            WHERE letter_assignment.letter_id = \(id) AND NOT letter_assignment.is_lead
            ORDER BY letter_assignment.id
            """
        ).map { row in
            let own = try row.value("due_on", as: CivilDate?.self)
            return LetterCoHandlerView(
                departmentId: try row.value("department_id", as: Int64.self), department: try row.value("name", as: String.self),
                dueOn: own ?? record.dueOn, ownDueDate: own != nil)
        }
        let calendar = try await PostgresCalendarStore.holidayCalendar(tx)
        let events = try await letterClockEvents(tx, letterID: id)
        let trace = clockTrace(record, calendar: calendar, events: events)
        let stoppages = trace.stoppages.map { stop in
            LetterStoppageView(
                reason: stop.reason, from: stop.from, until: stop.until, answerDueOn: stop.answerDueOn, endedByLimit: stop.endedByLimit,
                workingDays: stop.until == nil ? nil : stop.workingDays(today: stop.from, calendar: calendar))
        }
        let replies = try await tx.rows(
            """
            SELECT letter_reply.*, department.name AS department_name FROM letter_reply
            JOIN department ON department.id = letter_reply.department_id
            WHERE letter_reply.letter_id = \(id) ORDER BY letter_reply.round
            """
        ).map { row in
            let reply = try PostgresRecordDecoder.decode(LetterReplyRecord.self, from: row)
            return (
                reply.id!,
                LetterReplyView(
                    round: reply.round, body: reply.body,
                    department: LetterDepartment(id: reply.departmentId, name: try row.value("department_name", as: String.self)),
                    repliedAt: reply.repliedAt, repliedOn: reply.repliedOn, dueOn: reply.dueOn, dueProvisional: reply.dueProvisional,
                    onTime: reply.dueOn.map { reply.repliedOn <= $0 } ?? true, workingDays: reply.workingDays, rating: reply.rating)
            )
        }
        let waiting = [LetterState.received, .accepted].contains(record.state)
        var view = LetterView(
            id: id, number: record.number, type: record.type, subject: record.subject, body: record.body,
            authorName: record.authorName, phone: record.phone, email: record.email, mayPublish: record.mayPublish,
            state: record.state, receivedAt: record.receivedAt, receivedOn: record.receivedOn, policyDays: record.policyDays,
            dueOn: record.dueOn, dueProvisional: record.dueProvisional, clockPaused: record.clockPaused, overdue: record.overdue,
            leadDepartment: try await department(record.leadDepartmentId), coHandlers: coHandlers, triageReason: record.triageReason,
            transferredTo: record.transferredTo, replyBody: record.replyBody, repliedAt: record.repliedAt,
            repliedOn: record.repliedOn, replyDepartment: try await department(record.replyDepartmentId), rating: record.rating,
            ratedAt: record.ratedAt, followUpUsed: record.followUpUsed, followUpText: record.followUpText,
            extensionWorkingDays: trace.extendedInPeriod ? trace.extensionDaysInPeriod : nil,
            awaitingCorrection: record.state.isOpen && trace.currentStop?.reason == .correction,
            moderationItemId: record.moderationItemId, publishedAt: record.publishedAt, createdAt: record.createdAt,
            updatedAt: record.updatedAt, acceptedOn: record.acceptedOn,
            transferDueOn: waiting ? LetterRules.transferDeadline(receivedOn: record.receivedOn, calendar: calendar) : nil,
            stoppages: stoppages, stoppedWorkingDays: stoppages.compactMap(\.workingDays).reduce(0, +),
            extendedInPeriod: trace.extendedInPeriod, replies: replies.map(\.1))
        try await addPublicTexts(tx, to: &view, record: record, replyIDs: replies.map(\.0))
        return view
    }

    static func auditLetter(
        _ tx: PostgresTransaction, actor: AuthenticatedStaff, action: String, before: AuditedLetter, after: LetterRecord, at now: Date
    ) async throws {
        try await AuditEntry.record(
            tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: "letter", subjectID: String(after.id!),
            before: before, after: AuditedLetter(after), at: now)
    }

    @discardableResult
    static func appendLetterEvent(
        _ tx: PostgresTransaction, letterID: Int64, kind: LetterEventKind, actor: LetterEventActor, note: String? = nil,
        clockEvent clock: ClockEvent? = nil, clockOn: CivilDate? = nil, clockDays: Int? = nil, replyRound: Int? = nil, at now: Date
    ) async throws -> LetterEventRecord {
        var event = LetterEventRecord(
            id: nil, letterId: letterID, kind: kind, actorId: actor.id, actorName: actor.name, note: note,
            clockKind: clock?.kind, clockOn: clock?.on ?? clockOn, clockDays: clock?.workingDays ?? clockDays,
            recordedAt: now, clockReason: clock?.reason, replyRound: replyRound)
        event.id = try await tx.insert(into: "letter_event", event)
        return event
    }
}
