import Foundation
import GRDB
import WenzhengCore

struct InterviewRecord: Sendable, FetchableRecord, MutablePersistableRecord {
    var id: Int64?
    var title: String
    var summary: String
    var scheduledStart: Date
    var plannedMinutes: Int
    var hostUserId: Int64?
    var status: InterviewStatus
    var lastSeq: Int64
    var createdAt: Date
    var updatedAt: Date
    var startedAt: Date?
    var endedAt: Date?
    var publishedAt: Date?
    /// The iCalendar SEQUENCE: raised when the title, start or length changes.
    var revision: Int
    /// When it became public (opened for questions, or went live unannounced).
    var announcedAt: Date?
    /// Set together, exactly when the status is `cancelled`.
    var cancellationReason: String?
    var cancelledAt: Date?

    static let databaseTableName = "interview"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Columns by name (`ExplicitColumns.swift`): read for every vote, every
/// entry on air and every page of an interview.
extension InterviewRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        title = try row.decode(forColumn: "title")
        summary = try row.decode(forColumn: "summary")
        scheduledStart = try row.decode(forColumn: "scheduled_start")
        plannedMinutes = try row.decode(forColumn: "planned_minutes")
        hostUserId = try row.decode(forColumn: "host_user_id")
        status = try row.decode(rawValueOf: "status")
        lastSeq = try row.decode(forColumn: "last_seq")
        createdAt = try row.decode(forColumn: "created_at")
        updatedAt = try row.decode(forColumn: "updated_at")
        startedAt = try row.decode(forColumn: "started_at")
        endedAt = try row.decode(forColumn: "ended_at")
        publishedAt = try row.decode(forColumn: "published_at")
        revision = try row.decode(forColumn: "revision")
        announcedAt = try row.decode(forColumn: "announced_at")
        cancellationReason = try row.decode(forColumn: "cancellation_reason")
        cancelledAt = try row.decode(forColumn: "cancelled_at")
    }

    func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["title"] = title
        container["summary"] = summary
        container["scheduled_start"] = scheduledStart
        container["planned_minutes"] = plannedMinutes
        container["host_user_id"] = hostUserId
        container["status"] = status.rawValue
        container["last_seq"] = lastSeq
        container["created_at"] = createdAt
        container["updated_at"] = updatedAt
        container["started_at"] = startedAt
        container["ended_at"] = endedAt
        container["published_at"] = publishedAt
        container["revision"] = revision
        container["announced_at"] = announcedAt
        container["cancellation_reason"] = cancellationReason
        container["cancelled_at"] = cancelledAt
    }
}

struct InterviewGuestRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var interviewId: Int64
    var position: Int
    var name: String
    var title: String
    var department: String
    var userId: Int64?

    static let databaseTableName = "interview_guest"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct InterviewQuestionRecord: Sendable, FetchableRecord, MutablePersistableRecord {
    var id: Int64?
    var interviewId: Int64
    var text: String
    var publishedText: String?
    var nickname: String?
    var contact: String?
    var browserKey: String
    var clientAddress: String
    var state: QuestionState
    var moderationItemId: Int64?
    var mergedIntoId: Int64?
    var votes: Int
    var onAirAt: Date?
    var answeredAt: Date?
    var deferredAt: Date?
    var replyDueOn: String?
    var createdAt: Date

    static let databaseTableName = "interview_question"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Columns by name (`ExplicitColumns.swift`): one row is written for every
/// citizen's question, and the lists read them all.
extension InterviewQuestionRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        interviewId = try row.decode(forColumn: "interview_id")
        text = try row.decode(forColumn: "text")
        publishedText = try row.decode(forColumn: "published_text")
        nickname = try row.decode(forColumn: "nickname")
        contact = try row.decode(forColumn: "contact")
        browserKey = try row.decode(forColumn: "browser_key")
        clientAddress = try row.decode(forColumn: "client_address")
        state = try row.decode(rawValueOf: "state")
        moderationItemId = try row.decode(forColumn: "moderation_item_id")
        mergedIntoId = try row.decode(forColumn: "merged_into_id")
        votes = try row.decode(forColumn: "votes")
        onAirAt = try row.decode(forColumn: "on_air_at")
        answeredAt = try row.decode(forColumn: "answered_at")
        deferredAt = try row.decode(forColumn: "deferred_at")
        replyDueOn = try row.decode(forColumn: "reply_due_on")
        createdAt = try row.decode(forColumn: "created_at")
    }

    func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["interview_id"] = interviewId
        container["text"] = text
        container["published_text"] = publishedText
        container["nickname"] = nickname
        container["contact"] = contact
        container["browser_key"] = browserKey
        container["client_address"] = clientAddress
        container["state"] = state.rawValue
        container["moderation_item_id"] = moderationItemId
        container["merged_into_id"] = mergedIntoId
        container["votes"] = votes
        container["on_air_at"] = onAirAt
        container["answered_at"] = answeredAt
        container["deferred_at"] = deferredAt
        container["reply_due_on"] = replyDueOn
        container["created_at"] = createdAt
    }
}

