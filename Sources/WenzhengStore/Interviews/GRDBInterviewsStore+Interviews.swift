import Foundation
import GRDB
import WenzhengCore

/// Interviews themselves: drafts, their life cycle, and who runs them.
extension GRDBInterviewsStore {
    func createInterview(_ draft: InterviewDraft, actor: AuthenticatedStaff, at now: Date) async throws -> Interview {
        let draft = try Self.validated(draft)
        return try await writer.write { db in
            // A host who creates an interview without naming one hosts it.
            let hostID = try Self.hostID(db, username: draft.hostUsername) ?? (actor.role == .host ? actor.userID : nil)
            return try Self.insertInterview(db, draft, hostID: hostID, actor: .staff(actor, clientAddress: actor.clientAddress), at: now)
        }
    }

    func scheduleInterview(_ draft: InterviewDraft, actor: AuditActor, at now: Date) async throws -> Interview {
        let draft = try Self.validated(draft)
        try Self.checkFuture(draft.scheduledStart, now: now)
        return try await writer.write { db in
            try Self.insertInterview(db, draft, hostID: try Self.hostID(db, username: draft.hostUsername), actor: actor, at: now)
        }
    }

    func rescheduleInterview(id: Int64, to start: Date, plannedMinutes: Int?, actor: AuditActor, at now: Date) async throws -> Interview {
        var errors: [FieldError] = []
        do {
            try OfficeTimeText.checkFuture(start, field: "start", now: now)
        } catch {
            errors.append(error)
        }
        if let plannedMinutes { InterviewRules.checkDuration(minutes: plannedMinutes, into: &errors) }
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        return try await writer.write { db in
            var record = try Self.existingInterview(db, id: id)
            guard record.status == .scheduled || record.status == .open else {
                throw StoreError.conflict(
                    "interview \(id) is \(record.status.rawValue); only scheduled or open interviews can be rescheduled")
            }
            let before = try Self.interview(db, id: id)
            let minutes = plannedMinutes ?? record.plannedMinutes
            if record.scheduledStart != start || record.plannedMinutes != minutes {
                record.revision += 1
            }
            record.scheduledStart = start
            record.plannedMinutes = minutes
            record.updatedAt = now
            try record.update(db)
            let after = try Self.interview(db, id: id)
            try AuditEntry.record(
                db, actor: actor, action: "interview.reschedule", subjectType: "interview", subjectID: String(id), before: before,
                after: after, at: now)
            return after
        }
    }

    func cancelInterview(id: Int64, reason: String, actor: AuditActor, at now: Date) async throws -> Interview {
        try await writer.write { db in
            var record = try Self.existingInterview(db, id: id)
            let checkedReason: String
            do {
                checkedReason = try InterviewRules.checkCancellation(from: record.status, reason: reason)
            } catch let refusal as InterviewCancellationRefusal {
                switch refusal {
                case .invalid(let failure): throw StoreError.invalid(failure)
                case .notCancellable: throw StoreError.conflict("interview \(id): \(refusal.description)")
                }
            }
            let before = try Self.interview(db, id: id)
            record.status = .cancelled
            record.cancellationReason = checkedReason
            record.cancelledAt = now
            record.revision += 1
            record.updatedAt = now
            try record.update(db)
            let after = try Self.interview(db, id: id)
            try AuditEntry.record(
                db, actor: actor, action: "interview.cancel", subjectType: "interview", subjectID: String(id), before: before,
                after: after, at: now)
            return after
        }
    }

