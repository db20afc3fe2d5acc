import Foundation
import WenzhengCore
import WenzhengStore

// MARK: Public pages

/// `/consultations`: open consultations first, then those whose comment
/// period is over.
struct ConsultationListView: PageView {
    static let template = "consultations"

    /// A consultation in a list, this one or the office's
    /// (`OfficeConsultationListView`).
    struct Item {
        let url: String
        let title: String
        let status: String
        let window: String
        let comments: String
        /// Comments waiting for moderation: only the office's list says.
        let pending: String?
    }

    let open: [Item]
    let past: [Item]

    init(_ consultations: [ConsultationSummary], now: Date, text: PageText) {
        let items = consultations.map {
            ($0, ConsultationsText.item($0, url: "/consultations/\($0.id)", pending: nil, now: now, text: text))
        }
        open = items.filter { $0.0.state == .open }.map(\.1)
        past = items.filter { $0.0.state != .open }.map(\.1)
    }
}

/// One part of a draft as pages show it: a 编/章/节 heading or an article.
struct DraftBlock {
    struct Heading {
        /// `part`, `chapter` or `section`, for the CSS class.
        let level: String
        let label: String
        let title: String
    }

    /// Optional values here are never named like the layout's own
    /// (`title`): in a section, a nil value makes Mustache look further
    /// up the context.
    struct Article {
        let key: String
        let label: String
        /// `立法目的` in `### 第一条 立法目的`.
        let articleTitle: String?
        let paragraphs: [String]
        /// `3 条意见` (public page) or nil.
        let count: String?
        let comments: [CommentLine]
        let hasComments: Bool
        /// The comment form, while the consultation takes comments.
        let form: CommentForm?

        init(_ section: DraftSection, count: String?, comments: [CommentLine], form: CommentForm?) {
            key = section.key
            label = section.label
            articleTitle = section.title
            paragraphs = DraftBlock.paragraphs(section.text)
            self.count = count
            self.comments = comments
            hasComments = !comments.isEmpty
            self.form = form
        }
    }

    let heading: Heading?
    let article: Article?

    /// Headings and articles in reading order: each heading just before
    /// the first article under it; headings with no article after them at
    /// the end.
    static func blocks(_ draft: DraftSplit, article: (DraftSection) -> Article) -> [DraftBlock] {
        var blocks: [DraftBlock] = []
        var next = 0
        func headings(through last: Int) {
            while next <= last, next < draft.headings.count {
                let heading = draft.headings[next]
                blocks.append(
                    DraftBlock(heading: Heading(level: heading.level.rawValue, label: heading.label, title: heading.title), article: nil))
                next += 1
            }
        }
        for section in draft.sections {
            headings(through: section.headingIndices.max() ?? -1)
            blocks.append(DraftBlock(heading: nil, article: article(section)))
        }
        headings(through: draft.headings.count - 1)
        return blocks
    }

