import Foundation
import GRDB
import WenzhengCore

// MARK: Records (one per table)

struct LetterRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var number: String
    var type: LetterType
    var subject: String
    var body: String
    var authorName: String
    var phone: String?
    var email: String?
    var mayPublish: Bool
    var passwordHash: String
    var idempotencyKey: String?
    var state: LetterState
    var receivedAt: Date
    var receivedOn: CivilDate
    var policyDays: Int
    var dueOn: CivilDate?
    var dueProvisional: Bool
    var clockPaused: Bool
    var overdue: Bool
    var leadDepartmentId: Int64?
    var triageReason: TriageRejection?
    var transferredTo: String?
    var replyBody: String?
    var repliedAt: Date?
    var repliedOn: CivilDate?
    var replyDepartmentId: Int64?
    var rating: ReplyRating?
    var ratedAt: Date?
    var followUpUsed: Bool
    var followUpText: String?
    var moderationItemId: Int64?
    var publishedAt: Date?
    var clientAddress: String?
    var createdAt: Date
    var updatedAt: Date
    /// 受理日期: the day the office accepted the letter (or answered it on
    /// the spot).
    var acceptedOn: CivilDate?

    static let databaseTableName = "letter"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let id = Column("id")
        static let number = Column("number")
        static let state = Column("state")
        static let idempotencyKey = Column("idempotency_key")
        static let dueOn = Column("due_on")
        static let dueProvisional = Column("due_provisional")
        static let clockPaused = Column("clock_paused")
        static let overdue = Column("overdue")
        static let leadDepartmentId = Column("lead_department_id")
        static let receivedAt = Column("received_at")
        static let publishedAt = Column("published_at")
    }
}

struct LetterAssignmentRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var letterId: Int64
    var departmentId: Int64
    var isLead: Bool
    /// NULL: the letter's own due date.
    var dueOn: CivilDate?
    var assignedAt: Date

    static let databaseTableName = "letter_assignment"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let letterId = Column("letter_id")
        static let departmentId = Column("department_id")
        static let isLead = Column("is_lead")
    }
}

struct LetterDraftRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var letterId: Int64
    var body: String
    var draftedBy: Int64
    var draftedAt: Date
    var reviewState: DraftReviewState
    var reviewedBy: Int64?
    var reviewedAt: Date?
    var reviewComment: String?

    static let databaseTableName = "letter_draft"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let letterId = Column("letter_id")
        static let reviewState = Column("review_state")
    }
}

struct LetterEventRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var letterId: Int64
    var kind: LetterEventKind
    var actorId: Int64?
    var actorName: String
    var note: String?
    var clockKind: ClockEvent.Kind?
    /// The day the event happened, which staff may set up to 3 working days
    /// before `recordedAt`.
    var clockOn: CivilDate?
    var clockDays: Int?
    var recordedAt: Date
    /// For a stopped clock: why (migration `v9-reply-clock`; NULL before).
    var clockReason: ClockStopReason?
    /// The reply a publication event is about (migration `v12-withdrawals`).
    var replyRound: Int? = nil

    static let databaseTableName = "letter_event"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let id = Column("id")
        static let letterId = Column("letter_id")
        static let kind = Column("kind")
        static let clockKind = Column("clock_kind")
    }
}

/// One reply sent (migration `v9-reply-clock`).
struct LetterReplyRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var letterId: Int64
    /// 1 answers the letter, 2 the follow-up.
    var round: Int
    var body: String
    var departmentId: Int64
    var repliedAt: Date
    var repliedOn: CivilDate
    /// The deadline of the reply's own period; nil when sent while the
    /// clock was stopped.
    var dueOn: CivilDate?
    var dueProvisional: Bool
    /// What the clock counted up to the reply; nil until computed.
    var workingDays: Int?
    var rating: ReplyRating?
    var ratedAt: Date?

    static let databaseTableName = "letter_reply"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let letterId = Column("letter_id")
        static let round = Column("round")
        static let dueProvisional = Column("due_provisional")
        static let workingDays = Column("working_days")
    }
}

struct DeadlinePolicyRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var letterType: LetterType
    var departmentId: Int64?
    var workingDays: Int

    static let databaseTableName = "deadline_policy"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum Columns {
        static let letterType = Column("letter_type")
        static let departmentId = Column("department_id")
    }
}

// MARK: Inputs