struct TranscriptEntryRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var interviewId: Int64
    var seq: Int64
    var kind: TranscriptEntryKind
    var author: String
    var authorTitle: String?
    var questionId: Int64?
    var body: String
    var version: Int
    var late: Bool
    var postedBy: Int64?
    var createdAt: Date
    /// The answering guest's department (答复部门); answers only.
    var department: String?

    static let databaseTableName = "transcript_entry"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct TranscriptCorrectionRecord: Codable, Sendable, SnakeCaseRecord, MutablePersistableRecord {
    var id: Int64?
    var interviewId: Int64
    var seq: Int64
    var entryId: Int64
    var version: Int
    var previousBody: String
    var body: String
    var correctedBy: Int64
    var correctedAt: Date

    static let databaseTableName = "transcript_correction"
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

// MARK: Public views

/// A new question from a citizen, as the HTTP layer validated it.
public struct NewQuestion: Sendable {
    public var text: String
    public var nickname: String?
    public var contact: String?
    /// The anonymous browser's id (a cookie), for votes and rate limits.
    public var browserKey: String
    public var clientAddress: String

    public init(text: String, nickname: String?, contact: String?, browserKey: String, clientAddress: String) {
        self.text = text
        self.nickname = nickname
        self.contact = contact
        self.browserKey = browserKey
        self.clientAddress = clientAddress
    }
}

public struct InterviewGuest: Codable, Sendable, Equatable {
    public var id: Int64?
    public var name: String
    public var title: String
    public var department: String
    /// The guest's staff account, when they type their own answers.
    public var username: String?

    public init(id: Int64? = nil, name: String, title: String, department: String, username: String? = nil) {
        self.id = id
        self.name = name
        self.title = title
        self.department = department
        self.username = username
    }
}

public struct Interview: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var title: String
    public var summary: String
    public var scheduledStart: Date
    public var plannedMinutes: Int
    public var host: String?
    public var hostUsername: String?
    public var status: InterviewStatus
    public var guests: [InterviewGuest]
    public var lastSeq: Int64
    public var startedAt: Date?
    public var endedAt: Date?
    public var publishedAt: Date?
    /// The iCalendar SEQUENCE (`ICalendarEvent(interviewID:…revision:)`):
    /// starts at 0, raised whenever the title, the scheduled start or the
    /// planned length changes, so calendar programs replace their copy.
    public var revision: Int
    /// When the public was told: the interview opened for questions (or
    /// went live without opening first). Nil while scheduled. The plan
    /// check's notice days count from it.
    public var announcedAt: Date?
    /// Why and when it was called off (status `cancelled`).
    public var cancellationReason: String?
    public var cancelledAt: Date?
    /// The last change to the interview itself (details, status), not to
    /// its questions or transcript: a calendar export's DTSTAMP.
    public var updatedAt: Date

    /// Whether the public may see it: announced, or (for one announced
    /// before) cancelled. An interview cancelled while still scheduled was
    /// never public and stays hidden.
    public var isPublic: Bool {
        switch status {
        case .scheduled: false
        case .cancelled: announcedAt != nil
        case .open, .live, .ended, .published: true
        }
    }
}

/// What staff send to create or change an interview.
public struct InterviewDraft: Sendable {
    public var title: String
    public var summary: String
    public var scheduledStart: Date
    public var plannedMinutes: Int
    public var hostUsername: String?
    public var guests: [InterviewGuest]

    public init(title: String, summary: String, scheduledStart: Date, plannedMinutes: Int, hostUsername: String?, guests: [InterviewGuest])
    {
        self.title = title
        self.summary = summary
        self.scheduledStart = scheduledStart
        self.plannedMinutes = plannedMinutes
        self.hostUsername = hostUsername
        self.guests = guests
    }
}

/// A citizen's question as the public sees it (never the contact details).
public struct PublicQuestion: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var text: String
    public var nickname: String
    public var state: QuestionState
    public var votes: Int
    public var createdAt: Date
    public var replyDueOn: String?
}

