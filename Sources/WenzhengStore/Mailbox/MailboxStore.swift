import Foundation
import WenzhengCore

/// The leader's mailbox: letters and their workflow, the reply clock, deadlines and reports, attachments, publication and search.
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBMailboxStore` implements it over SQLite.
public protocol MailboxStore: Sendable {
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
    func submitLetter(_ new: NewLetter, passwordHash: String, at now: Date) async throws -> (letter: LetterView, created: Bool)

    /// The letter with this number and its query password's hash, for the
    /// citizen's query page: the server checks the password against the
    /// hash before it shows anything. Nil for an unknown number.
    func letterForQuery(number: String) async throws -> (LetterView, passwordHash: String)?

    func letter(id: Int64) async throws -> LetterView

    /// Every step of a letter, oldest first.
    func timeline(letterID: Int64) async throws -> [LetterEventView]

    /// The replies drafted for a letter and what the reviewer said, oldest
    /// first. Office-internal: not for the citizen.
    func letterDrafts(letterID: Int64) async throws -> [LetterDraftView]

    /// Letters in some states (all when empty), optionally those a
    /// department leads or co-handles; oldest first, for work lists such as
    /// the triage inbox (`[.received]`).
    func letters(states: [LetterState], departmentID: Int64?, limit: Int, offset: Int) async throws -> [LetterView]

    /// Takes a received letter on.
    func acceptLetter(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// Sends a letter outside our competence to the authority that has it.
    /// The design asks for this within one working day of receipt; the
    /// event's `clockDays` records how many it took.
    func transferLetter(id: Int64, to authority: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// Refuses a letter with a standard reason (and an optional note, such
    /// as the number of the letter it duplicates).
    func rejectLetter(id: Int64, reason: TriageRejection, note: String?, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// Gives an accepted letter (or reassigns an assigned one) to a lead
    /// department and optional co-handling departments. At the first
    /// assignment, a lead department with its own deadline policy sets the
    /// letter's period unless the deadline has passed; a reassignment never
    /// moves the deadline or clears overdue (`LetterRules.periodOnAssignment`).
    func assignLetter(id: Int64, lead: Int64, coHandlers: [CoHandler], actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// Drafts the reply, which then waits for sign-off.
    ///
    /// - Throws: `StoreError.forbidden` for a handler outside the lead
    ///   department (reviewers and admins may draft for any).
    func draftReply(id: Int64, body: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// The reviewer's decision on the pending draft: approve sends the
    /// reply (and, when the citizen agreed, queues the letter for
    /// publication); otherwise the draft goes back with the comment.
    ///
    /// - Parameter filter: screens the letter's text for the moderation
    ///   queue when it is queued for publication.
    func signOff(id: Int64, approve: Bool, comment: String?, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView

    /// Answers an information-disclosure request at once (当场答复): from
    /// received or accepted straight to replied, with the actor's
    /// department as lead and reply department unless one is assigned.
    func replyOnTheSpot(id: Int64, body: String, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// The citizen rates the reply (the server checked the query password).
    /// Once per reply: after a follow-up is answered, the new reply can be
    /// rated again; the earlier rating stays in the timeline.
    func rateLetter(number: String, rating: ReplyRating, at now: Date) async throws -> LetterView

    /// The one follow-up an unsatisfied citizen may send: the letter goes
    /// back to its lead department with a fresh period from today.
    func followUp(number: String, text: String, at now: Date) async throws -> LetterView

    /// Extends an information-disclosure request's period, once per
    /// period, by 1…20 working days, approved by the actor (a reviewer or
    /// an admin) and with the notice the applicant is sent. Only while the
    /// deadline has not passed on the day it is recorded.
    ///
    /// - Parameter entry: the day it was approved (up to 3 working days
    ///   back; `LetterClockRules`).
    func extendLetter(id: Int64, workingDays: Int, notice: String, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView

    /// Stops the clock while a third party (art. 32) or another agency
    /// (art. 34) is consulted; they have 15 working days to answer, and the
    /// clock stops for no longer. Only while the deadline has not passed
    /// on the day it is recorded.
    ///
    /// - Parameter note: who is consulted and about what.
    func pauseLetter(id: Int64, reason: ClockStopReason, note: String, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date)
        async throws -> LetterView

    /// The consulted party answered: the clock runs again from that day
    /// (not one stopped by a correction notice: that one restarts with
    /// `correctedRequestReceived`).
    func resumeLetter(id: Int64, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// Sends the correction notice (补正告知, art. 30), once, within 7
    /// working days of receipt, giving the applicant `correctionDays`
    /// working days to correct. The clock stops until the corrected
    /// request arrives.
    func sendCorrectionNotice(id: Int64, text: String, correctionDays: Int, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date)
        async throws -> LetterView

    /// The corrected request arrived: the full period starts again from
    /// that day, without any earlier extension (art. 30).
    func correctedRequestReceived(id: Int64, entry: ClockEntry, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// Closes a request whose correction did not arrive within the period
    /// given as abandoned (视为放弃, art. 30): state `withdrawn`, with its own
    /// timeline event. Only after that period has ended.
    func deemWithdrawn(id: Int64, note: String?, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// One pass over the open letters' clocks, in one transaction:
    ///
    /// 1. with `recomputeAll` (the first pass after a start), every
    ///    deadline is recomputed on the current rules and calendar;
    /// 2. a consultation still open after the consulted party's 15 working
    ///    days ends on its last day, with a `resumed` event by the system
    ///    (arts. 32, 34); a stopped clock is recomputed too, so a pause that
    ///    began after the deadline (recorded before this rule) never hides
    ///    an overdue letter;
    /// 3. open letters whose deadline has passed are marked overdue, once
    ///    each, with an `overdue` event.
    func sweepLetterClocks(at now: Date, recomputeAll: Bool) async throws -> LetterClockSweep

    /// Marks open letters whose deadline has passed as overdue (after
    /// ending consultations that ran out of time); returns the letters
    /// marked now. Running it again the same day marks nothing.
    func markOverdueLetters(at now: Date) async throws -> [LetterView]

    /// One page of open letters and their deadlines, soonest first (paused
    /// ones last).
    ///
    /// - Parameters:
    ///   - departmentID: only letters this department leads, and its
    ///     co-handling shares (with their own due dates).
    ///   - states: only these states (all open ones when empty).
    ///   - limit: 1…`GRDBMailboxStore.maxDeadlinePageSize`.
    func openLetterDeadlines(
        filter: LetterDeadlineFilter, departmentID: Int64?, states: [LetterState], limit: Int, offset: Int, at now: Date
    ) async throws -> LetterDeadlinePage

    /// How many rows `openLetterDeadlines` would list over all its pages.
    func countOpenLetterDeadlines(filter: LetterDeadlineFilter, departmentID: Int64?, states: [LetterState], at now: Date) async throws
        -> Int

    /// The years open letters fall due in, read as a few distinct values
    /// rather than by loading the letters.
    func openDeadlineYears() async throws -> [Int]

    /// The letters waiting for triage, oldest first (the first `limit`),
    /// with the day each must be transferred by if it is outside our
    /// competence, how many there are and how many are past that day.
    func triageQueue(limit: Int, at now: Date) async throws -> TriageQueue

    /// Letters transferred from `from` to `to` (office dates, inclusive), and
    /// how many within `LetterRules.transferWorkingDays` of receipt (the
    /// transfer event records the working days it took).
    func transferStatistics(from: CivilDate, to: CivilDate) async throws -> TransferStatistics

    /// Per reply department, the replies sent from `from` to `to` (office
    /// dates, inclusive): how many, how many on time (sent on or before
    /// the deadline of their own period; a reply while the clock was
    /// stopped counts as on time), the median working days the clock
    /// counted (time stopped for a consultation or waiting for a
    /// correction left out), and the citizens' ratings. A follow-up's
    /// answer is a reply of its own. By department name.
    func departmentStatistics(from: CivilDate, to: CivilDate) async throws -> [DepartmentLetterStatistics]

    /// For each month of `year`: letters received, replies sent, and
    /// replies on time (as in `departmentStatistics`). Twelve rows, January
    /// first.
    func monthlyStatistics(year: Int) async throws -> [MonthlyLetterStatistics]

    /// Letters the citizen agreed to publish and moderation approved, newest
    /// first: the masked subject and body, 来信日期 and 受理日期, and every
    /// reply (the author's name and personal information masked) with its
    /// 答复日期 and 答复部门.
    func publishedLetters(limit: Int, offset: Int) async throws -> [PublishedLetter]

    /// One published letter; nil when there is none with this id.
    func publishedLetter(id: Int64) async throws -> PublishedLetter?

    /// The reply periods: the defaults, then departments' own by name;
    /// types in `LetterType.allCases` order.
    func deadlinePolicies() async throws -> [DeadlinePolicy]

    /// Sets a type's period, by default or for one lead department; nil
    /// working days removes a department's own period (the default cannot
    /// be removed). Letters already received keep their period; a
    /// department's own applies from the next first assignment to it.
    /// Information-disclosure periods are at most 20 working days.
    func setDeadlinePolicy(type: LetterType, departmentID: Int64?, workingDays: Int?, actor: AuditActor, at now: Date) async throws

    /// Takes a published letter off the public list, its page, the
    /// published-letters API and search.
    ///
    /// - Throws: `StoreError.forbidden` for anyone but an admin;
    ///   `StoreError.conflict` when the letter was never published or is
    ///   withdrawn already; `StoreError.invalid` without a reason.
    func unpublishLetter(id: Int64, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// Publishes a withdrawn letter again with a corrected subject and body,
    /// masked as citizens' text is (the author's name too), and puts it back
    /// in search.
    ///
    /// - Returns: the letter, and what masking changed in the correction.
    func republishLetter(id: Int64, subject: String, body: String, actor: AuthenticatedStaff, at now: Date) async throws -> (
        letter: LetterView, masked: [MaskedSpan]
    )

    /// Takes one reply of a published letter off the public side: the page
    /// says a reply was withdrawn, with its date and department, and search
    /// no longer finds its text. The letter stays public.
    func unpublishReply(letterID: Int64, round: Int, reason: String, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView

    /// Publishes a withdrawn reply again with a corrected text, masked as
    /// citizens' text is (the letter's author's name too).
    func republishReply(letterID: Int64, round: Int, body: String, actor: AuthenticatedStaff, at now: Date) async throws -> (
        letter: LetterView, masked: [MaskedSpan]
    )

    /// Whether a letter was published and is withdrawn now (the public page
    /// answers 410 rather than 404).
    func isLetterWithdrawn(id: Int64) async throws -> Bool

    /// Attaches a document to the reply being prepared (handlers of the
    /// lead department, reviewers, admins), audited.
    func addReplyDocument(letterID: Int64, attachment: NewAttachment, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterAttachmentView

    /// Removes a reply document before the reply is sent, audited.
    func removeReplyDocument(letterID: Int64, attachmentID: Int64, actor: AuthenticatedStaff, at now: Date) async throws

    /// A letter's attachments, the citizen's first, in the order added.
    func letterAttachments(letterID: Int64) async throws -> [LetterAttachmentView]

    /// One attachment of one letter; `notFound` when it belongs to another.
    func letterAttachment(id: Int64, letterID: Int64) async throws -> LetterAttachmentView

    /// Published letters matching `query` (see `SearchQuery` for what
    /// matches): of the newest `letterSearchWindow` matches, the most
    /// relevant first (BM25 weighting, see `LetterRankFunction`; newer first
    /// among equals), `limit` from `offset`.
    ///
    /// - Throws: `StoreError.invalid` for a blank, too long or unusable query
    ///   (field `q`), a page size out of `letterSearchPageSizeRange` or an
    ///   offset outside `0..<letterSearchWindow`.
    func searchLetters(_ query: String, limit: Int, offset: Int) async throws -> LetterSearchPage

    /// Makes the daily digest of `day` (an office day) for every department
    /// with a notice address that has none for that day yet: one
    /// transaction, recorded once per department and day
    /// (`letter_digest`), a notice only when there are letters overdue or
    /// due within `LetterNotices.digestWorkingDays` working days. Returns
    /// what was made now (nothing for a day already done).
    func makeLetterDigests(day: CivilDate, at now: Date) async throws -> [LetterDigestOutcome]

    /// Whether a department's digest of `day` was made.
    func letterDigestMade(departmentID: Int64, day: CivilDate) async throws -> Bool
}

/// The defaults callers may leave out.
extension MailboxStore {
    public func openLetterDeadlines(
        filter: LetterDeadlineFilter, departmentID: Int64?, limit: Int, offset: Int, at now: Date
    ) async throws -> LetterDeadlinePage {
        try await openLetterDeadlines(filter: filter, departmentID: departmentID, states: [], limit: limit, offset: offset, at: now)
    }

    public func letters(departmentID: Int64?) async throws -> [LetterView] {
        try await letters(states: [], departmentID: departmentID, limit: 200, offset: 0)
    }

    public func letters() async throws -> [LetterView] {
        try await letters(states: [], departmentID: nil, limit: 200, offset: 0)
    }

    public func rejectLetter(id: Int64, reason: TriageRejection, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try await rejectLetter(id: id, reason: reason, note: nil, actor: actor, at: now)
    }

    public func assignLetter(id: Int64, lead: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try await assignLetter(id: id, lead: lead, coHandlers: [], actor: actor, at: now)
    }

    public func extendLetter(id: Int64, workingDays: Int, notice: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        try await extendLetter(id: id, workingDays: workingDays, notice: notice, entry: ClockEntry(), actor: actor, at: now)
    }

    public func pauseLetter(id: Int64, reason: ClockStopReason, note: String, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        try await pauseLetter(id: id, reason: reason, note: note, entry: ClockEntry(), actor: actor, at: now)
    }

    public func resumeLetter(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try await resumeLetter(id: id, entry: ClockEntry(), actor: actor, at: now)
    }

    public func sendCorrectionNotice(id: Int64, text: String, correctionDays: Int, actor: AuthenticatedStaff, at now: Date) async throws
        -> LetterView
    {
        try await sendCorrectionNotice(id: id, text: text, correctionDays: correctionDays, entry: ClockEntry(), actor: actor, at: now)
    }

    public func correctedRequestReceived(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try await correctedRequestReceived(id: id, entry: ClockEntry(), actor: actor, at: now)
    }

    public func deemWithdrawn(id: Int64, actor: AuthenticatedStaff, at now: Date) async throws -> LetterView {
        try await deemWithdrawn(id: id, note: nil, actor: actor, at: now)
    }

    public func sweepLetterClocks(at now: Date) async throws -> LetterClockSweep {
        try await sweepLetterClocks(at: now, recomputeAll: false)
    }

    public func openLetterDeadlines(filter: LetterDeadlineFilter, departmentID: Int64?, limit: Int, at now: Date) async throws
        -> LetterDeadlinePage
    {
        try await openLetterDeadlines(filter: filter, departmentID: departmentID, states: [], limit: limit, offset: 0, at: now)
    }

    public func openLetterDeadlines(limit: Int, offset: Int, at now: Date) async throws -> LetterDeadlinePage {
        try await openLetterDeadlines(filter: .all, departmentID: nil, states: [], limit: limit, offset: offset, at: now)
    }

    public func openLetterDeadlines(filter: LetterDeadlineFilter, departmentID: Int64?, at now: Date) async throws -> LetterDeadlinePage {
        try await openLetterDeadlines(
            filter: filter, departmentID: departmentID, states: [], limit: GRDBMailboxStore.maxDeadlinePageSize, offset: 0, at: now)
    }

    public func openLetterDeadlines(limit: Int, at now: Date) async throws -> LetterDeadlinePage {
        try await openLetterDeadlines(filter: .all, departmentID: nil, states: [], limit: limit, offset: 0, at: now)
    }

    public func openLetterDeadlines(filter: LetterDeadlineFilter, at now: Date) async throws -> LetterDeadlinePage {
        try await openLetterDeadlines(
            filter: filter, departmentID: nil, states: [], limit: GRDBMailboxStore.maxDeadlinePageSize, offset: 0, at: now)
    }

    public func openLetterDeadlines(at now: Date) async throws -> LetterDeadlinePage {
        try await openLetterDeadlines(
            filter: .all, departmentID: nil, states: [], limit: GRDBMailboxStore.maxDeadlinePageSize, offset: 0, at: now)
    }

    public func countOpenLetterDeadlines(filter: LetterDeadlineFilter, departmentID: Int64?, at now: Date) async throws -> Int {
        try await countOpenLetterDeadlines(filter: filter, departmentID: departmentID, states: [], at: now)
    }

    public func countOpenLetterDeadlines(filter: LetterDeadlineFilter, at now: Date) async throws -> Int {
        try await countOpenLetterDeadlines(filter: filter, departmentID: nil, states: [], at: now)
    }

    public func countOpenLetterDeadlines(at now: Date) async throws -> Int {
        try await countOpenLetterDeadlines(filter: .all, departmentID: nil, states: [], at: now)
    }

    public func triageQueue(at now: Date) async throws -> TriageQueue {
        try await triageQueue(limit: 20, at: now)
    }

    public func publishedLetters(offset: Int) async throws -> [PublishedLetter] {
        try await publishedLetters(limit: 20, offset: offset)
    }

    public func publishedLetters(limit: Int) async throws -> [PublishedLetter] {
        try await publishedLetters(limit: limit, offset: 0)
    }

    public func publishedLetters() async throws -> [PublishedLetter] {
        try await publishedLetters(limit: 20, offset: 0)
    }
}
