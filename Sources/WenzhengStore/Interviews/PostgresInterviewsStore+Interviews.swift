import Foundation
import PostgresNIO
import WenzhengCore

/// Interviews themselves on PostgreSQL: drafts, their life cycle, and who
/// runs them (`GRDBInterviewsStore+Interviews`).
extension PostgresInterviewsStore {
    func createInterview(_ draft: InterviewDraft, actor: AuthenticatedStaff, at now: Date) async throws -> Interview {
        let draft = try GRDBInterviewsStore.validated(draft)
        return try await backend.write { tx in
            // A host who creates an interview without naming one hosts it.
            let hostID = try await Self.hostID(tx, username: draft.hostUsername) ?? (actor.role == .host ? actor.userID : nil)
            return try await Self.insertInterview(
                tx, draft, hostID: hostID, actor: .staff(actor, clientAddress: actor.clientAddress), at: now)
        }
    }

    func scheduleInterview(_ draft: InterviewDraft, actor: AuditActor, at now: Date) async throws -> Interview {
        let draft = try GRDBInterviewsStore.validated(draft)
        try GRDBInterviewsStore.checkFuture(draft.scheduledStart, now: now)
        return try await backend.write { tx in
            try await Self.insertInterview(
                tx, draft, hostID: try await Self.hostID(tx, username: draft.hostUsername), actor: actor, at: now)
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
        return try await writeInterview(id) { tx in
            var record = try await Self.existingInterview(tx, id: id)
            guard record.status == .scheduled || record.status == .open else {
                throw StoreError.conflict(
                    "interview \(id) is \(record.status.rawValue); only scheduled or open interviews can be rescheduled")
            }
            let before = try await Self.interview(tx, id: id)
            let minutes = plannedMinutes ?? record.plannedMinutes
            if record.scheduledStart != start || record.plannedMinutes != minutes {
                record.revision += 1
            }
            record.scheduledStart = start
            record.plannedMinutes = minutes
            record.updatedAt = now
            try await record.update(tx)
            let after = try await Self.interview(tx, id: id)
            try await AuditEntry.record(
                tx, actor: actor, action: "interview.reschedule", subjectType: "interview", subjectID: String(id), before: before,
                after: after, at: now)
            return after
        }
    }

    func cancelInterview(id: Int64, reason: String, actor: AuditActor, at now: Date) async throws -> Interview {
        try await writeInterview(id) { tx in
            var record = try await Self.existingInterview(tx, id: id)
            let checkedReason: String
            do {
                checkedReason = try InterviewRules.checkCancellation(from: record.status, reason: reason)
            } catch let refusal as InterviewCancellationRefusal {
                switch refusal {
                case .invalid(let failure): throw StoreError.invalid(failure)
                case .notCancellable: throw StoreError.conflict("interview \(id): \(refusal.description)")
                }
            }
            let before = try await Self.interview(tx, id: id)
            record.status = .cancelled
            record.cancellationReason = checkedReason
            record.cancelledAt = now
            record.revision += 1
            record.updatedAt = now
            try await record.update(tx)
            let after = try await Self.interview(tx, id: id)
            try await AuditEntry.record(
                tx, actor: actor, action: "interview.cancel", subjectType: "interview", subjectID: String(id), before: before,
                after: after, at: now)
            // Open pages stop taking questions: a status change, no event.
            try await Self.notifyChange(tx, interviewID: id, seq: nil, questionsChanged: false)
            return after
        }
    }

    func updateInterview(id: Int64, _ draft: InterviewDraft, actor: AuthenticatedStaff, at now: Date) async throws -> Interview {
        let draft = try GRDBInterviewsStore.validated(draft)
        return try await writeInterview(id) { tx in
            var record = try await Self.existingInterview(tx, id: id)
            try await Self.ensureRuns(tx, record, actor)
            let before = try await Self.interview(tx, id: id)
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
            if let hostID = try await Self.hostID(tx, username: draft.hostUsername) { record.hostUserId = hostID }
            record.updatedAt = now
            try await record.update(tx)
            try await Self.replaceGuests(tx, interviewID: id, guests: draft.guests)
            let after = try await Self.interview(tx, id: id)
            try await AuditEntry.record(
                tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.update", subjectType: "interview",
                subjectID: String(id), before: before, after: after, at: now)
            return after
        }
    }

    func interview(id: Int64) async throws -> Interview {
        try await backend.read { tx in try await Self.interview(tx, id: id) }
    }

    /// Interviews, soonest first; the public sees only announced ones.
    func interviews(publicOnly: Bool) async throws -> [Interview] {
        try await backend.read { tx in
            // `Interview.isPublic`: announced; a cancelled one only if it
            // was announced before.
            let ids = try await tx.rows(
                """
                SELECT id FROM interview
                WHERE NOT \(publicOnly) OR (status <> 'scheduled' AND (status <> 'cancelled' OR announced_at IS NOT NULL))
                ORDER BY scheduled_start DESC, id DESC
                """
            ).map { try $0.value("id", as: Int64.self) }
            var interviews: [Interview] = []
            for id in ids { interviews.append(try await Self.interview(tx, id: id)) }
            return interviews
        }
    }

    func changeInterviewStatus(
        id: Int64, to status: InterviewStatus, actor: AuthenticatedStaff, calendar: (any WorkingDayCalendar)?, at now: Date
    ) async throws -> (Interview, [TranscriptEvent]) {
        try await writeInterview(id) { tx in
            var record = try await Self.existingInterview(tx, id: id)
            try await Self.ensureRuns(tx, record, actor)
            let workingDays: any WorkingDayCalendar
            if let calendar { workingDays = calendar } else { workingDays = try await PostgresCalendarStore.holidayCalendar(tx) }
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
                try await record.update(tx)
                events.append(
                    try await Self.appendEntry(
                        tx, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "started", late: false,
                        postedBy: actor.userID, at: now))
            case .ended:
                record.endedAt = now
                try await record.update(tx)
                let due = workingDays.adding(workingDays: InterviewRules.deferredReplyWorkingDays, to: CivilDate(now))
                try await tx.execute(
                    """
                    UPDATE interview_question SET state = 'deferred', deferred_at = \(now), reply_due_on = \(due)
                    WHERE interview_id = \(id) AND state IN ('approved', 'on_air')
                    """)
                events.append(
                    try await Self.appendEntry(
                        tx, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "ended", late: false,
                        postedBy: actor.userID, at: now))
            case .published:
                record.publishedAt = now
                try await record.update(tx)
                events.append(
                    try await Self.appendEntry(
                        tx, interviewID: id, kind: .system, author: "系统", authorTitle: nil, questionID: nil, body: "published",
                        late: false, postedBy: actor.userID, at: now))
            case .open, .scheduled, .cancelled:
                try await record.update(tx)
            }
            try await AuditEntry.record(
                tx, actor: .staff(actor, clientAddress: actor.clientAddress), action: "interview.status", subjectType: "interview",
                subjectID: String(id), before: ["status": before.rawValue], after: ["status": status.rawValue], at: now)
            // Ending defers the open questions: the public list changes.
            try await Self.notifyChange(tx, interviewID: id, seq: events.last?.seq, questionsChanged: status == .ended)
            return (try await Self.interview(tx, id: id), events)
        }
    }

