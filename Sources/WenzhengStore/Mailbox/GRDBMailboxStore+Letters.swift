import Foundation
import GRDB
import WenzhengCore

extension GRDBMailboxStore {
    // MARK: Submission

    /// Stores a citizen's letter with its number and deadline.
    ///
    /// A repeat of the same idempotency key with the same content (a double
    /// submit) stores nothing and returns the letter already received, with
    /// `created == false`: its password was the first submission's, and
    /// `passwordHash` is ignored. The same key with different content is
    /// someone else's letter, or a changed one: it throws
    /// `LetterIdempotencyKeyReused` and returns nothing of the first letter.
    ///
    /// - Parameter passwordHash: the bcrypt hash of the query password the
    ///   server generated and shows once.
    func submitLetter(_ new: NewLetter, passwordHash: String, at now: Date) async throws -> (letter: LetterView, created: Bool) {
        let new = try Self.validated(new)
        guard !passwordHash.isEmpty else { throw StoreError.invalid(ValidationFailure([.required("passwordHash")])) }
        return try await writer.write { db in
            if let key = new.idempotencyKey,
                let existing = try LetterRecord.filter(LetterRecord.Columns.idempotencyKey == key).fetchOne(db)
            {
                guard Self.isRepeat(of: existing, new) else { throw LetterIdempotencyKeyReused() }
                return (try Self.letterView(db, existing), false)
            }
            let today = CivilDate(now)
            var record = LetterRecord(
                id: nil, number: try Self.unusedLetterNumber(db, year: today.year), type: new.type,
                subject: new.subject, body: new.body, authorName: new.authorName, phone: new.phone, email: new.email,
                mayPublish: new.mayPublish, passwordHash: passwordHash, idempotencyKey: new.idempotencyKey, state: .received,
                receivedAt: now, receivedOn: today,
                policyDays: try Self.policyDays(db, type: new.type, departmentID: nil),
                dueOn: nil, dueProvisional: false, clockPaused: false, overdue: false, leadDepartmentId: nil,
                triageReason: nil, transferredTo: nil, replyBody: nil, repliedAt: nil, repliedOn: nil, replyDepartmentId: nil,
                rating: nil, ratedAt: nil, followUpUsed: false, followUpText: nil, moderationItemId: nil, publishedAt: nil,
                clientAddress: new.clientAddress, createdAt: now, updatedAt: now, acceptedOn: nil)
            try Self.recomputeDeadline(db, &record, calendar: try GRDBCalendarStore.holidayCalendar(db), today: today)
            try record.insert(db)
            _ = try Self.linkAttachments(db, letterID: record.id!, new.attachments, addedBy: nil, at: now)
            try Self.appendLetterEvent(db, letterID: record.id!, kind: .submitted, actor: .citizen, at: now)
            try Self.noticeLetterReceived(db, record, links: links, at: now)
            return (try Self.letterView(db, record), true)
        }
    }

    /// A random number no letter has (`LetterRules.randomLetterNumber`).
    static func unusedLetterNumber(_ db: Database, year: Int) throws -> String {
        var generator = SystemRandomNumberGenerator()
        // With a billion numbers a year, a second draw is already rare.
        for _ in 0..<20 {
            let number = LetterRules.randomLetterNumber(year: year, using: &generator)
            if try LetterRecord.filter(LetterRecord.Columns.number == number).fetchCount(db) == 0 { return number }
        }
        throw StoreError.conflict("no unused letter number could be drawn; try again")
    }

    /// Whether a submission says what a stored letter says, for telling a
    /// repeat of it from a different letter under the same idempotency key.
    /// Both sides are validated (trimmed) input, and the row keeps exactly
    /// what was submitted, so the content itself is compared rather than a
    /// hash of it.
    static func isRepeat(of record: LetterRecord, _ new: NewLetter) -> Bool {
        record.type == new.type && record.subject == new.subject && record.body == new.body
            && record.authorName == new.authorName && record.phone == new.phone && record.email == new.email
            && record.mayPublish == new.mayPublish
    }

    // MARK: Reading