/// A letter was submitted with an idempotency key already used for a
/// letter with different content.
public struct LetterIdempotencyKeyReused: Error, Sendable, Equatable {
    public init() {}
}

/// A citizen's letter as the form sent it. The store trims and validates it.
public struct NewLetter: Sendable {
    public var type: LetterType
    public var subject: String
    public var body: String
    public var authorName: String
    public var phone: String?
    public var email: String?
    public var mayPublish: Bool
    /// The form's hidden key; the same key again returns the same letter.
    public var idempotencyKey: String?
    public var clientAddress: String?
    /// Files already kept in `AttachmentFiles`, linked in the letter's
    /// transaction (checked with `validateCitizenAttachments` first).
    public var attachments: [NewAttachment]

    public init(
        type: LetterType, subject: String, body: String, authorName: String, phone: String?, email: String?,
        mayPublish: Bool, idempotencyKey: String?, clientAddress: String?, attachments: [NewAttachment] = []
    ) {
        self.attachments = attachments
        self.type = type
        self.subject = subject
        self.body = body
        self.authorName = authorName
        self.phone = phone
        self.email = email
        self.mayPublish = mayPublish
        self.idempotencyKey = idempotencyKey
        self.clientAddress = clientAddress
    }
}

/// A co-handling department and its own due date (nil: the letter's).
public struct CoHandler: Sendable, Equatable {
    public var departmentID: Int64
    public var dueOn: CivilDate?

    public init(departmentID: Int64, dueOn: CivilDate? = nil) {
        self.departmentID = departmentID
        self.dueOn = dueOn
    }
}

/// A clock action's date and note as staff gave them.
public struct ClockEntry: Sendable, Equatable {
    /// The day it happened; nil for today. At most 3 working days back.
    public var on: CivilDate?
    public var note: String?

    public init(on: CivilDate? = nil, note: String? = nil) {
        self.on = on
        self.note = note
    }
}

/// Which open letters a deadline list shows.
public enum LetterDeadlineFilter: Sendable, Equatable {
    /// Due before today.
    case overdueOnly
    /// Due within this many working days from today, overdue included.
    case dueWithin(workingDays: Int)
    /// Due today or within this many working days, overdue excluded.
    case dueSoon(workingDays: Int)
    case all
}

// MARK: Views

/// A department as letters name it.
public struct LetterDepartment: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
}

public struct LetterCoHandlerView: Codable, Sendable, Equatable {
    public var departmentId: Int64
    public var department: String
    /// Its own date, or the letter's when none was given.
    public var dueOn: CivilDate?
    /// True when the date was given at assignment rather than following
    /// the letter's.
    public var ownDueDate: Bool
}

/// A letter as staff see it. Days are in the office's calendar (Beijing);
/// JSON writes them `yyyy-MM-dd`.
///
/// The citizen's query page should show a subset: not `clientAddress`
/// (not even here), the contact details only back to their owner, and not
/// the internal drafts (a separate call).
public struct LetterView: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var number: String
    public var type: LetterType
    public var subject: String
    public var body: String
    public var authorName: String
    public var phone: String?
    public var email: String?
    public var mayPublish: Bool
    public var state: LetterState
    public var receivedAt: Date
    public var receivedOn: CivilDate
    public var policyDays: Int
    /// nil while the clock is paused.
    public var dueOn: CivilDate?
    public var dueProvisional: Bool
    public var clockPaused: Bool
    public var overdue: Bool
    public var leadDepartment: LetterDepartment?
    public var coHandlers: [LetterCoHandlerView]
    public var triageReason: TriageRejection?
    public var transferredTo: String?
    public var replyBody: String?
    public var repliedAt: Date?
    public var repliedOn: CivilDate?
    public var replyDepartment: LetterDepartment?
    public var rating: ReplyRating?
    public var ratedAt: Date?
    public var followUpUsed: Bool
    public var followUpText: String?
    /// Working days granted by the extension of the current period, if
    /// there was one (a corrected request or a follow-up starts a period
    /// without it).
    public var extensionWorkingDays: Int?
    /// A correction notice went out and the corrected request has not come.
    public var awaitingCorrection: Bool
    public var moderationItemId: Int64?
    public var publishedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// 受理日期: the day the office accepted the letter (nil before).
    public var acceptedOn: CivilDate?
    /// While the letter waits for triage: the last day to transfer it, if
    /// it is outside our competence (1 working day after receipt).
    public var transferDueOn: CivilDate?
    /// Every time the clock stood still, oldest first, the current one
    /// last (consultations, arts. 32 and 34; the wait for a correction,
    /// art. 30).
    public var stoppages: [LetterStoppageView]
    /// Working days stopped, over the stops that have ended.
    public var stoppedWorkingDays: Int
    /// The current period was extended (once per period, art. 33).
    public var extendedInPeriod: Bool
    /// Every reply sent, oldest first: a follow-up's answer does not
    /// replace the first one.
    public var replies: [LetterReplyView]
    /// Once published: the subject and body the public page shows (or
    /// showed, while withdrawn), masked, as corrected at the last
    /// republication.
    public var publicSubject: String? = nil
    public var publicBody: String? = nil
    /// Set while an admin has the published letter withdrawn (item 23).
    public var withdrawal: PublicationWithdrawal? = nil

    /// The current stop, if the clock stands still.
    public var currentStoppage: LetterStoppageView? { clockPaused ? stoppages.last { $0.until == nil } : nil }

    /// The citizen may rate the reply now (`LetterWorkflow`; the citizen's
    /// actions do not read the clock, so no timeline is needed).
    public var canRate: Bool { LetterWorkflow.refusal(.rate, workflowFacts(timeline: [])) == nil }
    /// The citizen may send the one follow-up now.
    public var canFollowUp: Bool { LetterWorkflow.refusal(.followUp, workflowFacts(timeline: [])) == nil }
}

