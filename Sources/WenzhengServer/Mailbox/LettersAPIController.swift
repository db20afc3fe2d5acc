import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WenzhengCore
import WenzhengStore

/// The citizens' side of the leader's mailbox (领导信箱) over JSON under
/// `/api/v1/letters`: writing a letter, looking it up with its number and
/// query password, rating the reply and the one follow-up, the published
/// replies with search, how a deadline is counted, and the monthly
/// figures. No account is needed for any of it.
struct LettersAPIController {
    typealias Context = AppRequestContext
    let actions: LetterActions

    func addRoutes(to router: Router<Context>) {
        router.post("/api/v1/letters", use: submit)
        router.post("/api/v1/letters/query", use: query)
        router.post("/api/v1/letters/rate", use: rate)
        router.post("/api/v1/letters/follow-up", use: followUp)
        router.post("/api/v1/letters/attachment", use: attachment)
        router.get("/api/v1/letters/published", use: published)
        router.get("/api/v1/letters/published/{id}", use: publishedLetter)
        router.get("/api/v1/letters/deadline", use: deadline)
        router.get("/api/v1/letters/statistics", use: statistics)
    }

    // MARK: Request and response bodies

    struct ReceiptBody: ResponseEncodable {
        /// False when the idempotency key was seen before: the letter
        /// already received, without its password.
        var created: Bool
        var number: String
        /// Only when `created`: shown once, never stored in clear.
        var password: String?
        var type: LetterType
        var state: LetterState
        var receivedOn: CivilDate
        var workingDays: Int
        var dueOn: CivilDate?
        var provisional: Bool

        init(_ receipt: LetterActions.Receipt) {
            let letter = receipt.letter
            created = receipt.created
            number = letter.number
            password = receipt.password
            type = letter.type
            state = letter.state
            receivedOn = letter.receivedOn
            workingDays = letter.policyDays
            dueOn = letter.dueOn
            provisional = letter.dueProvisional
        }
    }

    struct CredentialsBody: Decodable {
        var number: String?
        var password: String?
    }

    struct RateBody: Decodable {
        var number: String?
        var password: String?
        var rating: String?
    }

    struct FollowUpBody: Decodable {
        var number: String?
        var password: String?
        var text: String?
    }

    /// A letter as its author sees it: no internal drafts, no staff names,
    /// no client address.
    struct CitizenLetterBody: ResponseEncodable {
        struct Event: Encodable {
            var kind: LetterEventKind
            var recordedAt: Date
            /// What the citizen should know about this step (the
            /// authority a letter went to, an extension's notice…).
            var note: String?
        }

        var number: String
        var type: LetterType
        var subject: String
        var body: String
        var state: LetterState
        var receivedOn: CivilDate
        var workingDays: Int
        /// nil while the clock is stopped.
        var dueOn: CivilDate?
        var provisional: Bool
        var clockPaused: Bool
        var overdue: Bool
        var transferredTo: String?
        var rejectionReason: TriageRejection?
        var reply: String?
        var repliedOn: CivilDate?
        var replyDepartment: String?
        var rating: ReplyRating?
        var canRate: Bool
        var canFollowUp: Bool
        var followUpText: String?
        var timeline: [Event]
        /// 受理日期.
        var acceptedOn: CivilDate?
        /// Every reply, oldest first: the answer to the follow-up does not
        /// replace the first one.
        var replies: [ReplyBody]

        /// - Parameter today: for `overdue`, by the rule the office's pages
        ///   use (`LetterWorkflow.isOverdue`).
        init(_ letter: LetterView, timeline: [LetterEventView], today: CivilDate) {
            number = letter.number
            type = letter.type
            subject = letter.subject
            body = letter.body
            state = letter.state
            receivedOn = letter.receivedOn
            workingDays = letter.policyDays
            dueOn = letter.dueOn
            provisional = letter.dueProvisional
            clockPaused = letter.clockPaused
            overdue = LetterWorkflow.isOverdue(state: letter.state, dueOn: letter.dueOn, marked: letter.overdue, today: today)
            transferredTo = letter.transferredTo
            rejectionReason = letter.triageReason
            reply = letter.state == .replied ? letter.replyBody : nil
            repliedOn = letter.state == .replied ? letter.repliedOn : nil
            replyDepartment = letter.state == .replied ? letter.replyDepartment?.name : nil
            rating = letter.rating
            canRate = letter.canRate
            canFollowUp = letter.canFollowUp
            followUpText = letter.followUpText
            acceptedOn = letter.acceptedOn
            replies = letter.replies.map {
                ReplyBody(round: $0.round, body: $0.body, repliedOn: $0.repliedOn, department: $0.department.name)
            }
            self.timeline = timeline.map {
                Event(kind: $0.kind, recordedAt: $0.recordedAt, note: $0.citizenNote)
            }
        }
    }