    /// The letter with this number and its query password's hash, for the
    /// citizen's query page: the server checks the password against the
    /// hash before it shows anything. Nil for an unknown number.
    func letterForQuery(number: String) async throws -> (LetterView, passwordHash: String)? {
        let number = number.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await reader.read { db in
            guard let record = try LetterRecord.filter(LetterRecord.Columns.number == number).fetchOne(db) else { return nil }
            return (try Self.letterView(db, record), record.passwordHash)
        }
    }

    func letter(id: Int64) async throws -> LetterView {
        try await reader.read { db in try Self.letterView(db, try Self.existingLetter(db, id: id)) }
    }

    /// Every step of a letter, oldest first.
    func timeline(letterID: Int64) async throws -> [LetterEventView] {
        try await reader.read { db in
            _ = try Self.existingLetter(db, id: letterID)
            return try Self.timeline(db, letterID: letterID)
        }
    }

    static func timeline(_ db: Database, letterID: Int64) throws -> [LetterEventView] {
        let rows = try LetterEventRecord.filter(LetterEventRecord.Columns.letterId == letterID)
            .order(LetterEventRecord.Columns.id).fetchAll(db)
        return rows.map { event in
            LetterEventView(
                id: event.id!, kind: event.kind, actorId: event.actorId, actorName: event.actorName, note: event.note,
                clockKind: event.clockKind, clockOn: event.clockOn, clockDays: event.clockDays, recordedAt: event.recordedAt,
                clockReason: event.kind == .correctionNotice ? .correction : event.clockReason, replyRound: event.replyRound)
        }
    }