/// One step of a letter's timeline.
public struct LetterEventView: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var kind: LetterEventKind
    /// The staff account, when a staff member acted.
    public var actorId: Int64?
    /// The staff member's display name, or `citizen` / `system`.
    public var actorName: String
    public var note: String?
    public var clockKind: ClockEvent.Kind?
    /// The day a clock event happened (it may be before `recordedAt`).
    public var clockOn: CivilDate?
    public var clockDays: Int?
    /// When it was recorded, by `actorName`.
    public var recordedAt: Date
    /// Why the clock stopped.
    public var clockReason: ClockStopReason?
    /// The reply a withdrawal or republication is about (1 answers the
    /// letter, 2 the follow-up).
    public var replyRound: Int?
}

/// A time the clock stood still.
public struct LetterStoppageView: Codable, Sendable, Equatable {
    /// Nil for a pause recorded before reasons existed (a consultation).
    public var reason: ClockStopReason?
    /// The day it stopped (still counted).
    public var from: CivilDate
    /// The day counting started again; nil while it stands still.
    public var until: CivilDate?
    /// The consulted party's last day to answer (15 working days), or the
    /// applicant's last day to correct.
    public var answerDueOn: CivilDate?
    /// A consultation that ended because its 15 working days ran out.
    public var endedByLimit: Bool
    /// Working days not counted; nil while it stands still.
    public var workingDays: Int?
}

/// One reply sent.
public struct LetterReplyView: Codable, Sendable, Equatable {
    /// 1 answers the letter, 2 the follow-up.
    public var round: Int
    public var body: String
    public var department: LetterDepartment
    public var repliedAt: Date
    public var repliedOn: CivilDate
    /// The deadline of the reply's own period; nil when sent while the
    /// clock was stopped.
    public var dueOn: CivilDate?
    public var dueProvisional: Bool
    /// Sent on or before `dueOn`, or while the clock was stopped.
    public var onTime: Bool
    /// Working days the clock counted, pauses and the wait for a correction
    /// left out.
    public var workingDays: Int?
    public var rating: ReplyRating?
    /// Once the letter is published: the text the public page shows (or
    /// showed, while withdrawn), masked, as corrected at the last
    /// republication.
    public var publicBody: String? = nil
    /// Set while an admin has this reply withdrawn from the public page.
    public var withdrawal: PublicationWithdrawal? = nil
}

public struct LetterDraftView: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var body: String
    public var draftedById: Int64
    public var draftedBy: String
    public var draftedAt: Date
    public var reviewState: DraftReviewState
    public var reviewedBy: String?
    public var reviewedAt: Date?
    public var reviewComment: String?
}