    /// Paragraphs of a text (one per line, blank lines dropped).
    static func paragraphs(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A published comment on the public page.
struct CommentLine {
    let id: Int64
    let nickname: String
    let day: String
    /// Nil while withdrawn.
    let commentText: String?
    let withdrawn: Bool

    init(_ comment: PublicComment) {
        id = comment.id
        nickname = comment.nickname
        day = comment.submittedOn.description
        commentText = comment.text
        withdrawn = comment.withdrawn
    }
}

/// A comment form: on one article, or on the whole draft.
struct CommentForm {
    let id: String
    let action: String
    /// A section key, or `draft`.
    let target: String
    let text: String
    let nickname: String
    /// Shown unfolded (it was just refused).
    let open: Bool
    let errors: FormProblem?
    let textMax = ConsultationRules.commentMaxLength
    let nicknameMax = ConsultationRules.nicknameMaxLength
}

/// What the reader typed into a refused comment form, and why it was refused.
struct RefusedComment {
    let target: String
    let text: String
    let nickname: String
    let errors: FormProblem
}

/// `/consultations/{id}`: the explanation, the draft with counts and the
/// published comments per article, a comment form per article and for
/// the whole draft while comments are taken, and the adoption report
/// once it is published.
struct ConsultationPageView: PageView {
    static let template = "consultation"

    let id: Int64
    let title: String
    let status: String
    let statusClass: String
    let window: String
    let explanation: [String]
    let preamble: [String]
    let notice: String?
    /// Why no form is shown (not yet open, period over).
    let closedNote: String?
    /// A refused comment whose form is no longer shown (the period ended
    /// while the reader was writing).
    let refusal: FormProblem?
    let blocks: [DraftBlock]
    let wholeCount: String
    let wholeComments: [CommentLine]
    let hasWholeComments: Bool
    let wholeForm: CommentForm?
    let totalCount: String
    let report: ReportView?

    init(_ consultation: PublicConsultation, now: Date, notice: String?, refused: RefusedComment?, text: PageText) {
        id = consultation.id
        title = consultation.title
        status = ConsultationsText.status(consultation.state, window: consultation.window, now: now, text: text)
        statusClass = "status-\(consultation.state.rawValue)"
        window = ConsultationsText.window(consultation.window, text: text)
        explanation = DraftBlock.paragraphs(consultation.draftingExplanation)
        preamble = DraftBlock.paragraphs(consultation.draft.preamble)
        self.notice = notice
        let availability = ConsultationRules.availability(state: consultation.state, window: consultation.window, now: now)
        closedNote =
            switch availability {
            case .open: nil
            case .notYetOpen: text.format("consultations.page.notYetOpen", ["from": OfficeTime.minute(consultation.opensAt)])
            case .closed: text("consultations.page.periodOver")
            }
        let accepting = availability == .open
        refusal = accepting ? nil : refused?.errors
        let action = "/consultations/\(consultation.id)/comments"
        func form(_ target: String) -> CommentForm? {
            guard accepting else { return nil }
            let mine = refused?.target == target ? refused : nil
            return CommentForm(
                id: "comment-form-\(target)", action: action + "#comment-form-\(target)", target: target, text: mine?.text ?? "", nickname: mine?.nickname ?? "",
                open: mine != nil, errors: mine?.errors)
        }
        var bySection: [String: [CommentLine]] = [:]
        var whole: [CommentLine] = []
        for comment in consultation.comments {
            switch comment.target {
            case .wholeDraft: whole.append(CommentLine(comment))
            case .section(let key): bySection[key, default: []].append(CommentLine(comment))
            }
        }
        let counts = Dictionary(consultation.commentCounts.sections.map { ($0.key, $0.count) }, uniquingKeysWith: { first, _ in first })
        blocks = DraftBlock.blocks(consultation.draft) { section in
            DraftBlock.Article(
                section, count: text.format("consultations.page.count", ["n": String(counts[section.key] ?? 0)]),
                comments: bySection[section.key] ?? [], form: form(section.key))
        }
        wholeCount = text.format("consultations.page.count", ["n": String(consultation.commentCounts.wholeDraft)])
        wholeComments = whole
        hasWholeComments = !whole.isEmpty
        wholeForm = form(CommentTarget.wholeDraftValue)
        totalCount = text.format("consultations.page.total", ["n": String(consultation.commentCounts.total)])
        report = consultation.report.map {
            ReportView($0, withdrawn: Set(consultation.withdrawnCommentIDs), publishedAt: consultation.reportPublishedAt, text: text)
        }
    }
}

/// The adoption report (采纳情况说明) as pages show it.
struct ReportView {
    struct Entry {
        let targets: String
        let summary: String?
        let withdrawn: Bool
        let isGroup: Bool
        let commentCount: String
        let decision: String
        let decisionClass: String
        let reason: String
    }

    let totals: String
    let publishedOn: String?
    let entries: [Entry]

    init(_ report: AdoptionReport, withdrawn: Set<Int64>, publishedAt: Date?, text: PageText) {
        let counts = report.decisionCounts
        totals = text.format(
            "consultations.report.totals",
            [
                "total": String(report.commentCount), "adopted": String(counts.adopted), "partly": String(counts.partlyAdopted),
                "not": String(counts.notAdopted),
            ])
        publishedOn = publishedAt.map { CivilDate($0).description }
        entries = report.entries.map { entry in
            let hidden = entry.kind == .comment && withdrawn.contains(entry.id)
            return Entry(
                targets: entry.targetLabels.map { $0 == "全文" ? text("consultations.page.wholeDraft") : $0 }.joined(separator: "、"),
                summary: hidden ? nil : entry.summary, withdrawn: hidden, isGroup: entry.kind == .group,
                commentCount: text.format("consultations.page.count", ["n": String(entry.commentIDs.count)]),
                decision: text("consultations.decisions.\(entry.decision.rawValue)"), decisionClass: "decision-\(entry.decision.rawValue)",
                reason: entry.reason)
        }
    }
}

// MARK: The office's pages

/// `/staff/consultations`: every consultation with its state and counts.
struct OfficeConsultationListView: PageView {
    static let template = "consultation-office-list"

    let items: [ConsultationListView.Item]
    let notice: String?

    init(_ consultations: [ConsultationSummary], now: Date, notice: String?, text: PageText) {
        items = consultations.map { summary in
            ConsultationsText.item(
                summary, url: "/staff/consultations/\(summary.id)",
                pending: (summary.pendingCount ?? 0) > 0
                    ? text.format("consultations.office.pending", ["n": String(summary.pendingCount ?? 0)]) : nil,
                now: now, text: text)
        }
        self.notice = notice
    }
}

/// The import form's values (`/staff/consultations/new`), and the draft
/// form on a draft consultation's page.
struct DraftForm {
    struct Format {
        let value: String
        let label: String
        let selected: Bool
    }

    let draft: String
    let formats: [Format]
    let errors: FormProblem?

    init(draft: String, format: String?, errors: FormProblem?, text: PageText) {
        self.draft = draft
        let chosen = format ?? "auto"
        formats = ["auto", DraftFormat.markdown.rawValue, DraftFormat.plainText.rawValue].map {
            Format(value: $0, label: text("consultations.import.formats.\($0)"), selected: $0 == chosen)
        }
        self.errors = errors
    }
}

/// The window and wording fields, as typed (times as `datetime-local`
/// values in Beijing time).
struct SettingsForm {
    let title: String
    let draftingExplanation: String
    let opensAt: String
    let closesAt: String
    /// Fields the state no longer lets change, disabled in the form.
    let titleLocked: Bool
    let opensAtLocked: Bool
    let closesAtLocked: Bool
    let errors: FormProblem?
    let titleMax = ConsultationRules.titleMaxLength
    let explanationMax = ConsultationRules.draftingExplanationMaxLength
}

struct ConsultationImportView: PageView {
    static let template = "consultation-import"

    let settings: SettingsForm
    let draft: DraftForm
    let maxDraftLength = ConsultationRules.draftMaxLength
    let commentPeriodDays = ConsultationOffice.defaultCommentPeriodDays
}

/// `/staff/consultations/{id}`: state, actions, settings, and the split
/// for confirmation (with the draft form while it is a draft).
struct OfficeConsultationView: PageView {
    static let template = "consultation-office"

    let id: Int64
    let title: String
    let status: String
    let statusClass: String
    let window: String
    let notice: String?
    /// The public page, once the consultation is public.
    let publicURL: String?
    let commentsURL: String
    let counts: String
    let createdBy: String
    let splitConfirmedBy: String?
    let warnings: [String]
    let sectionCount: String
    let blocks: [DraftBlock]
    /// Whether the split still waits for confirmation.
    let needsConfirmation: Bool
    let canOpen: Bool
    let canClose: Bool
    /// Why the last action on this page was refused.
    let actionErrors: FormProblem?
    let settings: SettingsForm
    /// Only while it is a draft.
    let draftForm: DraftForm?

    struct Input {
        var consultation: ConsultationView
        var staff: AuthenticatedStaff
        var notice: String?
        var actionErrors: FormProblem?
        var settings: SettingsForm?
        var draftForm: DraftForm?
    }

    init(_ input: Input, now: Date, text: PageText) {
        let c = input.consultation
        id = c.id
        title = c.title
        status = ConsultationsText.status(c.state, window: c.window, now: now, text: text)
        statusClass = "status-\(c.state.rawValue)"
        window = ConsultationsText.window(c.window, text: text)
        notice = input.notice
        publicURL = c.state == .draft ? nil : "/consultations/\(c.id)"
        commentsURL = "/staff/consultations/\(c.id)/comments"
        counts = text.format(
            "consultations.office.counts",
            ["published": String(c.comments.published), "pending": String(c.comments.pending), "rejected": String(c.comments.rejected)])
        createdBy = text.format("consultations.office.createdBy", ["name": c.createdBy, "at": OfficeTime.minute(c.createdAt)])
        splitConfirmedBy = c.splitConfirmedAt.map {
            text.format("consultations.office.confirmedBy", ["name": c.splitConfirmedBy ?? "", "at": OfficeTime.minute($0)])
        }
        warnings = c.draft.warnings.map { warning in
            let message = text("consultations.warnings.\(warning.code.rawValue)")
            return warning.line.map { text.format("consultations.office.warningLine", ["line": String($0), "message": message]) } ?? message
        }
        sectionCount = text.format(
            "consultations.office.split", ["articles": String(c.draft.sections.count), "headings": String(c.draft.headings.count)])
        blocks = DraftBlock.blocks(c.draft) { DraftBlock.Article($0, count: nil, comments: [], form: nil) }
        needsConfirmation = c.state == .draft && c.splitConfirmedAt == nil
        let publisher = ConsultationOffice.publishers.contains(input.staff.role)
        canOpen = publisher && c.state == .draft && c.splitConfirmedAt != nil
        canClose = publisher && c.state == .open
        actionErrors = input.actionErrors
        settings = input.settings ?? ConsultationsText.settingsForm(c.settings, state: c.state, errors: nil)
        draftForm = c.state == .draft ? input.draftForm ?? DraftForm(draft: c.draftText, format: c.format.rawValue, errors: nil, text: text) : nil
    }
}

/// `/staff/consultations/{id}/comments`: the published comments with
/// their groups and decisions, the report as it stands, and (for admins)
/// withdrawal.
struct OfficeCommentsView: PageView {
    static let template = "consultation-office-comments"

    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct DecisionForm {
        /// `comment-12`, `group-3`.
        let subject: String
        let options: [Option]
        let reason: String
        let errors: FormProblem?
    }

    struct Comment {
        let id: Int64
        let target: String
        let text: String
        let nickname: String
        let day: String
        let group: String?
        /// Nil for a grouped comment, or once decisions are final.
        let decision: DecisionForm?
        let decided: String?
        let withdrawal: String?
        let withdrawalReason: String?
        let canWithdraw: Bool
        let canRepublish: Bool
        let withdrawalErrors: FormProblem?
    }

    struct Group {
        let id: Int64
        let summary: String
        let members: String
        let decision: DecisionForm?
        let decided: String?
    }

    let id: Int64
    let title: String
    let status: String
    let backURL: String
    let exportCSV: String
    let exportJSON: String
    let notice: String?
    /// Groups and decisions can change (open or closed).
    let deciding: Bool
    let comments: [Comment]
    let groups: [Group]
    let groupErrors: FormProblem?
    let groupSummary: String
    let blockers: [String]
    let report: ReportView?
    let canPublish: Bool
    let publishErrors: FormProblem?
    let summaryMax = ConsultationRules.groupSummaryMaxLength
    let reasonMax = ConsultationRules.decisionReasonMaxLength

    /// A refused form on this page: which one (`group`, `publish`,
    /// `comment-12`, `group-3`, `withdraw-12`) and why.
    struct Refusal {
        let form: String
        let errors: FormProblem
        /// What was typed (a reason, a summary, a correction).
        let typed: String
        let decision: String?
    }

    init(
        _ work: ConsultationActions.Work, staff: AuthenticatedStaff, now: Date, notice: String?, refused: Refusal?, text: PageText
    ) {
        let c = work.consultation
        id = c.id
        title = c.title
        status = ConsultationsText.status(c.state, window: c.window, now: now, text: text)
        backURL = "/staff/consultations/\(c.id)"
        exportCSV = "/staff/consultations/\(c.id)/export?format=csv"
        exportJSON = "/staff/consultations/\(c.id)/export?format=json"
        self.notice = notice
        deciding = c.state == .open || c.state == .closed
        let labels = Dictionary(c.draft.sections.map { ($0.key, $0.label) }, uniquingKeysWith: { first, _ in first })
        func label(_ target: CommentTarget) -> String {
            switch target {
            case .wholeDraft: text("consultations.page.wholeDraft")
            case .section(let key): labels[key] ?? key
            }
        }
        func decisionText(_ record: AdoptionRecord?) -> String? {
            record.map { text("consultations.decisions.\($0.decision.rawValue)") + "：" + $0.reason }
        }
        let deciding = deciding
        func form(_ subject: String, _ record: AdoptionRecord?) -> DecisionForm? {
            guard deciding else { return nil }
            let mine = refused?.form == subject ? refused : nil
            let chosen = mine?.decision ?? record?.decision.rawValue ?? ""
            let options =
                [Option(value: "", label: text("consultations.office.undecided"), selected: chosen.isEmpty)]
                + AdoptionDecision.allCases.map {
                    Option(value: $0.rawValue, label: text("consultations.decisions.\($0.rawValue)"), selected: $0.rawValue == chosen)
                }
            return DecisionForm(subject: subject, options: options, reason: mine?.typed ?? record?.reason ?? "", errors: mine?.errors)
        }
        let groupOf = Dictionary(
            work.input.groups.flatMap { group in group.memberIDs.map { ($0, group) } }, uniquingKeysWith: { first, _ in first })
        let admin = WithdrawalRules.mayWithdraw(staff.role)
        comments = work.comments.map { comment in
            let group = groupOf[comment.id]
            let withdrawal = comment.withdrawal
            return Comment(
                id: comment.id, target: label(comment.target), text: comment.publicText, nickname: comment.nickname,
                day: comment.submittedOn.description,
                group: group.map { text.format("consultations.office.inGroup", ["id": String($0.id), "summary": $0.summary]) },
                decision: group == nil ? form("comment-\(comment.id)", comment.decision) : nil, decided: decisionText(comment.decision),
                withdrawal: withdrawal.map {
                    text.format("consultations.office.withdrawnBy", ["name": $0.withdrawnBy, "at": OfficeTime.minute($0.withdrawnAt)])
                },
                withdrawalReason: withdrawal?.reason, canWithdraw: admin && withdrawal == nil, canRepublish: admin && withdrawal != nil,
                withdrawalErrors: refused?.form == "withdraw-\(comment.id)" ? refused?.errors : nil)
        }
        groups = work.input.groups.map { group in
            Group(
                id: group.id, summary: group.summary,
                members: group.memberIDs.map { "#\($0)" }.joined(separator: "、"), decision: form("group-\(group.id)", group.decision),
                decided: decisionText(group.decision))
        }
        groupErrors = refused?.form == "group" ? refused?.errors : nil
        groupSummary = refused?.form == "group" ? refused?.typed ?? "" : ""
        blockers = work.input.reportErrors.map { ConsultationsText.blocker($0, text: text) }
        report = work.report.map { ReportView($0, withdrawn: [], publishedAt: c.reportPublishedAt, text: text) }
        canPublish = ConsultationOffice.publishers.contains(staff.role) && c.state == .closed
        publishErrors = refused?.form == "publish" ? refused?.errors : nil
    }
}

// MARK: Shared wording

/// A refused form's problem as a page shows it: the shared `FormErrors`
/// (one message per field), under a summary in the reader's words.
struct FormProblem {
    let errors: FormErrors
    let summary: String
    /// The messages listed under the summary.
    let lines: [String]
    /// `lines`, each with its field for the summary's links.
    let summaryLines: [FormErrors.SummaryLine]

    init(_ problem: Problem, text: PageText) {
        errors = FormErrors(problem, text: text, prefix: "consultations")
        var lines = errors.messages.map(\.text)
        if problem.type == Problem.Kind.outsideWindow.typeURI, let window = problem.window {
            summary = text.format(
                "consultations.errors.outsideWindow", ["from": OfficeTime.minute(window.opensAt), "to": OfficeTime.minute(window.closesAt)])
        } else if problem.statusCode == 409, !errors.messages.isEmpty {
            // An incomplete report: what is missing is listed by the report.
            summary = text("consultations.errors.reportIncomplete")
            lines = []
        } else if !errors.messages.isEmpty {
            summary = text("consultations.errors.fix")
        } else {
            summary = errors.summary
        }
        self.lines = lines
        summaryLines = errors.summaryLines(lines)
    }
}

/// The phrases several consultation pages share.
enum ConsultationsText {
    /// `征求意见时间：2026-12-01 00:00 至 2026-12-31 00:00`.
    static func window(_ window: ParticipationWindow, text: PageText) -> String {
        text.format("consultations.window", ["from": OfficeTime.minute(window.opensAt), "to": OfficeTime.minute(window.closesAt)])
    }

    /// The state in the reader's words. `closed` says the comment period
    /// is over and the report is being prepared, never that it is finished.
    static func status(_ state: ConsultationState, window: ParticipationWindow, now: Date, text: PageText) -> String {
        if state == .open {
            switch window.availability(in: state.phase, now: now) {
            case .notYetOpen: return text("consultations.states.upcoming")
            case .closed: return text("consultations.states.periodOver")
            case .open: break
            }
        }
        return text("consultations.states.\(state.rawValue)")
    }

    static func item(
        _ summary: ConsultationSummary, url: String, pending: String?, now: Date, text: PageText
    ) -> ConsultationListView.Item {
        ConsultationListView.Item(
            url: url, title: summary.title,
            status: status(summary.state, window: summary.window, now: now, text: text), window: window(summary.window, text: text),
            comments: text.format("consultations.page.count", ["n": String(summary.commentCount)]), pending: pending)
    }

    static func settingsForm(_ settings: ConsultationSettings, state: ConsultationState, errors: FormProblem?) -> SettingsForm {
        SettingsForm(
            title: settings.title, draftingExplanation: settings.draftingExplanation, opensAt: localTime(settings.opensAt),
            closesAt: localTime(settings.closesAt), titleLocked: state == .reportPublished, opensAtLocked: state != .draft,
            closesAtLocked: state == .closed || state == .reportPublished, errors: errors)
    }

    /// A `datetime-local` value in Beijing time: `2026-12-01T09:00`.
    static func localTime(_ date: Date) -> String {
        OfficeTime.minute(date).replacingOccurrences(of: " ", with: "T")
    }

    /// `2026-12-01T09:00` (what a `datetime-local` input sends), read as
    /// Beijing time; nil for anything else.
    static func parseLocalTime(_ raw: String?) -> Date? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces),
            let match = raw.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/)
        else { return nil }
        let components = DateComponents(
            year: Int(match.1), month: Int(match.2), day: Int(match.3), hour: Int(match.4), minute: Int(match.5),
            second: match.6.flatMap { Int($0) } ?? 0)
        guard let date = OfficeTime.calendar.date(from: components), OfficeTime.minute(date) == "\(match.1)-\(match.2)-\(match.3) \(match.4):\(match.5)"
        else { return nil }
        return date
    }

    /// What still blocks the report, in the reader's words: `意见 #17
    /// 尚未作出采纳决定`.
    static func blocker(_ error: FieldError, text: PageText) -> String {
        let parts = error.field.split(separator: ".")
        var subject = ""
        if parts.count >= 2, parts[0] == "comments" {
            subject = text.format("consultations.blockers.comment", ["id": String(parts[1])])
        } else if parts.count >= 2, parts[0] == "groups" {
            subject = text.format("consultations.blockers.group", ["id": String(parts[1])])
        }
        let key = "consultations.blockers.\(error.code)"
        let phrase = text(key)
        return phrase == key ? subject + error.message : text.format(key, ["subject": subject])
    }
}