    /// Changes an interview's details or reschedules it. Guests can only be
    /// replaced before the interview goes live.
    func updateInterview(id: Int64, _ draft: InterviewDraft, actor: AuthenticatedStaff, at now: Date) async throws -> Interview {
        let draft = try Self.validated(draft)
        return try await writer.write { db in
            var record = try Self.existingInterview(db, id: id)
            try Self.ensureRuns(db, record, actor)
            let before = try Self.interview(db, id: id)
            guard record.status == .scheduled || record.status == .open else {
                throw StoreError.conflict("interview \(id) is \(record.status.rawValue); only scheduled or open interviews can be changed")
            }
            // What a calendar shows as the event's time and name: a change
            // raises the SEQUENCE so calendar programs take the new copy.
            if record.title != draft.title || record.scheduledStart != draft.scheduledStart
                || record.plannedMinutes != draft.plannedMinutes
            {
                record.revision += 1
            }
            record.title = draft.title
            record.summary = draft.summary
            record.scheduledStart = draft.scheduledStart
            record.plannedMinutes = draft.plannedMinutes
            if let hostID = try Self.hostID(db, username: draft.hostUsername) { record.hostUserId = hostID }
            record.updatedAt = now
            try record.update(db)
            try Self.replaceGuests(db, interviewID: id, guests: draft.guests)
            let after = try Self.interview(db, id: id)
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.update", subjectType: "interview",
                subjectID: String(id), before: before, after: after, at: now)
            return after
        }
    }

    func interview(id: Int64) async throws -> Interview {
        try await reader.read { db in try Self.interview(db, id: id) }
    }

    /// Interviews, soonest first; the public sees only announced ones.
    func interviews(publicOnly: Bool) async throws -> [Interview] {
        try await reader.read { db in
            var request = InterviewRecord.all()
            if publicOnly {
                // `Interview.isPublic`: announced; a cancelled one only if
                // it was announced before.
                request = request.filter(
                    Column("status") != InterviewStatus.scheduled.rawValue
                        && (Column("status") != InterviewStatus.cancelled.rawValue || Column("announced_at") != nil))
            }
            let ids = try request.order(Column("scheduled_start").desc).select(Column("id"), as: Int64.self).fetchAll(db)
            return try ids.map { try Self.interview(db, id: $0) }
        }
    }

    /// Moves an interview along its life. Going live writes a `started`
    /// system entry; ending writes `ended` and defers every question not
    /// answered, with a reply deadline in working days.
    ///
    /// - Parameter calendar: the working-day calendar; by default the one
    ///   stored, read in the same transaction so an import cannot slip in.
    func changeInterviewStatus(
        id: Int64, to status: InterviewStatus, actor: AuthenticatedStaff, calendar: (any WorkingDayCalendar)?, at now: Date
    ) async throws -> (Interview, [TranscriptEvent]) {
        try await writer.write { db in
            var record = try Self.existingInterview(db, id: id)
            try Self.ensureRuns(db, record, actor)
            let calendar: any WorkingDayCalendar = try calendar ?? GRDBCalendarStore.holidayCalendar(db)
            guard status != .cancelled else {
                throw StoreError.invalid(
                    ValidationFailure([
                        .invalid(
                            "status",
                            "an interview is cancelled with a reason (wenzheng events cancel interview:\(id) --reason …), not by a status change"
                        )
                    ]))
            }
            guard record.status.next.contains(status) else {
                throw StoreError.conflict("interview \(id) cannot go from \(record.status.rawValue) to \(status.rawValue)")
            }
            let before = record.status
            record.status = status
            record.updatedAt = now
            // Public from opening for questions, or from going live when it
            // never opened: the plan check counts notice days from here.
            if status == .open || status == .live, record.announcedAt == nil {
                record.announcedAt = now
            }
            var events: [TranscriptEvent] = []
            switch status {
            case .live:
                record.startedAt = now
                try record.update(db)
                events.append(
                    try Self.appendEntry(
                        db, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "started", late: false,
                        postedBy: actor.userID, at: now))
            case .ended:
                record.endedAt = now
                try record.update(db)
                let due = calendar.adding(workingDays: InterviewRules.deferredReplyWorkingDays, to: CivilDate(now))
                try db.execute(
                    sql: """
                        UPDATE interview_question SET state = 'deferred', deferred_at = ?, reply_due_on = ?
                        WHERE interview_id = ? AND state IN ('approved', 'on_air')
                        """,
                    arguments: [now, due.description, id])
                events.append(
                    try Self.appendEntry(
                        db, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "ended", late: false,
                        postedBy: actor.userID, at: now))
            case .published:
                record.publishedAt = now
                try record.update(db)
                events.append(
                    try Self.appendEntry(
                        db, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "published", late: false,
                        postedBy: actor.userID, at: now))
            case .open, .scheduled, .cancelled:
                try record.update(db)
            }
            try AuditEntry.record(
                db, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.status", subjectType: "interview",
                subjectID: String(id), before: ["status": before.rawValue], after: ["status": status.rawValue], at: now)
            return (try Self.interview(db, id: id), events)
        }
    }

    /// Refuses an actor who may not follow an interview's staff console:
    /// the rule of the console page and the REST actions. Admins and
    /// moderators follow any interview; hosts and guests only those they run.
    func checkConsoleAccess(interviewID: Int64, actor: AuthenticatedStaff) async throws {
        try await reader.read { db in
            let interview = try Self.existingInterview(db, id: interviewID)
            if actor.role != .moderator { try Self.ensureRuns(db, interview, actor) }
        }
    }

    // MARK: Helpers

    /// Inserts a validated draft with its guests and audit entry.
    static func insertInterview(_ db: Database, _ draft: InterviewDraft, hostID: Int64?, actor: AuditActor, at now: Date) throws
        -> Interview
    {
        var record = InterviewRecord(
            id: nil, title: draft.title, summary: draft.summary, scheduledStart: draft.scheduledStart,
            plannedMinutes: draft.plannedMinutes, hostUserId: hostID, status: .scheduled, lastSeq: 0, createdAt: now, updatedAt: now,
            startedAt: nil, endedAt: nil, publishedAt: nil, revision: 0, announcedAt: nil, cancellationReason: nil, cancelledAt: nil)
        try record.insert(db)
        try replaceGuests(db, interviewID: record.id!, guests: draft.guests)
        let interview = try Self.interview(db, id: record.id!)
        try AuditEntry.record(
            db, actor: actor, action: "interview.create", subjectType: "interview", subjectID: String(record.id!), after: interview, at: now
        )
        return interview
    }

    /// A start in the past is refused, with an example (the command line's
    /// rule; the staff form takes what the organiser typed).
    static func checkFuture(_ start: Date, now: Date) throws {
        do {
            try OfficeTimeText.checkFuture(start, field: "start", now: now)
        } catch {
            throw StoreError.invalid(ValidationFailure([error]))
        }
    }

    /// Who may run an interview: admins any; a host the interviews they
    /// host (or that have no host yet); a guest only those they are a guest
    /// of.
    static func ensureRuns(_ db: Database, _ interview: InterviewRecord, _ actor: AuthenticatedStaff) throws {
        switch actor.role {
        case .admin:
            return
        case .host:
            if let host = interview.hostUserId, host != actor.userID {
                throw StoreError.forbidden("you are not the host of interview \(interview.id!)")
            }
        case .guest:
            let linked = try InterviewGuestRecord.filter(Column("interview_id") == interview.id! && Column("user_id") == actor.userID)
                .fetchCount(db)
            if linked == 0 { throw StoreError.forbidden("you are not a guest of interview \(interview.id!)") }
        default:
            throw StoreError.forbidden("your role does not run interviews")
        }
    }

    static func validated(_ draft: InterviewDraft) throws -> InterviewDraft {
        var errors: [FieldError] = []
        var result = draft
        result.title = TextRules.requiredText(draft.title, field: "title", maxLength: InterviewRules.titleMaxLength, into: &errors)
        result.summary =
            TextRules.optionalText(draft.summary, field: "summary", maxLength: InterviewRules.summaryMaxLength, into: &errors) ?? ""
        if !InterviewRules.plannedMinutesRange.contains(draft.plannedMinutes) {
            errors.append(
                .invalid(
                    "plannedMinutes",
                    "plannedMinutes must be between \(InterviewRules.plannedMinutesRange.lowerBound) and \(InterviewRules.plannedMinutesRange.upperBound)"
                ))
        }
        if draft.guests.count > InterviewRules.maxGuests {
            errors.append(.invalid("guests", "at most \(InterviewRules.maxGuests) guests"))
        }
        result.guests = draft.guests.enumerated().map { index, guest in
            var guest = guest
            guest.name = TextRules.requiredText(
                guest.name, field: "guests[\(index)].name", maxLength: InterviewRules.guestFieldMaxLength, into: &errors)
            guest.title =
                TextRules.optionalText(
                    guest.title, field: "guests[\(index)].title", maxLength: InterviewRules.guestFieldMaxLength, into: &errors) ?? ""
            guest.department =
                TextRules.optionalText(
                    guest.department, field: "guests[\(index)].department", maxLength: InterviewRules.guestFieldMaxLength, into: &errors)
                ?? ""
            return guest
        }
        if !errors.isEmpty { throw StoreError.invalid(ValidationFailure(errors)) }
        return result
    }

    static func hostID(_ db: Database, username: String?) throws -> Int64? {
        guard let username, !username.isEmpty else { return nil }
        guard let user = try StaffUser.filter(StaffUser.Columns.username == username.lowercased()).fetchOne(db), !user.isDisabled else {
            throw StoreError.invalid(ValidationFailure([.invalid("host", "no active staff account '\(username)'")]))
        }
        guard user.role == .host || user.role == .admin else {
            throw StoreError.invalid(ValidationFailure([.invalid("host", "'\(username)' is not a host")]))
        }
        return user.id
    }

    static func replaceGuests(_ db: Database, interviewID: Int64, guests: [InterviewGuest]) throws {
        try InterviewGuestRecord.filter(Column("interview_id") == interviewID).deleteAll(db)
        for (position, guest) in guests.enumerated() {
            var userID: Int64?
            if let username = guest.username, !username.isEmpty {
                guard let user = try StaffUser.filter(StaffUser.Columns.username == username.lowercased()).fetchOne(db), user.role == .guest
                else {
                    throw StoreError.invalid(
                        ValidationFailure([.invalid("guests[\(position)].username", "no guest account '\(username)'")]))
                }
                userID = user.id
            }
            var record = InterviewGuestRecord(
                id: nil, interviewId: interviewID, position: position, name: guest.name, title: guest.title,
                department: guest.department, userId: userID)
            try record.insert(db)
        }
    }

    static func existingInterview(_ db: Database, id: Int64) throws -> InterviewRecord {
        guard let record = try InterviewRecord.fetchOne(db, key: id) else {
            throw StoreError.notFound(kind: "interview", key: String(id))
        }
        return record
    }

    static func interview(_ db: Database, id: Int64) throws -> Interview {
        let record = try existingInterview(db, id: id)
        let guests = try Row.fetchAll(
            db,
            sql: """
                SELECT interview_guest.*, staff_user.username AS username FROM interview_guest
                LEFT JOIN staff_user ON staff_user.id = interview_guest.user_id
                WHERE interview_id = ? ORDER BY position
                """,
            arguments: [id]
        ).map { row in
            InterviewGuest(id: row["id"], name: row["name"], title: row["title"], department: row["department"], username: row["username"])
        }
        var host: (String, String)?
        if let hostID = record.hostUserId,
            let row = try Row.fetchOne(db, sql: "SELECT display_name, username FROM staff_user WHERE id = ?", arguments: [hostID])
        {
            host = (row["display_name"], row["username"])
        }
        return Interview(
            id: id, title: record.title, summary: record.summary, scheduledStart: record.scheduledStart,
            plannedMinutes: record.plannedMinutes, host: host?.0, hostUsername: host?.1, status: record.status, guests: guests,
            lastSeq: record.lastSeq, startedAt: record.startedAt, endedAt: record.endedAt, publishedAt: record.publishedAt,
            revision: record.revision, announcedAt: record.announcedAt, cancellationReason: record.cancellationReason,
            cancelledAt: record.cancelledAt, updatedAt: record.updatedAt)
    }

}