    func checkConsoleAccess(interviewID: Int64, actor: AuthenticatedStaff) async throws {
        try await backend.read { tx in
            let interview = try await Self.existingInterview(tx, id: interviewID)
            if actor.role != .moderator { try await Self.ensureRuns(tx, interview, actor) }
        }
    }

    // MARK: Helpers

    /// Inserts a validated draft with its guests and audit entry.
    static func insertInterview(_ tx: PostgresTransaction, _ draft: InterviewDraft, hostID: Int64?, actor: AuditActor, at now: Date)
        async throws -> Interview
    {
        let record = InterviewRecord(
            id: nil, title: draft.title, summary: draft.summary, scheduledStart: draft.scheduledStart,
            plannedMinutes: draft.plannedMinutes, hostUserId: hostID, status: .scheduled, lastSeq: 0, createdAt: now, updatedAt: now,
            startedAt: nil, endedAt: nil, publishedAt: nil, revision: 0, announcedAt: nil, cancellationReason: nil, cancelledAt: nil)
        let id = try await record.insert(tx)
        try await replaceGuests(tx, interviewID: id, guests: draft.guests)
        let interview = try await Self.interview(tx, id: id)
        try await AuditEntry.record(
            tx, actor: actor, action: "interview.create", subjectType: "interview", subjectID: String(id), after: interview, at: now)
        return interview
    }