/// One line of a deadline list.
public struct LetterDeadlineRow: Codable, Sendable, Equatable {
    public var letterId: Int64
    public var number: String
    public var subject: String
    public var type: LetterType
    public var state: LetterState
    /// The lead department, or the co-handling department the list was
    /// asked for; nil before assignment.
    public var departmentId: Int64?
    public var department: String?
    /// The row is the asked department's co-handling share, with its own
    /// due date.
    public var coHandling: Bool
    public var receivedOn: CivilDate
    public var dueOn: CivilDate?
    public var provisional: Bool
    public var paused: Bool
    /// Due before today.
    public var overdue: Bool
    /// Working days from today to the due date, negative when overdue;
    /// while paused, the working days left on the stopped clock.
    public var workingDaysLeft: Int?
    /// While paused: why, and the consulted party's (or the applicant's)
    /// last day to answer.
    public var stopReason: ClockStopReason?
    public var answerDueOn: CivilDate?
    /// While the letter waits for triage: the last day to transfer it.
    public var transferDueOn: CivilDate?
}

/// One page of a deadline list.
public struct LetterDeadlinePage: Codable, Sendable, Equatable {
    public var rows: [LetterDeadlineRow]
    /// More rows match than this page holds.
    public var more: Bool
}

/// A letter waiting for triage, with the day it must be transferred by if
/// it is outside our competence.
public struct TriageQueueRow: Codable, Sendable, Equatable {
    public var letterId: Int64
    public var number: String
    public var subject: String
    public var type: LetterType
    public var receivedOn: CivilDate
    /// 1 working day after receipt (`LetterRules.transferWorkingDays`).
    public var transferDueOn: CivilDate
    /// Today is after `transferDueOn`.
    public var late: Bool
}

/// The first letters waiting for triage, and how many there are.
public struct TriageQueue: Codable, Sendable, Equatable {
    public var rows: [TriageQueueRow]
    public var total: Int
    public var late: Int
}

/// Letters transferred in a period, and how many within the working day.
public struct TransferStatistics: Codable, Sendable, Equatable {
    public var transferred: Int
    public var withinDeadline: Int
}

/// How a lead department answered the letters it replied to in a period.
public struct DepartmentLetterStatistics: Codable, Sendable, Equatable {
    public var departmentId: Int64
    public var department: String
    public var replied: Int
    public var repliedOnTime: Int
    /// `repliedOnTime / replied`, 0…1.
    public var onTimeRate: Double
    /// Working days from receipt (or the corrected request, or the
    /// follow-up) to reply as the clock counts them: time stopped for a
    /// consultation or waiting for a correction left out.
    public var medianWorkingDaysToReply: Double?
    public var satisfied: Int
    public var basicallySatisfied: Int
    public var unsatisfied: Int
    public var unrated: Int
}

public struct MonthlyLetterStatistics: Codable, Sendable, Equatable {
    public var month: Int
    public var received: Int
    public var replied: Int
    public var repliedOnTime: Int
}

/// A letter on the public page: the masked text only.
public struct PublishedLetter: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var type: LetterType
    public var subject: String
    /// The moderated text with personal information and the author's name
    /// masked.
    public var body: String
    /// The first reply, with the author's name masked; empty when it is
    /// withdrawn.
    public var reply: String
    /// 来信日期: the day the letter arrived.
    public var receivedOn: CivilDate
    /// 受理日期: the day the office accepted it.
    public var acceptedOn: CivilDate?
    /// 答复日期 of the first reply.
    public var repliedOn: CivilDate
    /// 答复部门 of the first reply.
    public var replyDepartment: String
    public var publishedAt: Date
    /// Every reply, oldest first: the answer to a follow-up comes after the
    /// first one, with its own date and department.
    public var replies: [PublishedReply]
}

/// A reply on the public page.
public struct PublishedReply: Codable, Sendable, Equatable {
    /// 1 answers the letter, 2 the follow-up.
    public var round: Int
    /// The author's name and personal information masked; empty when
    /// withdrawn.
    public var body: String
    public var repliedOn: CivilDate
    public var department: String
    /// An admin withdrew this reply from the public page (item 23): the
    /// page says so, without the text or the reason.
    public var withdrawn: Bool = false
}

public struct DeadlinePolicy: Codable, Sendable, Equatable {
    public var letterType: LetterType
    /// nil: the default for the type.
    public var departmentId: Int64?
    public var department: String?
    public var workingDays: Int
}

/// One department's digest made for one office day.
public struct LetterDigestOutcome: Codable, Sendable, Equatable {
    public var departmentID: Int64
    public var department: String
    public var day: CivilDate
    /// Letters listed (overdue included); 0 for a digest recorded without a notice.
    public var letters: Int
    public var overdue: Int
    /// The notice written, nil when there was nothing to list.
    public var outboxMessageID: Int64?
}
