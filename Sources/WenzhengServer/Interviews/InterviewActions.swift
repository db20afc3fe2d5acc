import Foundation
import HTTPTypes
import Logging
import WenzhengCore
import WenzhengStore

/// What both the JSON API and the pages do to interviews: every change
/// that adds transcript events is committed and then published while the
/// room's lock is held, so viewers get events in sequence order and only
/// after they are in the database.
struct InterviewActions: Sendable {
    /// Who creates interviews and moves them along.
    static let organisers: Set<Role> = [.admin, .host]
    /// Who puts questions on air and posts answers and corrections.
    static let onAir: Set<Role> = [.admin, .host, .guest]
    /// Who follows an interview's console and its deferred questions.
    static let consoleRoles: Set<Role> = [.admin, .host, .guest, .moderator]
    /// Who withdraws published entries and publishes them again.
    static let withdrawers = WithdrawalRules.roles

    let database: AppDatabase
    let clock: any WallClock
    let hub: LiveHub
    let library: ModerationLibrary
    /// Where a new question is announced to moderators.
    let moderation: ModerationChannel
    let questionLimiter: QuestionRateLimiter
    let browserKeys: BrowserKeys
    let voteLimiter: VoteRateLimiter

    /// The interview, unless it is not yet announced (or was cancelled
    /// before it was) and the reader is not staff: the public gets 404 for
    /// those (`Interview.isPublic`).
    func visibleInterview(_ id: Int64, to staff: AuthenticatedStaff?) async throws -> Interview {
        let interview = try await database.interviews.interview(id: id)
        if !interview.isPublic && staff == nil {
            throw Problem(kind: .notFound, detail: "no such interview")
        }
        return interview
    }

    /// The published transcript (实录) in one format, as the archive page
    /// offers it for download: the bytes of `wenzheng export transcript`
    /// (no export time, no site address), so the same transcript always
    /// gives the same file.
    ///
    /// - Throws: `Problem` 404 for an interview that has not ended, and
    ///   ("no such interview") for one not announced, as its page.
    func transcript(_ id: Int64, as format: TranscriptFormat) async throws -> Data {
        do {
            return TranscriptExport.data(try await database.interviews.publishedTranscript(interviewID: id), as: format)
        } catch let refusal as TranscriptNotAvailable {
            let detail =
                refusal.status == .scheduled ? "no such interview" : "interview \(id) has no published transcript until it has ended"
            throw Problem(kind: .notFound, detail: detail)
        }
    }

    func create(_ draft: InterviewDraft, actor: AuthenticatedStaff) async throws -> Interview {
        try await database.interviews.createInterview(draft, actor: actor, at: clock.now())
    }

    func update(_ id: Int64, _ draft: InterviewDraft, actor: AuthenticatedStaff) async throws -> Interview {
        try await database.interviews.updateInterview(id: id, draft, actor: actor, at: clock.now())
    }

    func changeStatus(_ id: Int64, to status: InterviewStatus, actor: AuthenticatedStaff) async throws -> Interview {
        let room = hub.room(id)
        // Read per use: `wenzheng calendar import` may have changed it.
        let calendar = try await database.calendar.workingDayCalendar()
        return try await room.sequencer.run {
            let (interview, events) = try await database.interviews.changeInterviewStatus(
                id: id, to: status, actor: actor, calendar: calendar, at: clock.now())
            await room.publish(events, catchingUpFrom: database.interviews)
            if status == .ended { room.publishQuestionsChanged() }
            return interview
        }
    }

    func post(
        _ id: Int64, kind: TranscriptEntryKind, body: String, author: EntryAuthor, questionID: Int64?, actor: AuthenticatedStaff
    ) async throws -> TranscriptEvent {
        let room = hub.room(id)
        return try await room.sequencer.run {
            let event = try await database.interviews.postEntry(
                interviewID: id, kind: kind, body: body, author: author, questionID: questionID, actor: actor, at: clock.now())
            await room.publish([event], catchingUpFrom: database.interviews)
            if questionID != nil { room.publishQuestionsChanged() }
            return event
        }
    }

    /// Puts an approved question on air: the host's call, not a guest's.
    func putOnAir(_ id: Int64, questionID: Int64, actor: AuthenticatedStaff) async throws -> TranscriptEvent {
        guard actor.role != .guest else { throw Problem(kind: .forbidden, detail: "the host puts questions on air") }
        let room = hub.room(id)
        return try await room.sequencer.run {
            let event = try await database.interviews.putQuestionOnAir(
                interviewID: id, questionID: questionID, actor: actor, at: clock.now())
            await room.publish([event], catchingUpFrom: database.interviews)
            room.publishQuestionsChanged()
            return event
        }
    }

    /// Publishes a correction, masked as citizens' text is; the result says
    /// what was masked.
    func correct(_ id: Int64, entryID: Int64, body: String, actor: AuthenticatedStaff) async throws -> PublishedCorrection {
        let room = hub.room(id)
        return try await room.sequencer.run {
            let correction = try await database.interviews.correctEntry(
                interviewID: id, entryID: entryID, body: body, actor: actor, at: clock.now())
            await room.publish([correction.event], catchingUpFrom: database.interviews)
            return correction
        }
    }