    /// A reply with its own date and department.
    struct ReplyBody: Encodable {
        /// 1 answers the letter, 2 the follow-up.
        var round: Int
        var body: String
        /// 答复日期.
        var repliedOn: CivilDate
        /// 答复部门.
        var department: String
        /// On the public side only: the office withdrew this reply (its
        /// `body` is then empty).
        var withdrawn: Bool? = nil
    }

    struct PublishedLetterBody: ResponseEncodable {
        var id: Int64
        var type: LetterType
        var subject: String
        /// Personal information and the author's name masked.
        var body: String
        /// The first reply.
        var reply: String
        /// 来信日期.
        var receivedOn: CivilDate
        /// 受理日期.
        var acceptedOn: CivilDate?
        /// 答复日期 of the first reply.
        var repliedOn: CivilDate
        /// 答复部门 of the first reply.
        var replyDepartment: String
        var publishedAt: Date
        /// Every reply, oldest first.
        var replies: [ReplyBody]
        /// The period counted from `receivedOn` (only on a single letter).
        var workingDays: Int?

        init(_ letter: PublishedLetter, workingDays: Int? = nil) {
            id = letter.id
            type = letter.type
            subject = letter.subject
            body = letter.body
            reply = letter.reply
            receivedOn = letter.receivedOn
            repliedOn = letter.repliedOn
            replyDepartment = letter.replyDepartment
            publishedAt = letter.publishedAt
            acceptedOn = letter.acceptedOn
            replies = letter.replies.map {
                ReplyBody(
                    round: $0.round, body: $0.body, repliedOn: $0.repliedOn, department: $0.department, withdrawn: $0.withdrawn ? true : nil)
            }
            self.workingDays = workingDays
        }
    }

    struct PublishedPageBody: ResponseEncodable {
        var letters: [PublishedLetterBody]
        var page: Int
        var pageSize: Int
        var hasMore: Bool
        /// The search, when there was one.
        var query: String?
        /// Letters matching the search, counted up to a bound.
        var total: Int?
        /// More letters match than `total`.
        var moreThanTotal: Bool?
    }

    struct DeadlineBody: ResponseEncodable {
        struct Day: Encodable {
            var date: String
            /// 1 Monday … 7 Sunday.
            var weekday: Int
            var counted: Bool
            var workingDayNumber: Int?
            /// weekday, weekend, statutory_holiday, make_up_working_day,
            /// weekday_without_holiday_data, weekend_without_holiday_data.
            var reason: String
            var holiday: String?
        }

        var receivedOn: String
        var workingDays: Int
        var deadline: String
        var provisional: Bool
        var yearsWithoutData: [Int]
        var days: [Day]

        init(_ explanation: DeadlineExplanation) {
            let deadline = explanation.deadline
            receivedOn = deadline.received.description
            workingDays = deadline.workingDays
            self.deadline = deadline.date.description
            provisional = deadline.isProvisional
            yearsWithoutData = deadline.yearsWithoutData
            days = explanation.days.map {
                Day(
                    date: $0.date.description, weekday: $0.date.isoWeekday, counted: $0.counts, workingDayNumber: $0.workingDayNumber,
                    reason: $0.reason.code, holiday: $0.reason.holidayName)
            }
        }
    }

    struct StatisticsBody: ResponseEncodable {
        struct Month: Encodable {
            var month: Int
            var received: Int
            var replied: Int
            var repliedOnTime: Int
        }

        var year: Int
        var months: [Month]
        var totals: Month

        init(year: Int, months: [MonthlyLetterStatistics]) {
            self.year = year
            self.months = months.map { Month(month: $0.month, received: $0.received, replied: $0.replied, repliedOnTime: $0.repliedOnTime) }
            totals = Month(
                month: 0, received: months.map(\.received).reduce(0, +), replied: months.map(\.replied).reduce(0, +),
                repliedOnTime: months.map(\.repliedOnTime).reduce(0, +))
        }
    }

    // MARK: Handlers

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!