/// A citizen's question as staff see it.
///
/// Contact details and the unmasked text go only to admins and the host of
/// the question's interview (`PersonalInformationAccess`). Everyone else
/// gets `redacted: true`: no `originalText` or `contact`, the public masked
/// `nickname`, and `text` with the masked spans listed by kind.
public struct StaffQuestion: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var interviewId: Int64
    public var interviewTitle: String
    /// The text as published (or as it will be): personal information masked.
    public var text: String
    /// Where `text` was masked, and what kind of item was there.
    public var maskedSpans: [MaskedSpan]
    /// The text as the citizen wrote it.
    public var originalText: String?
    public var nickname: String?
    public var contact: String?
    public var redacted: Bool
    public var state: QuestionState
    public var votes: Int
    public var createdAt: Date
    /// 受理日期: the day the question was asked (Beijing time).
    public var receivedOn: String
    // After the interview (deferred questions only):
    /// The reply deadline, and whether a holiday notice not yet loaded may
    /// still move it.
    public var replyDueOn: String?
    public var replyDueProvisional: Bool?
    /// 答复日期 and 答复部门 of the first answer after the interview (补录).
    public var answeredOn: String?
    public var answerDepartment: String?
    /// nil while unanswered.
    public var answeredOnTime: Bool?
    /// Past the deadline without an answer, or answered after it.
    public var overdue: Bool?
    public var moderationItemId: Int64?
}

/// Which deferred questions to list, and which page.
public struct DeferredQuestionFilter: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Still waiting for their answer.
        case open
        /// Answered after the interview.
        case answered
        case all
    }

    public var state: State
    public var interviewID: Int64?
    public var limit: Int
    public var offset: Int

    public init(state: State = .all, interviewID: Int64? = nil, limit: Int = InterviewRules.deferredPageSize, offset: Int = 0) {
        self.state = state
        self.interviewID = interviewID
        self.limit = limit
        self.offset = offset
    }
}

/// One page of deferred questions: open ones by deadline, then answered
/// ones, latest answer first.
public struct DeferredQuestionPage: Sendable, Equatable {
    public var questions: [StaffQuestion]
    /// More questions match than this page holds.
    public var more: Bool
}

/// Which part of a transcript to read.
public enum TranscriptWindow: Sendable, Equatable {
    /// The entries after this sequence number, oldest first.
    case after(Int64)
    /// The entries before this sequence number (the last ones before it).
    case before(Int64)
    /// The newest entries.
    case latest
}

/// A bounded part of a transcript, oldest entry first.
public struct TranscriptPage: Sendable, Equatable {
    public var entries: [TranscriptEntry]
    public var hasEarlier: Bool
    public var hasLater: Bool
    /// For staff: the withdrawals in force among `entries`, by entry id.
    public var withdrawals: [Int64: PublicationWithdrawal] = [:]
}

/// Who reads a transcript, which decides what a withdrawn entry shows.
public enum TranscriptReader: Sendable, Equatable {
    /// Pages, the API, exports: a withdrawn entry comes without its text.
    case `public`
    /// The console: who withdrew an entry, when and why; the text only
    /// for those who may read citizens' text unmasked (the text was
    /// withdrawn because of what it says).
    case staff(readsWithdrawnText: Bool)
}

/// A correction as published, and what masking changed in it.
public struct PublishedCorrection: Sendable, Equatable {
    public var event: TranscriptEvent
    /// The personal information masked in the corrected text, by kind.
    public var masked: [MaskedSpan]
}

public struct TranscriptEntry: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var seq: Int64
    public var kind: TranscriptEntryKind
    public var author: String
    public var authorTitle: String?
    public var questionId: Int64?
    public var body: String
    public var createdAt: Date
    public var version: Int
    public var late: Bool
    /// 答复部门: the answering guest's department (answers only).
    public var department: String?
    /// An admin withdrew the entry from the public side (item 23). It is
    /// then encoded without its author, text and department, whatever
    /// `body` holds, so no page, frame or export can carry the text.
    public var withdrawn: Bool = false

    public init(
        id: Int64, seq: Int64, kind: TranscriptEntryKind, author: String, authorTitle: String?, questionId: Int64?, body: String,
        createdAt: Date, version: Int, late: Bool, department: String? = nil
    ) {
        self.id = id
        self.seq = seq
        self.kind = kind
        self.author = author
        self.authorTitle = authorTitle
        self.questionId = questionId
        self.body = body
        self.createdAt = createdAt
        self.version = version
        self.late = late
        self.department = department
    }
}