    /// Withdraws an entry from the public side (admins only): viewers get
    /// a numbered `withdrawal` event, and the question list is refetched in
    /// case the entry was a question.
    func unpublish(_ id: Int64, entryID: Int64, reason: String, actor: AuthenticatedStaff) async throws -> TranscriptEvent {
        try await publishingQuestions(id, event: \.self) {
            try await database.interviews.unpublishEntry(interviewID: id, entryID: entryID, reason: reason, actor: actor, at: clock.now())
        }
    }

    /// Publishes a withdrawn entry again with a corrected text, masked; the
    /// result says what was masked.
    func republish(_ id: Int64, entryID: Int64, body: String, actor: AuthenticatedStaff) async throws -> PublishedCorrection {
        try await publishingQuestions(id, event: \.event) {
            try await database.interviews.republishEntry(interviewID: id, entryID: entryID, body: body, actor: actor, at: clock.now())
        }
    }

    /// Commits one event through `change` and publishes it, with a
    /// `questions` signal, while the room's sequencer is held.
    private func publishingQuestions<Result: Sendable>(
        _ id: Int64, event: (Result) -> TranscriptEvent, _ change: () async throws -> Result
    ) async throws -> Result {
        let room = hub.room(id)
        return try await room.sequencer.run {
            let result = try await change()
            await room.publish([event(result)], catchingUpFrom: database.interviews)
            room.publishQuestionsChanged()
            return result
        }
    }

    /// A citizen's question: validated, rate-limited, filtered, stored with
    /// its moderation item, and announced to moderators.
    ///
    /// The store checks that the interview takes questions, in the
    /// question's own transaction; only when it refuses is the interview
    /// read here, so that the public gets 404 for one not announced, as on
    /// its page (`visibleInterview`), and such a question does not count
    /// against the asker's limits.
    func ask(
        _ id: Int64, text: String?, nickname: String?, contact: String?, browserKey: String, clientAddress: String,
        staff: AuthenticatedStaff?
    ) async throws -> PublicQuestion {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(text, field: "text", maxLength: InterviewRules.questionMaxLength, into: &errors)
        let nickname = TextRules.optionalText(nickname, field: "nickname", maxLength: InterviewRules.nicknameMaxLength, into: &errors)
        let contact = TextRules.optionalText(contact, field: "contact", maxLength: InterviewRules.contactMaxLength, into: &errors)
        try ValidationFailure.check(errors)

        let now = clock.now()
        func tooMany(_ wait: Int) -> Problem {
            Problem(kind: .tooManyRequests, detail: "too many questions; try again in \(wait) seconds", headers: [.retryAfter: String(wait)])
        }
        let filter = library.filter
        let check = filter.check(text)
        if check.action == .reject {
            // A refused text counts against the limits too, so the word
            // list cannot be probed freely; it is checked and counted on
            // its own, as nothing is stored.
            if let wait = try await questionLimiter.admit(browserKey: browserKey, address: clientAddress, now: now) {
                throw tooMany(wait)
            }
            let category = check.flags.first { $0.action == .reject }?.category ?? "other"
            let reason = filter.rules.reason(code: category) ?? filter.rules.reason(code: "other")
            throw Problem.validation(
                FieldError(field: "text", code: "rejected", message: reason.map { "\($0.zh) / \($0.en)" } ?? "the text was refused"))
        }
        let question: PublicQuestion
        let item: ModerationItem
        do {
            // The limits are checked and counted in the question's own
            // transaction: parallel requests cannot all pass, a question
            // the store refuses is not counted, and it costs one commit.
            (question, item) = try await database.interviews.submitQuestion(
                interviewID: id,
                NewQuestion(text: text, nickname: nickname, contact: contact, browserKey: browserKey, clientAddress: clientAddress),
                check: check, limits: questionLimiter.checks(browserKey: browserKey, address: clientAddress), at: now)
        } catch let reached as RateLimitReached {
            throw tooMany(reached.retryAfter)
        } catch let refusal as StoreError {
            _ = try await visibleInterview(id, to: staff)
            throw refusal
        }
        moderation.announce(item, .created)
        return question
    }

    /// One browser's support for a question, at most once, and within the
    /// address's vote limits.
    ///
    /// - Throws: `Problem` 429 when the address votes too often.
    func vote(_ id: Int64, questionID: Int64, browserKey: String, clientAddress: String) async throws -> (votes: Int, counted: Bool) {
        let now = clock.now()
        if let wait = try await voteLimiter.admit(address: clientAddress, questionID: questionID, now: now) {
            throw Problem(
                kind: .tooManyRequests, detail: "too many votes from this address; try again in \(wait) seconds",
                headers: [.retryAfter: String(wait)])
        }
        let result = try await database.interviews.voteForQuestion(interviewID: id, questionID: questionID, browserKey: browserKey, at: now)
        if result.counted { hub.room(id).publishQuestionsChanged() }
        return result
    }
}