    /// Who may run an interview: admins any; a host the interviews they
    /// host (or that have no host yet); a guest only those they are a guest
    /// of.
    static func ensureRuns(_ tx: PostgresTransaction, _ interview: InterviewRecord, _ actor: AuthenticatedStaff) async throws {
        switch actor.role {
        case .admin:
            return
        case .host:
            if let host = interview.hostUserId, host != actor.userID {
                throw StoreError.forbidden("you are not the host of interview \(interview.id!)")
            }
        case .guest:
            let linked = try await tx.scalar(
                "SELECT COUNT(*) FROM interview_guest WHERE interview_id = \(interview.id!) AND user_id = \(actor.userID)", as: Int64.self)
            if (linked ?? 0) == 0 { throw StoreError.forbidden("you are not a guest of interview \(interview.id!)") }
        default:
            throw StoreError.forbidden("your role does not run interviews")
        }
    }

    static func hostID(_ tx: PostgresTransaction, username: String?) async throws -> Int64? {
        guard let username, !username.isEmpty else { return nil }
        guard
            let user = try await tx.row(
                "SELECT id, role, disabled_at IS NOT NULL AS disabled FROM staff_user WHERE username = \(username.lowercased())"),
            !(try user.value("disabled", as: Bool.self))
        else {
            throw StoreError.invalid(ValidationFailure([.invalid("host", "no active staff account '\(username)'")]))
        }
        let role = try user.value(rawValueOf: "role", as: Role.self)
        guard role == .host || role == .admin else {
            throw StoreError.invalid(ValidationFailure([.invalid("host", "'\(username)' is not a host")]))
        }
        return try user.value("id", as: Int64.self)
    }

    static func replaceGuests(_ tx: PostgresTransaction, interviewID: Int64, guests: [InterviewGuest]) async throws {
        try await tx.execute("DELETE FROM interview_guest WHERE interview_id = \(interviewID)")
        for (position, guest) in guests.enumerated() {
            var userID: Int64?
            if let username = guest.username, !username.isEmpty {
                guard let user = try await tx.row("SELECT id, role FROM staff_user WHERE username = \(username.lowercased())"),
                    try user.value(rawValueOf: "role", as: Role.self) == .guest
                else {
                    throw StoreError.invalid(
                        ValidationFailure([.invalid("guests[\(position)].username", "no guest account '\(username)'")]))
                }
                userID = try user.value("id", as: Int64.self)
            }
            let record = InterviewGuestRecord(
                id: nil, interviewId: interviewID, position: position, name: guest.name, title: guest.title,
                department: guest.department, userId: userID)
            try await tx.insert(into: "interview_guest", record)
        }
    }

    static func existingInterview(_ tx: PostgresTransaction, id: Int64) async throws -> InterviewRecord {
        guard let row = try await tx.row("SELECT * FROM interview WHERE id = \(id)") else {
            throw StoreError.notFound(kind: "interview", key: String(id))
        }
        return try InterviewRecord(postgresRow: row)
    }

    static func interview(_ tx: PostgresTransaction, id: Int64) async throws -> Interview {
        let record = try await existingInterview(tx, id: id)
        let guests = try await tx.rows(
            """
            SELECT interview_guest.*, staff_user.username AS username FROM interview_guest
            LEFT JOIN staff_user ON staff_user.id = interview_guest.user_id
            WHERE interview_id = \(id) ORDER BY position, interview_guest.id
            """
        ).map { row in
            InterviewGuest(
                id: try row.value("id", as: Int64.self), name: try row.value("name", as: String.self),
                title: try row.value("title", as: String.self), department: try row.value("department", as: String.self),
                username: try row.value("username", as: String?.self))
        }
        var host: (String, String)?
        if let hostID = record.hostUserId, let row = try await tx.row("SELECT display_name, username FROM staff_user WHERE id = \(hostID)")
        {
            host = (try row.value("display_name", as: String.self), try row.value("username", as: String.self))
        }
        return Interview(
            id: id, title: record.title, summary: record.summary, scheduledStart: record.scheduledStart,
            plannedMinutes: record.plannedMinutes, host: host?.0, hostUsername: host?.1, status: record.status, guests: guests,
            lastSeq: record.lastSeq, startedAt: record.startedAt, endedAt: record.endedAt, publishedAt: record.publishedAt,
            revision: record.revision, announcedAt: record.announcedAt, cancellationReason: record.cancellationReason,
            cancelledAt: record.cancelledAt, updatedAt: record.updatedAt)
    }
}