extension TranscriptEntry {
    enum CodingKeys: String, CodingKey {
        case id, seq, kind, author, authorTitle, questionId, body, createdAt, version, late, department, withdrawn
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(seq, forKey: .seq)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(questionId, forKey: .questionId)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(version, forKey: .version)
        try container.encode(late, forKey: .late)
        if withdrawn {
            try container.encode(true, forKey: .withdrawn)
        } else {
            try container.encode(author, forKey: .author)
            try container.encodeIfPresent(authorTitle, forKey: .authorTitle)
            try container.encode(body, forKey: .body)
            try container.encodeIfPresent(department, forKey: .department)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(Int64.self, forKey: .id), seq: try container.decode(Int64.self, forKey: .seq),
            kind: try container.decode(TranscriptEntryKind.self, forKey: .kind),
            author: try container.decodeIfPresent(String.self, forKey: .author) ?? "",
            authorTitle: try container.decodeIfPresent(String.self, forKey: .authorTitle),
            questionId: try container.decodeIfPresent(Int64.self, forKey: .questionId),
            body: try container.decodeIfPresent(String.self, forKey: .body) ?? "",
            createdAt: try container.decode(Date.self, forKey: .createdAt), version: try container.decode(Int.self, forKey: .version),
            late: try container.decode(Bool.self, forKey: .late),
            department: try container.decodeIfPresent(String.self, forKey: .department))
        withdrawn = try container.decodeIfPresent(Bool.self, forKey: .withdrawn) ?? false
    }

    /// The entry as the public may see it: without its text when withdrawn.
    public var publicView: TranscriptEntry {
        guard withdrawn else { return self }
        var entry = self
        entry.author = ""
        entry.authorTitle = nil
        entry.body = ""
        entry.department = nil
        return entry
    }
}

/// One numbered event of an interview's transcript stream.
public enum TranscriptEvent: Sendable, Equatable {
    case entry(TranscriptEntry)
    case correction(TranscriptCorrection)
    /// An admin withdrew an entry: viewers hide its text (item 23).
    case withdrawal(TranscriptWithdrawal)
    /// A withdrawn entry is public again with a corrected text.
    case republication(TranscriptCorrection)

    public var seq: Int64 {
        switch self {
        case .entry(let entry): entry.seq
        case .correction(let correction), .republication(let correction): correction.seq
        case .withdrawal(let withdrawal): withdrawal.seq
        }
    }
}

extension TranscriptEvent {
    /// Replays never send withdrawn text again: every event of an entry
    /// that comes before the entry's last withdrawal in the replay (the
    /// entry itself, its corrections, an earlier republication) goes out
    /// without its text, marked withdrawn. The withdrawal follows, and a
    /// republication after it carries the corrected text.
    public static func redactWithdrawnText(_ events: [TranscriptEvent]) -> [TranscriptEvent] {
        var lastWithdrawal: [Int64: Int64] = [:]
        for case .withdrawal(let withdrawal) in events {
            lastWithdrawal[withdrawal.entryId] = max(lastWithdrawal[withdrawal.entryId] ?? 0, withdrawal.seq)
        }
        guard !lastWithdrawal.isEmpty else { return events }
        return events.map { event in
            switch event {
            case .entry(var entry):
                guard let last = lastWithdrawal[entry.id], entry.seq < last else { return event }
                entry.withdrawn = true
                return .entry(entry.publicView)
            case .correction(var correction), .republication(var correction):
                guard let last = lastWithdrawal[correction.entryId], correction.seq < last else { return event }
                correction.body = ""
                correction.withdrawn = true
                if case .correction = event { return .correction(correction) }
                return .republication(correction)
            case .withdrawal:
                return event
            }
        }
    }
}

/// A new text for an entry: a correction, or a republication after a
/// withdrawal.
public struct TranscriptCorrection: Codable, Sendable, Equatable {
    public var seq: Int64
    public var entryId: Int64
    public var entrySeq: Int64
    public var version: Int
    /// Empty when `withdrawn`.
    public var body: String
    public var correctedAt: Date
    /// In a replay: the entry was withdrawn later, so this text is not
    /// sent again (docs/live-protocol.md).
    public var withdrawn: Bool = false
}

public struct TranscriptWithdrawal: Codable, Sendable, Equatable {
    public var seq: Int64
    public var entryId: Int64
    public var entrySeq: Int64
    public var withdrawnAt: Date
}

/// Where to find the author of a new entry.
public enum EntryAuthor: Sendable, Equatable {
    /// The host, under the poster's own name.
    case host
    /// A guest by their position in the guest list (a typist posting for
    /// them), or the guest linked to the poster's own account when nil.
    case guest(id: Int64?)
}

/// Why an interview has no published transcript (实录) to export: it has
/// not ended, or it is not even announced. The archive page and its
/// downloads exist only for an ended or published interview, so the
/// server answers 404 and the CLI names the status.
public struct TranscriptNotAvailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var interviewID: Int64
    public var status: InterviewStatus

    public init(interviewID: Int64, status: InterviewStatus) {
        self.interviewID = interviewID
        self.status = status
    }

    public var description: String {
        switch status {
        case .scheduled: "interview \(interviewID) is not announced; it has no public transcript"
        default: "interview \(interviewID) is \(status.rawValue); its transcript is exported once the interview has ended"
        }
    }
}