    /// The replies drafted for a letter and what the reviewer said, oldest
    /// first. Office-internal: not for the citizen.
    func letterDrafts(letterID: Int64) async throws -> [LetterDraftView] {
        try await reader.read { db in
            _ = try Self.existingLetter(db, id: letterID)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT letter_draft.*, drafter.display_name AS drafter_name, reviewer.display_name AS reviewer_name
                    FROM letter_draft
                    JOIN staff_user AS drafter ON drafter.id = letter_draft.drafted_by
                    LEFT JOIN staff_user AS reviewer ON reviewer.id = letter_draft.reviewed_by
                    WHERE letter_draft.letter_id = ? ORDER BY letter_draft.id
                    """,
                arguments: [letterID])
            return try rows.map { row in
                let draft = try LetterDraftRecord(row: row)
                return LetterDraftView(
                    id: draft.id!, body: draft.body, draftedById: draft.draftedBy, draftedBy: row["drafter_name"],
                    draftedAt: draft.draftedAt, reviewState: draft.reviewState, reviewedBy: row["reviewer_name"],
                    reviewedAt: draft.reviewedAt, reviewComment: draft.reviewComment)
            }
        }
    }

    /// Letters in some states (all when empty), optionally those a
    /// department leads or co-handles; oldest first, for work lists such as
    /// the triage inbox (`[.received]`).
    func letters(states: [LetterState], departmentID: Int64?, limit: Int, offset: Int) async throws
        -> [LetterView]
    {
        try await reader.read { db in
            var request = LetterRecord.all()
            if !states.isEmpty { request = request.filter(states.map(\.rawValue).contains(LetterRecord.Columns.state)) }
            if let departmentID {
                request = request.filter(
                    sql: "(id IN (SELECT letter_id FROM letter_assignment WHERE department_id = ?) OR lead_department_id = ?)",
                    arguments: [departmentID, departmentID])
            }
            let records = try request.order(LetterRecord.Columns.receivedAt, LetterRecord.Columns.id)
                .limit(max(1, min(limit, 1000)), offset: max(0, offset)).fetchAll(db)
            return try records.map { try Self.letterView(db, $0) }
        }
    }

    // MARK: Triage

    /// Takes a received letter on.
    func acceptLetter(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            try Self.enforce(.accept, db, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            record.state = .accepted
            record.acceptedOn = CivilDate(now)
            record.updatedAt = now
            try record.update(db)
            try Self.appendLetterEvent(db, letterID: id, kind: .accepted, actor: .staff(actor), at: now)
            try Self.auditLetter(db, actor: actor, action: "letter.accept", before: before, after: record, at: now)
            return try Self.letterView(db, record)
        }
    }

    /// Sends a letter outside our competence to the authority that has it.
    /// The design asks for this within one working day of receipt; the
    /// event's `clockDays` records how many it took.
    func transferLetter(id: Int64, to authority: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let authority = TextRules.requiredText(authority, field: "to", maxLength: LetterRules.authorityMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            try Self.enforce(.transfer, db, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            let today = CivilDate(now)
            let elapsed = LetterRules.workingDays(from: record.receivedOn, to: today, calendar: try GRDBCalendarStore.holidayCalendar(db))
            record.state = .transferred
            record.transferredTo = authority
            record.updatedAt = now
            try record.update(db)
            try Self.appendLetterEvent(
                db, letterID: id, kind: .transferred, actor: .staff(actor), note: authority, clockOn: today, clockDays: elapsed, at: now)
            try Self.auditLetter(db, actor: actor, action: "letter.transfer", before: before, after: record, at: now)
            return try Self.letterView(db, record)
        }
    }

    /// Refuses a letter with a standard reason (and an optional note, such
    /// as the number of the letter it duplicates).
    func rejectLetter(id: Int64, reason: TriageRejection, note: String?, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        var errors: [FieldError] = []
        let note = TextRules.optionalText(note, field: "note", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            try Self.enforce(.reject, db, record, actor: actor, at: now)
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
            try record.update(db)
            try Self.appendLetterEvent(
                db, letterID: id, kind: .rejected, actor: .staff(actor),
                note: note.map { "\(reason.rawValue): \($0)" } ?? reason.rawValue, at: now)
            try Self.auditLetter(db, actor: actor, action: "letter.reject", before: before, after: record, at: now)
            return try Self.letterView(db, record)
        }
    }

    /// Gives an accepted letter (or reassigns an assigned one) to a lead
    /// department and optional co-handling departments. At the first
    /// assignment, a lead department with its own deadline policy sets the
    /// letter's period unless the deadline has passed; a reassignment never
    /// moves the deadline or clears overdue (`LetterRules.periodOnAssignment`).
    func assignLetter(
        id: Int64, lead: Int64, coHandlers: [CoHandler], actor: AuthenticatedStaff, at now: Date
    ) async throws -> LetterView {
        try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            try Self.enforce(.assign, db, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            let today = CivilDate(now)

            var errors: [FieldError] = []
            let leadName = try Self.departmentName(db, id: lead)
            if leadName == nil { errors.append(.invalid("lead", "no department \(lead)")) }

            let reassignment = record.leadDepartmentId != nil
            let overdue = LetterWorkflow.isOverdue(state: record.state, dueOn: record.dueOn, marked: record.overdue, today: today)
            let period = LetterRules.periodOnAssignment(
                current: record.policyDays, departmentPeriod: try Self.departmentPolicyDays(db, type: record.type, departmentID: lead),
                reassignment: reassignment, overdue: overdue)
            record.state = .assigned
            record.leadDepartmentId = lead
            record.updatedAt = now
            if period != record.policyDays {
                record.policyDays = period
                try Self.recomputeDeadline(db, &record, calendar: try GRDBCalendarStore.holidayCalendar(db), today: today)
            }

            var seen: Set<Int64> = [lead]
            var coNames: [String] = []
            for (index, co) in coHandlers.enumerated() {
                let field = "coHandlers[\(index)]"
                guard let name = try Self.departmentName(db, id: co.departmentID) else {
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

            try record.update(db)
            let previously = try Self.assignedDepartments(db, letterID: id)
            try LetterAssignmentRecord.filter(LetterAssignmentRecord.Columns.letterId == id).deleteAll(db)
            var leadRow = LetterAssignmentRecord(id: nil, letterId: id, departmentId: lead, isLead: true, dueOn: nil, assignedAt: now)
            try leadRow.insert(db)
            for co in coHandlers {
                var row = LetterAssignmentRecord(
                    id: nil, letterId: id, departmentId: co.departmentID, isLead: false, dueOn: co.dueOn, assignedAt: now)
                try row.insert(db)
            }
            let note = coNames.isEmpty ? leadName! : "\(leadName!); 协办: \(coNames.joined(separator: "、"))"
            try Self.appendLetterEvent(db, letterID: id, kind: .assigned, actor: .staff(actor), note: note, at: now)
            try Self.auditLetter(db, actor: actor, action: "letter.assign", before: before, after: record, at: now)
            try Self.noticeLetterAssigned(db, record, previously: previously, coHandlers: coHandlers, links: links, at: now)
            return try Self.letterView(db, record)
        }
    }

    // MARK: Reply

    /// Drafts the reply, which then waits for sign-off.
    ///
    /// - Throws: `StoreError.forbidden` for a handler outside the lead
    ///   department (reviewers and admins may draft for any).
    func draftReply(id: Int64, body: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let body = TextRules.requiredText(body, field: "body", maxLength: LetterRules.replyMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            try Self.enforce(.draft, db, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            var draft = LetterDraftRecord(
                id: nil, letterId: id, body: body, draftedBy: actor.userID, draftedAt: now, reviewState: .pending, reviewedBy: nil,
                reviewedAt: nil, reviewComment: nil)
            try draft.insert(db)
            record.state = .awaitingSignOff
            record.updatedAt = now
            try record.update(db)
            try Self.appendLetterEvent(db, letterID: id, kind: .drafted, actor: .staff(actor), at: now)
            try Self.auditLetter(db, actor: actor, action: "letter.draft", before: before, after: record, at: now)
            return try Self.letterView(db, record)
        }
    }

    /// The reviewer's decision on the pending draft: approve sends the
    /// reply (and, when the citizen agreed, queues the letter for
    /// publication); otherwise the draft goes back with the comment.
    ///
    /// - Parameter filter: screens the letter's text for the moderation
    ///   queue when it is queued for publication.
    func signOff(
        id: Int64, approve: Bool, comment: String?, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date
    ) async throws -> LetterView {
        var errors: [FieldError] = []
        let comment =
            approve
            ? TextRules.optionalText(comment, field: "comment", maxLength: LetterRules.commentMaxLength, into: &errors)
            : TextRules.requiredText(comment, field: "comment", maxLength: LetterRules.commentMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            try Self.enforce(approve ? .signOff : .sendBack, db, record, actor: actor, at: now)
            guard
                var draft = try LetterDraftRecord.filter(LetterDraftRecord.Columns.letterId == id)
                    .filter(LetterDraftRecord.Columns.reviewState == DraftReviewState.pending.rawValue).fetchOne(db)
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
                try draft.update(db)
                try Self.sendReply(
                    db, &record, body: draft.body, department: record.leadDepartmentId!, filter: filter, links: links, at: now)
                try Self.appendLetterEvent(db, letterID: id, kind: .signedOff, actor: .staff(actor), note: comment, at: now)
                try Self.auditLetter(db, actor: actor, action: "letter.sign_off", before: before, after: record, at: now)
            } else {
                draft.reviewState = .returned
                try draft.update(db)
                record.state = .assigned
                try record.update(db)
                try Self.appendLetterEvent(db, letterID: id, kind: .returned, actor: .staff(actor), note: comment, at: now)
                try Self.auditLetter(db, actor: actor, action: "letter.return", before: before, after: record, at: now)
            }
            return try Self.letterView(db, record)
        }
    }

    /// Answers an information-disclosure request at once (当场答复): from
    /// received or accepted straight to replied, with the actor's
    /// department as lead and reply department unless one is assigned.
    func replyOnTheSpot(id: Int64, body: String, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        var errors: [FieldError] = []
        let body = TextRules.requiredText(body, field: "body", maxLength: LetterRules.replyMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await writer.write { db in
            var record = try Self.existingLetter(db, id: id)
            try Self.enforce(.replyOnTheSpot, db, record, actor: actor, at: now)
            let before = AuditedLetter(record)
            if record.acceptedOn == nil { record.acceptedOn = CivilDate(now) }
            let lead = record.leadDepartmentId ?? actor.departmentID
            if record.leadDepartmentId == nil {
                record.leadDepartmentId = lead
                var row = LetterAssignmentRecord(id: nil, letterId: id, departmentId: lead, isLead: true, dueOn: nil, assignedAt: now)
                try row.insert(db)
            }
            var draft = LetterDraftRecord(
                id: nil, letterId: id, body: body, draftedBy: actor.userID, draftedAt: now, reviewState: .signedOff,
                reviewedBy: actor.userID, reviewedAt: now, reviewComment: nil)
            try draft.insert(db)
            record.updatedAt = now
            try Self.sendReply(db, &record, body: body, department: lead, filter: filter, links: links, at: now)
            try Self.appendLetterEvent(db, letterID: id, kind: .repliedOnTheSpot, actor: .staff(actor), at: now)
            try Self.auditLetter(db, actor: actor, action: "letter.reply_on_the_spot", before: before, after: record, at: now)
            return try Self.letterView(db, record)
        }
    }

    // MARK: The citizen's rating and follow-up

    /// The citizen rates the reply (the server checked the query password).
    /// Once per reply: after a follow-up is answered, the new reply can be
    /// rated again; the earlier rating stays in the timeline.
    func rateLetter(number: String, rating: ReplyRating, at now: Date) async throws -> LetterView {
        try await writer.write { db in
            var record = try Self.existingLetter(db, number: number)
            try Self.enforce(LetterWorkflow.refusal(.rate, try Self.workflowFacts(db, record)))
            record.rating = rating
            record.ratedAt = now
            record.updatedAt = now
            try record.update(db)
            if var reply = try LetterReplyRecord.filter(LetterReplyRecord.Columns.letterId == record.id!)
                .order(LetterReplyRecord.Columns.round.desc).fetchOne(db)
            {
                reply.rating = rating
                reply.ratedAt = now
                try reply.update(db)
            }
            try Self.appendLetterEvent(db, letterID: record.id!, kind: .rated, actor: .citizen, note: rating.rawValue, at: now)
            return try Self.letterView(db, record)
        }
    }

    /// The one follow-up an unsatisfied citizen may send: the letter goes
    /// back to its lead department with a fresh period from today.
    func followUp(number: String, text: String, at now: Date) async throws -> LetterView {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(text, field: "text", maxLength: LetterRules.bodyMaxLength, into: &errors)
        try GRDBModerationStore.throwIfInvalid(errors)
        return try await writer.write { db in
            var record = try Self.existingLetter(db, number: number)
            try Self.enforce(LetterWorkflow.refusal(.followUp, try Self.workflowFacts(db, record)))
            let today = CivilDate(now)
            record.followUpUsed = true
            record.followUpText = text
            record.state = .assigned
            // The rating was of the first reply; the next reply gets its own.
            record.rating = nil
            record.ratedAt = nil
            record.updatedAt = now
            try Self.appendLetterEvent(
                db, letterID: record.id!, kind: .reopened, actor: .citizen, note: text, clockEvent: ClockEvent(kind: .reopened, on: today),
                at: now)
            try Self.recomputeDeadline(db, &record, calendar: try GRDBCalendarStore.holidayCalendar(db), today: today)
            try record.update(db)
            try Self.noticeLetterReopened(db, record, links: links, at: now)
            return try Self.letterView(db, record)
        }
    }

    // MARK: Moderation outcome

    static let letterSourceType = "letter"

    /// Called when a moderator decides on a letter's queue item: approval
    /// publishes it; a rejection leaves it unpublished.
    static func applyLetterModeration(_ db: Database, _ item: ModerationItemRecord, at now: Date) throws -> ModerationEffect {
        guard let id = Int64(item.sourceId), var letter = try LetterRecord.fetchOne(db, key: id) else { return .none }
        switch item.state {
        case .approved, .edited:
            guard letter.publishedAt == nil else { return .none }
            letter.publishedAt = now
            letter.updatedAt = now
            try letter.update(db)
            let actor: LetterEventActor =
                if let moderator = item.decidedBy, let name = try GRDBModerationStore.displayName(db, userID: moderator) {
                    .staffID(moderator, name)
                } else {
                    .system
                }
            try appendLetterEvent(db, letterID: id, kind: .published, actor: actor, at: now)
            // Searchable from the moment it is public, with the same masked
            // text the public page shows.
            try reindexLetterForSearch(db, letterID: id)
            return .letterPublished(letterID: id)
        case .rejected, .pending:
            return .none
        }
    }

    // MARK: Helpers

    /// Checks a letter's fields without storing anything, so the server can
    /// refuse bad input before it spends a password hash on it.
    static func validateLetter(_ new: NewLetter) throws {
        _ = try validated(new)
    }

    static func validated(_ new: NewLetter) throws -> NewLetter {
        var errors: [FieldError] = []
        var result = new
        // One line: the public page separates subject and body by the first
        // line break.
        let subject = new.subject.split(whereSeparator: \.isNewline).joined(separator: " ")
        result.subject = TextRules.requiredText(subject, field: "subject", maxLength: LetterRules.subjectMaxLength, into: &errors)
        result.body = TextRules.requiredText(new.body, field: "body", maxLength: LetterRules.bodyMaxLength, into: &errors)
        result.authorName = TextRules.requiredText(new.authorName, field: "authorName", maxLength: LetterRules.nameMaxLength, into: &errors)
        result.phone = TextRules.optionalText(new.phone, field: "phone", maxLength: LetterRules.contactMaxLength, into: &errors)
        result.email = TextRules.optionalText(new.email, field: "email", maxLength: LetterRules.contactMaxLength, into: &errors)
        if let phone = result.phone, phone.unicodeScalars.count <= LetterRules.contactMaxLength, !LetterRules.isPlausiblePhone(phone) {
            errors.append(.invalid("phone", "phone is not a phone number"))
        }
        if let email = result.email, email.unicodeScalars.count <= LetterRules.contactMaxLength, !LetterRules.isPlausibleEmail(email) {
            errors.append(.invalid("email", "email is not an e-mail address"))
        }
        if result.phone == nil && result.email == nil {
            errors.append(FieldError(field: "phone", code: "required", message: "give a phone number or an e-mail address"))
        }
        result.idempotencyKey = TextRules.optionalText(
            new.idempotencyKey, field: "idempotencyKey", maxLength: LetterRules.idempotencyKeyMaxLength, into: &errors)
        // A letter to be published goes through the moderation queue as
        // subject, line break, body; the queue has its own limit.
        if new.mayPublish, result.subject.count + 1 + result.body.count > ModerationPolicy.maxTextLength,
            result.body.unicodeScalars.count <= LetterRules.bodyMaxLength
        {
            errors.append(
                FieldError(
                    field: "body", code: "too_long",
                    message: "a letter to be published must fit in \(ModerationPolicy.maxTextLength) characters with its subject"))
        }
        try GRDBModerationStore.throwIfInvalid(errors)
        return result
    }

    static func existingLetter(_ db: Database, id: Int64) throws -> LetterRecord {
        guard let record = try LetterRecord.fetchOne(db, key: id) else {
            throw StoreError.notFound(kind: "letter", key: String(id))
        }
        return record
    }

    static func existingLetter(_ db: Database, number: String) throws -> LetterRecord {
        let number = number.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let record = try LetterRecord.filter(LetterRecord.Columns.number == number).fetchOne(db) else {
            throw StoreError.notFound(kind: "letter", key: number)
        }
        return record
    }

    /// Throws the workflow's refusal (`LetterWorkflow`) of `action` by
    /// `actor` on the letter as it stands, as the store's error.
    static func enforce(_ action: LetterAction, _ db: Database, _ record: LetterRecord, actor: AuthenticatedStaff, at now: Date) throws {
        try enforce(
            LetterWorkflow.refusal(
                action, try workflowFacts(db, record), by: actor.letterActor, today: CivilDate(now),
                calendar: try GRDBCalendarStore.holidayCalendar(db)))
    }

    static func enforce(_ refusal: LetterRefusal?) throws {
        if let refusal { throw StoreError(refusal) }
    }

    /// The letter as the workflow sees it, read the way the server reads
    /// it (its view and its timeline), so both apply the same facts.
    static func workflowFacts(_ db: Database, _ record: LetterRecord) throws -> LetterFacts {
        try letterView(db, record).workflowFacts(timeline: timeline(db, letterID: record.id!))
    }

    /// The reply goes out: state, reply fields (the latest reply), a row of
    /// its own in `letter_reply` with its period's deadline and the working
    /// days the clock counted (an earlier reply is kept, never
    /// overwritten), and the publication queue when the citizen agreed
    /// (once per letter: the masked letter text does not change with a
    /// second reply; a letter already public has its search text updated).
    static func sendReply(
        _ db: Database, _ record: inout LetterRecord, body: String, department: Int64, filter: ContentFilter, links: LetterNoticeLinks,
        at now: Date
    ) throws {
        record.state = .replied
        record.replyBody = body
        record.repliedAt = now
        record.repliedOn = CivilDate(now)
        record.replyDepartmentId = department
        record.rating = nil
        record.ratedAt = nil
        let round = try LetterReplyRecord.filter(LetterReplyRecord.Columns.letterId == record.id!).fetchCount(db) + 1
        var reply = LetterReplyRecord(
            id: nil, letterId: record.id!, round: round, body: body, departmentId: department, repliedAt: now,
            repliedOn: CivilDate(now), dueOn: nil, dueProvisional: false, workingDays: nil, rating: nil, ratedAt: nil)
        try computeReplyClock(db, &reply, letter: record, calendar: try GRDBCalendarStore.holidayCalendar(db))
        try reply.insert(db)
        if record.publishedAt != nil { try reindexLetterForSearch(db, letterID: record.id!) }
        if record.mayPublish && record.moderationItemId == nil {
            let text = record.subject + "\n" + record.body
            let item = try GRDBModerationStore.enqueueModeration(
                db,
                NewModerationItem(
                    kind: .letter, sourceType: letterSourceType, sourceID: String(record.id!),
                    authorName: record.authorName, text: text, check: filter.check(text)),
                at: now)
            record.moderationItemId = item.id
        }
        try record.update(db)
        try noticeLetterReplied(db, record, links: links, at: now)
    }

    /// The period for a type: the lead department's own policy, else the
    /// type's default row, else the built-in default.
    static func policyDays(_ db: Database, type: LetterType, departmentID: Int64?) throws -> Int {
        if let departmentID, let days = try departmentPolicyDays(db, type: type, departmentID: departmentID) { return days }
        return try Int.fetchOne(
            db, sql: "SELECT working_days FROM deadline_policy WHERE letter_type = ? AND department_id IS NULL",
            arguments: [type.rawValue]) ?? type.defaultWorkingDays
    }

    /// A department's own period for a type, if it has one.
    static func departmentPolicyDays(_ db: Database, type: LetterType, departmentID: Int64) throws -> Int? {
        try Int.fetchOne(
            db, sql: "SELECT working_days FROM deadline_policy WHERE letter_type = ? AND department_id = ?",
            arguments: [type.rawValue, departmentID])
    }

    static func departmentName(_ db: Database, id: Int64) throws -> String? {
        try String.fetchOne(db, sql: "SELECT name FROM department WHERE id = ?", arguments: [id])
    }

    static func letterView(_ db: Database, _ record: LetterRecord) throws -> LetterView {
        let id = record.id!
        func department(_ id: Int64?) throws -> LetterDepartment? {
            guard let id, let name = try departmentName(db, id: id) else { return nil }
            return LetterDepartment(id: id, name: name)
        }
        let coHandlers = try Row.fetchAll(
            db,
            sql: """
                SELECT letter_assignment.department_id, letter_assignment.due_on, department.name
                FROM letter_assignment JOIN department ON department.id = letter_assignment.department_id
                WHERE letter_assignment.letter_id = ? AND NOT letter_assignment.is_lead
                ORDER BY letter_assignment.id
                """,
            arguments: [id]
        ).map { row in
            let own: CivilDate? = try row.decode(CivilDate?.self, forColumn: "due_on")
            return LetterCoHandlerView(
                departmentId: row["department_id"], department: row["name"], dueOn: own ?? record.dueOn, ownDueDate: own != nil)
        }
        let calendar = try GRDBCalendarStore.holidayCalendar(db)
        let events = try letterClockEvents(db, letterID: id)
        let trace = try clockTrace(db, record, calendar: calendar, events: events)
        let stoppages = trace.stoppages.map { stop in
            LetterStoppageView(
                reason: stop.reason, from: stop.from, until: stop.until, answerDueOn: stop.answerDueOn, endedByLimit: stop.endedByLimit,
                workingDays: stop.until == nil ? nil : stop.workingDays(today: stop.from, calendar: calendar))
        }
        let replies = try Row.fetchAll(
            db,
            sql: """
                SELECT letter_reply.*, department.name AS department_name FROM letter_reply
                JOIN department ON department.id = letter_reply.department_id
                WHERE letter_reply.letter_id = ? ORDER BY letter_reply.round
                """,
            arguments: [id]
        ).map { row in
            let reply = try LetterReplyRecord(row: row)
            return (
                reply.id!,
                LetterReplyView(
                    round: reply.round, body: reply.body,
                    department: LetterDepartment(id: reply.departmentId, name: row["department_name"]), repliedAt: reply.repliedAt,
                    repliedOn: reply.repliedOn, dueOn: reply.dueOn, dueProvisional: reply.dueProvisional,
                    onTime: reply.dueOn.map { reply.repliedOn <= $0 } ?? true, workingDays: reply.workingDays, rating: reply.rating)
            )
        }
        let waiting = [LetterState.received, .accepted].contains(record.state)
        var view = LetterView(
            id: id, number: record.number, type: record.type, subject: record.subject, body: record.body,
            authorName: record.authorName, phone: record.phone, email: record.email, mayPublish: record.mayPublish,
            state: record.state, receivedAt: record.receivedAt, receivedOn: record.receivedOn, policyDays: record.policyDays,
            dueOn: record.dueOn, dueProvisional: record.dueProvisional, clockPaused: record.clockPaused, overdue: record.overdue,
            leadDepartment: try department(record.leadDepartmentId), coHandlers: coHandlers, triageReason: record.triageReason,
            transferredTo: record.transferredTo, replyBody: record.replyBody, repliedAt: record.repliedAt,
            repliedOn: record.repliedOn, replyDepartment: try department(record.replyDepartmentId), rating: record.rating,
            ratedAt: record.ratedAt, followUpUsed: record.followUpUsed, followUpText: record.followUpText,
            extensionWorkingDays: trace.extendedInPeriod ? trace.extensionDaysInPeriod : nil,
            awaitingCorrection: record.state.isOpen && trace.currentStop?.reason == .correction,
            moderationItemId: record.moderationItemId, publishedAt: record.publishedAt, createdAt: record.createdAt,
            updatedAt: record.updatedAt, acceptedOn: record.acceptedOn,
            transferDueOn: waiting ? LetterRules.transferDeadline(receivedOn: record.receivedOn, calendar: calendar) : nil,
            stoppages: stoppages, stoppedWorkingDays: stoppages.compactMap(\.workingDays).reduce(0, +),
            extendedInPeriod: trace.extendedInPeriod, replies: replies.map(\.1))
        try addPublicTexts(db, to: &view, record: record, replyIDs: replies.map(\.0))
        return view
    }

    static func auditLetter(
        _ db: Database, actor: AuthenticatedStaff, action: String, before: AuditedLetter, after: LetterRecord, at now: Date
    ) throws {
        try AuditEntry.record(
            db, actor: .staff(actor, clientAddress: actor.clientAddress), action: action, subjectType: "letter", subjectID: String(after.id!),
            before: before, after: AuditedLetter(after), at: now)
    }
}

/// Who appears in a letter's timeline.
enum LetterEventActor {
    case staff(AuthenticatedStaff)
    case staffID(Int64, String)
    case citizen
    case system

    var id: Int64? {
        switch self {
        case .staff(let staff): staff.userID
        case .staffID(let id, _): id
        case .citizen, .system: nil
        }
    }

    var name: String {
        switch self {
        case .staff(let staff): staff.displayName
        case .staffID(_, let name): name
        case .citizen: "citizen"
        case .system: "system"
        }
    }
}

extension GRDBMailboxStore {
    @discardableResult
    static func appendLetterEvent(
        _ db: Database, letterID: Int64, kind: LetterEventKind, actor: LetterEventActor, note: String? = nil,
        clockEvent clock: ClockEvent? = nil, clockOn: CivilDate? = nil, clockDays: Int? = nil, replyRound: Int? = nil, at now: Date
    ) throws -> LetterEventRecord {
        var event = LetterEventRecord(
            id: nil, letterId: letterID, kind: kind, actorId: actor.id, actorName: actor.name, note: note,
            clockKind: clock?.kind, clockOn: clock?.on ?? clockOn, clockDays: clock?.workingDays ?? clockDays,
            recordedAt: now, clockReason: clock?.reason, replyRound: replyRound)
        try event.insert(db)
        return event
    }
}

/// The parts of a letter the audit log keeps for a staff action.
struct AuditedLetter: Encodable {
    var number: String
    var state: String
    var leadDepartmentId: Int64?
    var dueOn: CivilDate?
    var clockPaused: Bool

    init(_ record: LetterRecord) {
        number = record.number
        state = record.state.rawValue
        leadDepartmentId = record.leadDepartmentId
        dueOn = record.dueOn
        clockPaused = record.clockPaused
    }
}