    /// 201 with the number and the password for a new letter; 200 with
    /// `created: false` for a repeat of the same idempotency key.
    /// A letter as JSON, or as `multipart/form-data` with the same fields
    /// and files in `attachments` (and `identityProof`).
    @Sendable func submit(_ request: Request, context: Context) async throws -> EditedResponse<ReceiptBody> {
        var submission: LetterActions.Submission
        var upload: MultipartUpload?
        if MultipartUpload.isMultipart(request) {
            let form = try await MultipartUpload.read(request, into: actions.attachments.files)
            upload = form
            submission = LetterActions.Submission(formField: form.field)
        } else {
            submission = try await request.decodeJSON(LetterActions.Submission.self, context: context)
        }
        let header = request.headers[Self.idempotencyKeyHeader]
        if let header, let field = submission.idempotencyKey, header != field {
            upload?.discard()
            throw Problem.validation(.invalid("idempotencyKey", "the Idempotency-Key header and the idempotencyKey field differ"))
        }
        submission.idempotencyKey = header ?? submission.idempotencyKey
        let browser = actions.browser(request)
        let receipt = try await actions.submit(submission, upload: upload, clientAddress: context.clientAddress, browser: browser.known)
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if let cookie = browser.cookie { headers[.setCookie] = cookie.description }
        return EditedResponse(status: receipt.created ? .created : .ok, headers: headers, response: ReceiptBody(receipt))
    }

    @Sendable func query(_ request: Request, context: Context) async throws -> EditedResponse<CitizenLetterBody> {
        let body = try await request.decodeJSON(CredentialsBody.self, context: context)
        let letter = try await actions.open(number: body.number, password: body.password, clientAddress: context.clientAddress)
        return try await citizenLetter(letter)
    }

    struct AttachmentRequestBody: Decodable {
        var number: String?
        var password: String?
        var attachment: Int64?
    }

    /// One file of the caller's letter (number and password), as a download.
    @Sendable func attachment(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decodeJSON(AttachmentRequestBody.self, context: context)
        let attachment = try await actions.attachment(
            number: body.number, password: body.password, id: body.attachment.map(String.init), clientAddress: context.clientAddress)
        return try actions.attachments.download(attachment)
    }

    @Sendable func rate(_ request: Request, context: Context) async throws -> EditedResponse<CitizenLetterBody> {
        let body = try await request.decodeJSON(RateBody.self, context: context)
        let letter = try await actions.rate(
            number: body.number, password: body.password, rating: body.rating, clientAddress: context.clientAddress)
        return try await citizenLetter(letter)
    }

    @Sendable func followUp(_ request: Request, context: Context) async throws -> EditedResponse<CitizenLetterBody> {
        let body = try await request.decodeJSON(FollowUpBody.self, context: context)
        let letter = try await actions.followUp(
            number: body.number, password: body.password, text: body.text, clientAddress: context.clientAddress)
        return try await citizenLetter(letter)
    }

    private func citizenLetter(_ letter: LetterView) async throws -> EditedResponse<CitizenLetterBody> {
        let body = CitizenLetterBody(letter, timeline: try await actions.citizenTimeline(letter), today: actions.today)
        return EditedResponse(headers: [.cacheControl: "no-store"], response: body)
    }

    @Sendable func published(_ request: Request, context: Context) async throws -> PublishedPageBody {
        let parameters = request.uri.queryParameters
        let page = try await actions.published(query: parameters.get("q"), page: parameters.get("page"), address: context.clientAddress)
        return PublishedPageBody(
            letters: page.letters.map { PublishedLetterBody($0) }, page: page.page, pageSize: LetterActions.pageSize,
            hasMore: page.hasMore, query: page.query, total: page.total, moreThanTotal: page.query == nil ? nil : page.moreThanTotal)
    }

    @Sendable func publishedLetter(_ request: Request, context: Context) async throws -> PublishedLetterBody {
        let (letter, workingDays) = try await actions.publishedLetter(id: context.parameters.get("id"))
        return PublishedLetterBody(letter, workingDays: workingDays)
    }

    @Sendable func deadline(_ request: Request, context: Context) async throws -> DeadlineBody {
        let parameters = request.uri.queryParameters
        let (from, days) = try LetterActions.deadlineParameters(from: parameters.get("from"), days: parameters.get("days"))
        return DeadlineBody(try await actions.explain(from: from, workingDays: days))
    }

    @Sendable func statistics(_ request: Request, context: Context) async throws -> StatisticsBody {
        let year = try actions.statisticsYear(request.uri.queryParameters.get("year"))
        return StatisticsBody(year: year, months: try await actions.database.mailbox.monthlyStatistics(year: year))
    }
}
