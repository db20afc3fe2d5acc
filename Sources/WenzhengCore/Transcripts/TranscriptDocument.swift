import Foundation

/// A published interview's transcript (实录), as the exports need it: the
/// interview's summary, the live entries with corrections applied, and the
/// deferred questions' later answers (补录).
///
/// The store fills it from its records:
///
/// - `interview` from `Interview` (guests from `InterviewGuest`, host from
///   its display name);
/// - `entries` from `transcript(interviewID:)`'s `TranscriptEntry` values
///   with `late == false`, as they read now (corrections applied):
///   `version > 1` means corrected;
/// - `deferredReplies` from each `late == true` answer joined with its
///   `interview_question`: the published question text, the masked asker
///   (`InterviewRules.publicNickname`), 受理日期 from the question's
///   `created_at` (the day it was asked, as the archive page and the
///   staff's deferred list show it; a question answered live and again
///   afterwards has no `deferred_at`), 答复日期 from the answer's
///   `created_at`, 答复部门 from the answering guest's department.
///
/// `GRDBInterviewsStore.publishedTranscript` fills it so.
///
/// Every text here is public: askers must already be masked, question
/// texts already moderated (`published_text`). The exports clean control
/// characters and escape for their format; they do not mask.
public struct TranscriptDocument: Sendable, Codable, Equatable {
    public var interview: Summary
    /// Sorted by `seq` when exported, whatever order they come in.
    public var entries: [Entry]
    /// Sorted by reply date, then question id, when exported.
    public var deferredReplies: [DeferredReply]

    public init(interview: Summary, entries: [Entry], deferredReplies: [DeferredReply] = []) {
        self.interview = interview
        self.entries = entries
        self.deferredReplies = deferredReplies
    }

    /// The interview the transcript is of.
    public struct Summary: Sendable, Codable, Equatable {
        public var id: Int64
        public var title: String
        public var summary: String
        public var scheduledStart: Date
        public var plannedMinutes: Int
        /// When it went live and ended; nil if it never did (the export then
        /// shows the planned time).
        public var startedAt: Date?
        public var endedAt: Date?
        public var publishedAt: Date?
        /// The host's display name.
        public var host: String?
        public var guests: [GuestCredit]
        /// The public archive page.
        public var url: String?

        public init(
            id: Int64, title: String, summary: String, scheduledStart: Date, plannedMinutes: Int, startedAt: Date? = nil,
            endedAt: Date? = nil, publishedAt: Date? = nil, host: String? = nil, guests: [GuestCredit] = [], url: String? = nil
        ) {
            self.id = id
            self.title = title
            self.summary = summary
            self.scheduledStart = scheduledStart
            self.plannedMinutes = plannedMinutes
            self.startedAt = startedAt
            self.endedAt = endedAt
            self.publishedAt = publishedAt
            self.host = host
            self.guests = guests
            self.url = url
        }
    }

    /// One live entry.
    public struct Entry: Sendable, Codable, Equatable {
        public var seq: Int64
        public var kind: TranscriptEntryKind
        /// Question: the asker's masked nickname (张*, or 网友). Answer: the
        /// guest. Remark: the host. System: 系统.
        public var author: String
        /// The guest's post (副厅长), or 主持人 for the host.
        public var authorTitle: String?
        /// For questions and answers: the question they belong to.
        public var questionId: Int64?
        /// As it reads now. For a system entry: `started`, `paused`,
        /// `resumed`, `ended` or `published`.
        public var body: String
        public var at: Date
        /// 1, or more after corrections.
        public var version: Int

        public init(
            seq: Int64, kind: TranscriptEntryKind, author: String, authorTitle: String? = nil, questionId: Int64? = nil, body: String,
            at: Date, version: Int = 1
        ) {
            self.seq = seq
            self.kind = kind
            self.author = author
            self.authorTitle = authorTitle
            self.questionId = questionId
            self.body = body
            self.at = at
            self.version = version
        }

        public var corrected: Bool { version > 1 }
    }

    /// A question not answered live, and its answer afterwards (补录).
    public struct DeferredReply: Sendable, Codable, Equatable {
        public var questionId: Int64
        /// The published (moderated, masked) question text.
        public var question: String
        /// The asker's masked nickname.
        public var asker: String
        /// 受理日期: the office date the question was received (asked).
        public var receivedOn: CivilDate
        /// 答复日期.
        public var repliedOn: CivilDate
        /// 答复部门.
        public var department: String
        public var answeredBy: String
        public var answeredByTitle: String?
        public var answer: String
        public var answerVersion: Int

        public init(
            questionId: Int64, question: String, asker: String, receivedOn: CivilDate, repliedOn: CivilDate, department: String,
            answeredBy: String, answeredByTitle: String? = nil, answer: String, answerVersion: Int = 1
        ) {
            self.questionId = questionId
            self.question = question
            self.asker = asker
            self.receivedOn = receivedOn
            self.repliedOn = repliedOn
            self.department = department
            self.answeredBy = answeredBy
            self.answeredByTitle = answeredByTitle
            self.answer = answer
            self.answerVersion = answerVersion
        }

        public var corrected: Bool { answerVersion > 1 }
    }
}
