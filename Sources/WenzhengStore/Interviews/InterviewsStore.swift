import Foundation
import WenzhengCore

/// Online interviews: their life cycle, questions and votes, the numbered transcript, corrections and withdrawals, deferred questions.
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBInterviewsStore` implements it over SQLite.
public protocol InterviewsStore: Sendable {

    func createInterview(_ draft: InterviewDraft, actor: AuthenticatedStaff, at now: Date) async throws -> Interview

    /// Changes an interview's details or reschedules it. Guests can only be
    /// replaced before the interview goes live.
    func updateInterview(id: Int64, _ draft: InterviewDraft, actor: AuthenticatedStaff, at now: Date) async throws -> Interview

    func interview(id: Int64) async throws -> Interview

    // MARK: The command line (`wenzheng schedule interview`, `wenzheng events …`)

    /// Creates an interview for the operator of the machine: the checks of
    /// `createInterview` (title, summary, length, guests), a start after
    /// `now`, and the host named in the draft (an active host or admin
    /// account) or none yet, in which case any host may run it, as with an
    /// admin's staff form. Audited as `actor` (`AuditActor.commandLine`).
    func scheduleInterview(_ draft: InterviewDraft, actor: AuditActor, at now: Date) async throws -> Interview

    /// Moves a scheduled or open interview to a new start after `now`, and
    /// optionally a new length; the revision (iCalendar SEQUENCE) rises
    /// when either changes.
    func rescheduleInterview(id: Int64, to start: Date, plannedMinutes: Int?, actor: AuditActor, at now: Date) async throws -> Interview

    /// Calls off a scheduled or open interview with a reason
    /// (`InterviewRules.checkCancellation`): status `cancelled`, the reason
    /// and time kept, revision + 1. It takes no more questions; the public
    /// page shows the reason when it had been announced.
    ///
    /// - Throws: `StoreError.invalid` without a reason,
    ///   `StoreError.conflict` once it is live or over.
    func cancelInterview(id: Int64, reason: String, actor: AuditActor, at now: Date) async throws -> Interview

    /// Interviews, soonest first; the public sees only announced ones.
    func interviews(publicOnly: Bool) async throws -> [Interview]

    /// Moves an interview along its life. Going live writes a `started`
    /// system entry; ending writes `ended` and defers every question not
    /// answered, with a reply deadline in working days.
    ///
    /// - Parameter calendar: the working-day calendar; by default the one
    ///   stored, read in the same transaction so an import cannot slip in.
    func changeInterviewStatus(
        id: Int64, to status: InterviewStatus, actor: AuthenticatedStaff, calendar: (any WorkingDayCalendar)?, at now: Date
    ) async throws -> (Interview, [TranscriptEvent])

    /// Stores a citizen's question and puts it in the moderation queue, in
    /// one transaction, which first checks and counts the asker's rate
    /// limits (`limits`, as `RateLimitStore.admit`): a question the store
    /// refuses (an interview not taking questions) is then not counted, and
    /// a question costs one commit, not two.
    ///
    /// - Throws: `RateLimitReached` when a limit is reached (nothing is
    ///   stored or counted).
    func submitQuestion(
        interviewID: Int64, _ question: NewQuestion, check: ContentFilter.Result, limits: [RateLimitCheck], at now: Date
    ) async throws -> (PublicQuestion, ModerationItem)

    /// Approved questions and what became of them, for the public page.
    /// A question whose entry on air an admin withdrew is left out with it.
    func publicQuestions(interviewID: Int64) async throws -> [PublicQuestion]

    /// The host's queue: approved and on-air questions, by votes or by time.
    func questionQueue(interviewID: Int64, byVotes: Bool, actor: AuthenticatedStaff) async throws -> [StaffQuestion]

    /// Refuses an actor who may not follow an interview's staff console:
    /// the rule of the console page and the REST actions. Admins and
    /// moderators follow any interview; hosts and guests only those they run.
    func checkConsoleAccess(interviewID: Int64, actor: AuthenticatedStaff) async throws

    /// One vote per browser per question; voting twice changes nothing.
    func voteForQuestion(interviewID: Int64, questionID: Int64, browserKey: String, at now: Date) async throws -> (
        votes: Int, counted: Bool
    )

    /// Puts an approved question on air: it enters the transcript with the
    /// asker's masked nickname.
    func putQuestionOnAir(interviewID: Int64, questionID: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> TranscriptEvent

    /// Adds a host remark or a guest answer to a live interview (or, with
    /// `late`, an answer to a deferred question afterwards: 补录).
    func postEntry(
        interviewID: Int64, kind: TranscriptEntryKind, body: String, author: EntryAuthor, questionID: Int64?, actor: AuthenticatedStaff,
        at now: Date
    ) async throws -> TranscriptEvent

    /// Corrects an entry's text. The corrected text is masked as citizens'
    /// text is before publication (a question's asker's nickname too), and
    /// what was masked is returned for the corrector to see. The previous
    /// text is kept, the entry's version goes up, and the correction is a
    /// numbered event of its own.
    func correctEntry(interviewID: Int64, entryID: Int64, body: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> PublishedCorrection

    /// Every numbered event after `since`, in order: what a reconnecting
    /// viewer missed. Text withdrawn since is not sent again
    /// (`redactWithdrawnText`).
    func transcriptEvents(interviewID: Int64, since: Int64, limit: Int) async throws -> [TranscriptEvent]

    /// Part of the transcript as it reads now (corrections applied,
    /// withdrawn entries marked, and without their text for the public),
    /// for pages and the API: at most `limit` entries, oldest first.
    func transcriptPage(interviewID: Int64, _ window: TranscriptWindow, limit: Int, reader transcriptReader: TranscriptReader) async throws
        -> TranscriptPage

    /// The published transcript (实录) of an ended or published interview,
    /// as the exports need it (`TranscriptExport`), read in one
    /// transaction: the live entries as they read now (corrections
    /// applied, withdrawn ones left out) and each answer given after the
    /// interview with its question (补录). Only what the public archive
    /// page shows: askers masked, questions as moderated. `url` is nil:
    /// the store knows no public address.
    ///
    /// - Throws: `StoreError.notFound` for no such interview;
    ///   `TranscriptNotAvailable` when it has not ended (scheduled, open,
    ///   live).
    func publishedTranscript(interviewID: Int64) async throws -> TranscriptDocument

    /// Questions deferred to after their interview, a page at a time: the
    /// open ones soonest deadline first, then those answered afterwards
    /// (补录), latest first. Hosts and guests see the questions of the
    /// interviews they run; admins and moderators all. Contacts as
    /// `PersonalInformationAccess` says.
    func deferredQuestions(_ filter: DeferredQuestionFilter, for actor: AuthenticatedStaff, at now: Date) async throws
        -> DeferredQuestionPage

    /// Withdraws an entry from the public transcript, the transcript API and
    /// the live stream (a numbered `withdrawal` event). A question's text
    /// leaves the public question list too.
    ///
    /// - Throws: `StoreError.forbidden` for anyone but an admin;
    ///   `StoreError.conflict` for a system entry or one already withdrawn.
    func unpublishEntry(interviewID: Int64, entryID: Int64, reason: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> TranscriptEvent

    /// Publishes a withdrawn entry again with a corrected text, masked as
    /// citizens' text is (a question's asker's name too), as a numbered
    /// `republication` event; the entry's version goes up. A question's
    /// public text becomes the corrected one.
    ///
    /// - Returns: the event, and what masking changed, for the admin.
    func republishEntry(interviewID: Int64, entryID: Int64, body: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> PublishedCorrection
}

/// The defaults callers may leave out.
extension InterviewsStore {
    /// `submitQuestion` with no rate limit (the demo data, tests).
    public func submitQuestion(interviewID: Int64, _ question: NewQuestion, check: ContentFilter.Result, at now: Date) async throws -> (
        PublicQuestion, ModerationItem
    ) {
        try await submitQuestion(interviewID: interviewID, question, check: check, limits: [], at: now)
    }

    public func changeInterviewStatus(id: Int64, to status: InterviewStatus, actor: AuthenticatedStaff, at now: Date) async throws -> (
        Interview, [TranscriptEvent]
    ) {
        try await changeInterviewStatus(id: id, to: status, actor: actor, calendar: nil, at: now)
    }

    public func transcriptEvents(interviewID: Int64, since: Int64) async throws -> [TranscriptEvent] {
        try await transcriptEvents(interviewID: interviewID, since: since, limit: 100_000)
    }

    public func transcriptPage(interviewID: Int64, _ window: TranscriptWindow, limit: Int) async throws -> TranscriptPage {
        try await transcriptPage(interviewID: interviewID, window, limit: limit, reader: .public)
    }

    public func deferredQuestions(for actor: AuthenticatedStaff, at now: Date) async throws -> DeferredQuestionPage {
        try await deferredQuestions(DeferredQuestionFilter(), for: actor, at: now)
    }
}
