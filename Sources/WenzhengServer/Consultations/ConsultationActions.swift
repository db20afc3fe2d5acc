import Foundation
import HTTPTypes
import WenzhengCore
import WenzhengStore

/// What the consultations' API and pages share: importing and preparing a
/// draft, its life cycle, citizens' comments (window, checks, per-address
/// limit, moderation), the office's groups and decisions, the exports, and
/// withdrawing published comments. Every refusal is a `Problem` (or a
/// store error the error middleware maps), so both audiences get the
/// same answers.
struct ConsultationActions: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let library: ModerationLibrary
    /// Comments per address: each one costs a row and a moderator's time.
    let commentsPerAddress: RateLimitPolicy
    let commentLimiter: SlidingWindowLimiter

    init(
        database: AppDatabase, clock: any WallClock, library: ModerationLibrary, commentsPerAddress: RateLimitPolicy
    ) {
        self.database = database
        self.clock = clock
        self.library = library
        self.commentsPerAddress = commentsPerAddress
        commentLimiter = SlidingWindowLimiter(store: database.rateLimits, bucket: "consultation-comment")
    }

    var store: any ConsultationsStore { database.consultations }

    // MARK: Preparing a consultation

    /// An import as the API (its JSON body as it is) or the import form
    /// sends it.
    struct Import: Sendable, Decodable {
        var title: String?
        var draftingExplanation: String?
        var opensAt: Date?
        var closesAt: Date?
        /// The draft's text (Markdown or plain text).
        var draft: String?
        /// `markdown` or `plain_text`; absent: Markdown when the text has
        /// Markdown headings, plain text otherwise.
        var format: String?
    }

    /// Imports a draft; its split waits for confirmation. Without a window
    /// it gets the default one (`ConsultationOffice.defaultWindow`).
    func importDraft(_ input: Import, actor: AuthenticatedStaff) async throws -> ConsultationView {
        let now = clock.now()
        let text = input.draft ?? ""
        let format = try Self.format(input.format, text: text)
        let defaults = ConsultationOffice.defaultWindow(importedAt: now)
        return try await store.importConsultation(
            NewConsultation(
                title: input.title, draftingExplanation: input.draftingExplanation ?? "", opensAt: input.opensAt ?? defaults.opensAt,
                closesAt: input.closesAt ?? defaults.closesAt, text: text, format: format),
            actor: actor, at: now)
    }

    func reimport(_ id: Int64, draft: String?, format: String?, actor: AuthenticatedStaff) async throws -> ConsultationView {
        let text = draft ?? ""
        return try await store.reimportDraft(id: id, text: text, format: try Self.format(format, text: text), actor: actor, at: clock.now())
    }

    /// `markdown`, `plain_text`, or absent (guessed from the text).
    static func format(_ raw: String?, text: String) throws -> DraftFormat {
        let value = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if value.isEmpty || value == "auto" {
            let markdown = text.split(separator: "\n").contains { $0.drop { $0 == " " }.hasPrefix("#") || $0.hasPrefix("**") }
            return markdown ? .markdown : .plainText
        }
        guard let format = DraftFormat(rawValue: value) else {
            throw Problem.validation(.invalid("format", "format must be markdown or plain_text"))
        }
        return format
    }

    /// New settings: each field given replaces the stored one.
    struct Settings: Sendable {
        var title: String?
        var draftingExplanation: String?
        var opensAt: Date?
        var closesAt: Date?
    }

    func update(_ id: Int64, _ changes: Settings, actor: AuthenticatedStaff) async throws -> ConsultationView {
        var settings = try await store.consultation(id: id).settings
        if let title = changes.title { settings.title = title }
        if let explanation = changes.draftingExplanation { settings.draftingExplanation = explanation }
        if let opensAt = changes.opensAt { settings.opensAt = opensAt }
        if let closesAt = changes.closesAt { settings.closesAt = closesAt }
        return try await store.updateConsultation(id: id, settings, actor: actor, at: clock.now())
    }

    func confirmSplit(_ id: Int64, actor: AuthenticatedStaff) async throws -> ConsultationView {
        try await store.confirmSplit(id: id, actor: actor, at: clock.now())
    }

    // MARK: Life cycle

    func open(_ id: Int64, actor: AuthenticatedStaff) async throws -> ConsultationView {
        try await transition { try await store.openConsultation(id: id, actor: actor, at: clock.now()) }
    }

    /// Ends the comment period. The consultation is not finished: only the
    /// adoption report's publication finishes it.
    func closeCommentPeriod(_ id: Int64, actor: AuthenticatedStaff) async throws -> ConsultationView {
        try await transition { try await store.closeCommentPeriod(id: id, actor: actor, at: clock.now()) }
    }

    func publishReport(_ id: Int64, actor: AuthenticatedStaff) async throws -> ConsultationView {
        try await transition { try await store.publishAdoptionReport(id: id, actor: actor, at: clock.now()) }
    }

    /// A refused state change as a problem: a definition that cannot open
    /// is the form's fault (422, naming the fields); an incomplete report
    /// or a wrong state is the consultation's (409, with what is missing).
    private func transition(_ change: () async throws -> ConsultationView) async throws -> ConsultationView {
        do {
            return try await change()
        } catch let error as ConsultationTransitionError {
            switch error {
            case .invalidDefinition(let errors):
                throw Problem.validation(ValidationFailure(errors))
            case .reportIncomplete(let errors):
                throw Problem(
                    kind: .conflict,
                    detail: "the adoption report is not complete: \(errors.count) item(s) to settle before it can be published",
                    errors: errors)
            case .notAllowed(let from, let to):
                throw Problem(kind: .conflict, detail: "a consultation that is \(from.rawValue) cannot become \(to.rawValue)")
            }
        }
    }

    // MARK: Comments

    /// A citizen's comment: the consultation must be public (404) and
    /// taking comments (409 with its window); then the fields (422), the
    /// address's limit (429) and the word filter (422) are checked, and
    /// the comment waits in the moderation queue.
    func comment(_ id: Int64, target: String?, text: String?, nickname: String?, clientAddress: String) async throws
        -> SubmittedComment
    {
        let consultation = try await publicConsultation(id)
        let now = clock.now()
        let availability = ConsultationRules.availability(state: consultation.state, window: consultation.window, now: now)
        if availability != .open { throw Self.outsideWindow(availability) }
        let submission: CommentSubmission
        do {
            submission = try ConsultationComments.validated(target: target, text: text, nickname: nickname, draft: consultation.draft)
        } catch {
            throw Problem.validation(error)
        }
        if let wait = try await commentLimiter.admit([("comment:" + clientAddress, commentsPerAddress)], now: now) {
            throw Problem(
                kind: .tooManyRequests, detail: "too many comments from this address; try again in \(wait) seconds",
                headers: [.retryAfter: String(wait)])
        }
        let check = library.filter.check(submission.text)
        if check.action == .reject { throw refusal(check) }
        do {
            return try await store.submitComment(consultationID: id, submission, check: check, at: now).0
        } catch let closed as CommentPeriodClosed {
            throw Self.outsideWindow(closed.availability)
        }
    }

    /// The word filter refused the text: the citizen is told the standard
    /// reason of the category that refused it.
    private func refusal(_ check: ContentFilter.Result) -> Problem {
        let rules = library.filter.rules
        let category = check.flags.first(where: { $0.action == .reject })?.category
        let reason = category.flatMap(rules.reason(code:)) ?? rules.reason(code: "other")
        let message = reason.map { "\($0.zh) / \($0.en)" } ?? "the text was refused"
        return .validation(FieldError(field: "text", code: "rejected", message: message))
    }

    /// 409 with the window, so the citizen learns when to come back or
    /// that the period is over.
    static func outsideWindow(_ availability: ParticipationAvailability) -> Problem {
        var problem: Problem
        switch availability {
        case .notYetOpen(let window):
            problem = Problem(kind: .outsideWindow, detail: "this consultation takes comments from \(iso(window.opensAt))")
            problem.window = window
        case .closed(let window):
            problem = Problem(kind: .outsideWindow, detail: "the comment period ended at \(iso(window.closesAt))")
            problem.window = window
        case .open:
            problem = Problem(kind: .conflict)
        }
        return problem
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// The public page's consultation; 404 for drafts and unknown ids.
    func publicConsultation(_ id: Int64) async throws -> PublicConsultation {
        guard let consultation = try await store.publicConsultation(id: id) else {
            throw Problem(kind: .notFound, detail: "no such consultation")
        }
        return consultation
    }

    // MARK: Groups and decisions

    func group(_ id: Int64, summary: String?, commentIDs: [Int64]?, actor: AuthenticatedStaff) async throws -> CommentGroup {
        try await store.groupComments(consultationID: id, summary: summary ?? "", commentIDs: commentIDs ?? [], actor: actor, at: clock.now())
    }

    func dissolve(_ id: Int64, group: Int64, actor: AuthenticatedStaff) async throws {
        try await store.dissolveCommentGroup(consultationID: id, groupID: group, actor: actor, at: clock.now())
    }

    /// A decision on one comment or one group; an empty decision clears it.
    func decide(_ id: Int64, on subject: DecisionSubject, decision: String?, reason: String?, actor: AuthenticatedStaff) async throws {
        let cleared = (decision ?? "").trimmingCharacters(in: .whitespaces).isEmpty && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        var record: AdoptionRecord?
        if !cleared {
            do {
                record = try AdoptionRecord.validated(decision: decision, reason: reason)
            } catch {
                throw Problem.validation(error)
            }
        }
        try await store.recordDecision(consultationID: id, on: subject, record, actor: actor, at: clock.now())
    }

    /// What the office's comments page and the report preview show: the
    /// published comments, the groups, and what still blocks the report.
    struct Work: Sendable {
        var consultation: ConsultationView
        var comments: [OfficeComment]
        var input: ConsultationReportInput
        /// The report as it would be published, when it can be.
        var report: AdoptionReport?
    }

    func work(_ id: Int64) async throws -> Work {
        let consultation = try await store.consultation(id: id)
        let comments = try await store.publishedComments(consultationID: id)
        let input = try await store.reportInput(consultationID: id)
        let report =
            input.reportErrors.isEmpty
            ? try? AdoptionReport.build(definition: input.definition, comments: input.comments, groups: input.groups, decisions: input.decisions)
            : nil
        return Work(consultation: consultation, comments: comments, input: input, report: report)
    }

    // MARK: Exports

    enum ExportFormat: String, Sendable, CaseIterable {
        case csv
        case json
    }

    struct Export: Sendable {
        var data: Data
        var contentType: String
        var filename: String
    }

    /// The consultation's comments with their groups and decisions: CSV
    /// (BOM, formula cells neutralised, headers in the reader's language)
    /// or JSON.
    func export(_ id: Int64, format raw: String?, language: Language) async throws -> Export {
        let value = (raw ?? "csv").trimmingCharacters(in: .whitespaces).lowercased()
        guard let format = ExportFormat(rawValue: value.isEmpty ? "csv" : value) else {
            throw Problem.validation(.invalid("format", "format must be csv or json"))
        }
        let input = try await store.reportInput(consultationID: id)
        let data = format == .csv ? input.csv(language: language) : try input.json(generatedAt: clock.now())
        return Export(
            data: data, contentType: format == .csv ? "text/csv; charset=utf-8" : "application/json",
            filename: "consultation-\(id).\(format.rawValue)")
    }

    // MARK: Withdrawals

    func unpublishComment(_ id: Int64, comment: Int64, reason: String?, actor: AuthenticatedStaff) async throws -> OfficeComment {
        try await ensureComment(comment, of: id)
        return try await store.unpublishComment(id: comment, reason: reason ?? "", actor: actor, at: clock.now())
    }

    func republishComment(_ id: Int64, comment: Int64, text: String?, actor: AuthenticatedStaff) async throws
        -> (comment: OfficeComment, masked: [MaskedSpan])
    {
        try await ensureComment(comment, of: id)
        return try await store.republishComment(id: comment, text: text ?? "", actor: actor, at: clock.now())
    }

    /// 404 unless the comment is a published comment of this consultation.
    private func ensureComment(_ comment: Int64, of id: Int64) async throws {
        guard try await store.publishedComments(consultationID: id).contains(where: { $0.id == comment }) else {
            throw Problem(kind: .notFound, detail: "no such published comment")
        }
    }
}
