import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The consultations' pages: the public list and page with its comment
/// forms, and the office's pages to import a draft, confirm its split,
/// set its window, open and close it, work through the comments and
/// publish the adoption report. Every form is a plain HTML form that
/// works without JavaScript; a refused one comes back with the reader's
/// values and the reason by each field (`FormSubmission`).
struct ConsultationsPagesController {
    typealias Context = AppRequestContext
    let actions: ConsultationActions
    let pages: PageRenderer
    /// Where an uploaded draft file lands while it is read (the
    /// attachments' incoming folder); it is deleted straight after.
    let uploads: AttachmentFiles

    var store: any ConsultationsStore { actions.store }

    func addRoutes(to router: Router<Context>) {
        router.get("/consultations", use: listPage)
        router.get("/consultations/{id}", use: consultationPage)
        router.post("/consultations/{id}/comments", use: commentForm)
        router.group("/staff/consultations")
            .add(middleware: RequireRoleMiddleware(ConsultationOffice.organisers))
            .get(use: officeListPage)
            .get("/new", use: importPage)
            .post(use: importForm)
            .get("/{id}", use: officePage)
            .post("/{id}/settings", use: settingsForm)
            .post("/{id}/draft", use: draftForm)
            .post("/{id}/confirm-split", use: confirmForm)
            .get("/{id}/comments", use: commentsPage)
            .post("/{id}/groups", use: groupForm)
            .post("/{id}/groups/{group}/dissolve", use: dissolveForm)
            .post("/{id}/decisions", use: decisionForm)
            .get("/{id}/export", use: export)
        router.group("/staff/consultations")
            .add(middleware: RequireRoleMiddleware(ConsultationOffice.publishers))
            .post("/{id}/open", use: openForm)
            .post("/{id}/close", use: closeForm)
            .post("/{id}/publish-report", use: publishForm)
        router.group("/staff/consultations")
            .add(middleware: RequireRoleMiddleware(WithdrawalRules.roles))
            .post("/{id}/comments/{comment}/unpublish", use: unpublishForm)
            .post("/{id}/comments/{comment}/republish", use: republishForm)
    }

    // MARK: Public

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let view = ConsultationListView(try await store.publicConsultations(), now: actions.clock.now(), text: text)
        return try pages.render(view, title: text("consultations.list.title"), request: request, context: context)
    }

    @Sendable func consultationPage(_ request: Request, context: Context) async throws -> Response {
        try await renderConsultation(try ConsultationsAPIController.id(context), refused: nil, request: request, context: context)
    }

    struct CommentFields: Decodable {
        var target: String?
        var text: String?
        var nickname: String?
    }

    @Sendable func commentForm(_ request: Request, context: Context) async throws -> Response {
        let id = try ConsultationsAPIController.id(context)
        let form = try await request.decodeForm(CommentFields.self, context: context)
        let target = form.target.flatMap { $0.isEmpty ? nil : $0 } ?? CommentTarget.wholeDraftValue
        return try await FormSubmission.run(context: context) {
            _ = try await actions.comment(id, target: target, text: form.text, nickname: form.nickname, clientAddress: context.clientAddress)
            return .seeOther("/consultations/\(id)?notice=received#comment-form-\(Self.anchor(target))")
        } showFormAgain: { problem in
            let refused = RefusedComment(
                target: target, text: form.text ?? "", nickname: form.nickname ?? "", errors: FormProblem(problem, text: pages.text(for: request)))
            return try await renderConsultation(id, refused: refused, request: request, context: context)
        }
    }

    /// A target as an id fragment (section keys are ASCII already).
    static func anchor(_ target: String) -> String {
        target.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } ? target : CommentTarget.wholeDraftValue
    }

    private func renderConsultation(_ id: Int64, refused: RefusedComment?, request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let consultation = try await actions.publicConsultation(id)
        let notice = pages.notice(request.uri.queryParameters.get("notice"), in: "consultations.notices", language: text.language)
        let view = ConsultationPageView(consultation, now: actions.clock.now(), notice: notice, refused: refused, text: text)
        return try pages.render(view, title: consultation.title, request: request, context: context)
    }

    // MARK: The office: list and import

    @Sendable func officeListPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let notice = pages.notice(request.uri.queryParameters.get("notice"), in: "consultations.notices", language: text.language)
        let view = OfficeConsultationListView(try await store.consultations(), now: actions.clock.now(), notice: notice, text: text)
        return try pages.render(view, title: text("consultations.office.title"), request: request, context: context)
    }

    @Sendable func importPage(_ request: Request, context: Context) async throws -> Response {
        try renderImport(DraftFields(), problem: nil, request: request, context: context)
    }

    /// The import and draft forms' fields: a text area, or a file (UTF-8
    /// text or Markdown) that replaces it.
    struct DraftFields: Decodable {
        var title: String?
        var draftingExplanation: String?
        var opensAt: String?
        var closesAt: String?
        var draft: String?
        var format: String?
    }

    /// Limits of the draft forms (multipart): one file and the text area,
    /// each up to 4 bytes per character of the longest draft.
    static let uploadLimits = MultipartUpload.Limits(
        maxFileBytes: ConsultationRules.draftMaxLength * 4, maxFiles: 1, maxFieldBytes: ConsultationRules.draftMaxLength * 4,
        maxFieldsBytes: ConsultationRules.draftMaxLength * 4 + 64 * 1024)

    /// Reads a draft form, sent as multipart (the page, with its file
    /// input) or urlencoded; an uploaded file's text replaces the text area.
    func readDraftFields(_ request: Request, context: Context) async throws -> DraftFields {
        guard MultipartUpload.isMultipart(request) else { return try await request.decodeForm(DraftFields.self, context: context) }
        let upload = try await MultipartUpload.read(request, into: uploads, limits: Self.uploadLimits)
        defer { upload.discard() }
        var fields = DraftFields(
            title: upload.field("title"), draftingExplanation: upload.field("draftingExplanation"), opensAt: upload.field("opensAt"),
            closesAt: upload.field("closesAt"), draft: upload.field("draft"), format: upload.field("format"))
        if let file = upload.files.first(where: { $0.byteCount > 0 }) {
            guard let text = String(validating: try Data(contentsOf: file.url), as: UTF8.self) else {
                throw Problem.validation(
                    FieldError(field: "file", code: "not_utf8", message: "the file is not UTF-8 text; save it as UTF-8 and upload it again"))
            }
            fields.draft = text
            if (fields.format ?? "auto") == "auto", file.filename.lowercased().hasSuffix(".md") { fields.format = DraftFormat.markdown.rawValue }
        }
        return fields
    }

    @Sendable func importForm(_ request: Request, context: Context) async throws -> Response {
        var fields = DraftFields()
        return try await FormSubmission.run(context: context) {
            fields = try await readDraftFields(request, context: context)
            let (opensAt, closesAt) = try Self.window(fields)
            let consultation = try await actions.importDraft(
                .init(
                    title: fields.title, draftingExplanation: fields.draftingExplanation, opensAt: opensAt, closesAt: closesAt,
                    draft: fields.draft, format: fields.format),
                actor: context.staff!)
            return .seeOther("/staff/consultations/\(consultation.id)?notice=imported")
        } showFormAgain: { problem in
            try renderImport(fields, problem: problem, request: request, context: context)
        }
    }

    /// The form's `datetime-local` values; blank means "the default".
    static func window(_ fields: DraftFields) throws -> (Date?, Date?) {
        var errors: [FieldError] = []
        func parse(_ raw: String?, _ field: String) -> Date? {
            guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            guard let date = ConsultationsText.parseLocalTime(raw) else {
                errors.append(.invalid(field, "\(field) must be a date and time such as 2026-12-01T09:00"))
                return nil
            }
            return date
        }
        let window = (parse(fields.opensAt, "opensAt"), parse(fields.closesAt, "closesAt"))
        if !errors.isEmpty { throw Problem.validation(ValidationFailure(errors)) }
        return window
    }

    private func renderImport(_ fields: DraftFields, problem: Problem?, request: Request, context: Context) throws -> Response {
        let text = pages.text(for: request)
        let errors = problem.map { FormProblem($0, text: text) }
        let defaults = ConsultationOffice.defaultWindow(importedAt: actions.clock.now())
        let view = ConsultationImportView(
            settings: SettingsForm(
                title: fields.title ?? "", draftingExplanation: fields.draftingExplanation ?? "",
                opensAt: fields.opensAt ?? ConsultationsText.localTime(defaults.opensAt),
                closesAt: fields.closesAt ?? ConsultationsText.localTime(defaults.closesAt), titleLocked: false, opensAtLocked: false,
                closesAtLocked: false, errors: errors),
            draft: DraftForm(draft: fields.draft ?? "", format: fields.format, errors: errors, text: text))
        return try pages.render(view, title: text("consultations.import.title"), request: request, context: context)
    }

    // MARK: The office: one consultation

    @Sendable func officePage(_ request: Request, context: Context) async throws -> Response {
        try await renderOffice(try ConsultationsAPIController.id(context), request: request, context: context)
    }

    private func renderOffice(
        _ id: Int64, actionErrors: Problem? = nil, settings: SettingsForm? = nil, draftForm: DraftForm? = nil, request: Request,
        context: Context
    ) async throws -> Response {
        let text = pages.text(for: request)
        let consultation = try await store.consultation(id: id)
        let notice = pages.notice(request.uri.queryParameters.get("notice"), in: "consultations.notices", language: text.language)
        let view = OfficeConsultationView(
            .init(
                consultation: consultation, staff: context.staff!, notice: notice, actionErrors: actionErrors.map { FormProblem($0, text: text) },
                settings: settings, draftForm: draftForm),
            now: actions.clock.now(), text: text)
        return try pages.render(view, title: consultation.title, request: request, context: context)
    }

    @Sendable func settingsForm(_ request: Request, context: Context) async throws -> Response {
        let id = try ConsultationsAPIController.id(context)
        let fields = try await request.decodeForm(DraftFields.self, context: context)
        return try await FormSubmission.run(context: context) {
            let (opensAt, closesAt) = try Self.window(fields)
            _ = try await actions.update(
                id, .init(title: fields.title, draftingExplanation: fields.draftingExplanation, opensAt: opensAt, closesAt: closesAt),
                actor: context.staff!)
            return .seeOther("/staff/consultations/\(id)?notice=saved")
        } showFormAgain: { problem in
            let state = try await store.consultation(id: id).state
            let locked = ConsultationsText.settingsForm(try await store.consultation(id: id).settings, state: state, errors: nil)
            let typed = SettingsForm(
                title: fields.title ?? locked.title, draftingExplanation: fields.draftingExplanation ?? locked.draftingExplanation,
                opensAt: fields.opensAt ?? locked.opensAt, closesAt: fields.closesAt ?? locked.closesAt, titleLocked: locked.titleLocked,
                opensAtLocked: locked.opensAtLocked, closesAtLocked: locked.closesAtLocked,
                errors: FormProblem(problem, text: pages.text(for: request)))
            return try await renderOffice(id, settings: typed, request: request, context: context)
        }
    }

    @Sendable func draftForm(_ request: Request, context: Context) async throws -> Response {
        let id = try ConsultationsAPIController.id(context)
        var fields = DraftFields()
        return try await FormSubmission.run(context: context) {
            fields = try await readDraftFields(request, context: context)
            _ = try await actions.reimport(id, draft: fields.draft, format: fields.format, actor: context.staff!)
            return .seeOther("/staff/consultations/\(id)?notice=reimported")
        } showFormAgain: { problem in
            let text = pages.text(for: request)
            let form = DraftForm(draft: fields.draft ?? "", format: fields.format, errors: FormProblem(problem, text: text), text: text)
            return try await renderOffice(id, draftForm: form, request: request, context: context)
        }
    }

    @Sendable func confirmForm(_ request: Request, context: Context) async throws -> Response {
        try await officeAction(request, context: context, notice: "confirmed") { id, staff in _ = try await actions.confirmSplit(id, actor: staff) }
    }

    @Sendable func openForm(_ request: Request, context: Context) async throws -> Response {
        try await officeAction(request, context: context, notice: "opened") { id, staff in _ = try await actions.open(id, actor: staff) }
    }

    @Sendable func closeForm(_ request: Request, context: Context) async throws -> Response {
        try await officeAction(request, context: context, notice: "closed") { id, staff in
            _ = try await actions.closeCommentPeriod(id, actor: staff)
        }
    }

    /// A button on the consultation's page: done, back to the page with a
    /// notice; refused, the page again with the reason.
    private func officeAction(
        _ request: Request, context: Context, notice: String, _ action: (Int64, AuthenticatedStaff) async throws -> Void
    ) async throws -> Response {
        let id = try ConsultationsAPIController.id(context)
        return try await FormSubmission.run(context: context) {
            try await action(id, context.staff!)
            return .seeOther("/staff/consultations/\(id)?notice=\(notice)")
        } showFormAgain: { problem in
            try await renderOffice(id, actionErrors: problem, request: request, context: context)
        }
    }

    // MARK: The office: comments, groups, decisions, the report

    @Sendable func commentsPage(_ request: Request, context: Context) async throws -> Response {
        try await renderComments(try ConsultationsAPIController.id(context), refused: nil, request: request, context: context)
    }

    private func renderComments(_ id: Int64, refused: OfficeCommentsView.Refusal?, request: Request, context: Context) async throws
        -> Response
    {
        let text = pages.text(for: request)
        let work = try await actions.work(id)
        let notice = pages.notice(request.uri.queryParameters.get("notice"), in: "consultations.notices", language: text.language)
        let view = OfficeCommentsView(work, staff: context.staff!, now: actions.clock.now(), notice: notice, refused: refused, text: text)
        return try pages.render(
            view, title: text.format("consultations.comments.title", ["title": work.consultation.title]), request: request,
            context: context)
    }

    /// A form of the comments page: done, back to the page (at `anchor`)
    /// with a notice; refused, the page again with the reason by that form.
    private func commentsAction(
        _ request: Request, context: Context, form: String, typed: String = "", decision: String? = nil, notice: String,
        anchor: String = "", _ action: (Int64) async throws -> Void
    ) async throws -> Response {
        let id = try ConsultationsAPIController.id(context)
        return try await FormSubmission.run(context: context) {
            try await action(id)
            return .seeOther("/staff/consultations/\(id)/comments?notice=\(notice)\(anchor)")
        } showFormAgain: { problem in
            let refusal = OfficeCommentsView.Refusal(
                form: form, errors: FormProblem(problem, text: pages.text(for: request)), typed: typed, decision: decision)
            return try await renderComments(id, refused: refusal, request: request, context: context)
        }
    }

    struct GroupFields: Decodable {
        var summary: String?
        var commentIDs: [String]?
    }

    @Sendable func groupForm(_ request: Request, context: Context) async throws -> Response {
        let fields = try await request.decodeForm(GroupFields.self, context: context)
        return try await commentsAction(request, context: context, form: "group", typed: fields.summary ?? "", notice: "grouped", anchor: "#groups") {
            id in
            let ids = (fields.commentIDs ?? []).compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            _ = try await actions.group(id, summary: fields.summary, commentIDs: ids, actor: context.staff!)
        }
    }

    @Sendable func dissolveForm(_ request: Request, context: Context) async throws -> Response {
        let group = try ConsultationsAPIController.id(context, "group")
        return try await commentsAction(request, context: context, form: "group-\(group)", notice: "dissolved", anchor: "#groups") { id in
            try await actions.dissolve(id, group: group, actor: context.staff!)
        }
    }

    struct DecisionFields: Decodable {
        /// `comment-12` or `group-3`.
        var subject: String?
        var decision: String?
        var reason: String?
    }

    @Sendable func decisionForm(_ request: Request, context: Context) async throws -> Response {
        let fields = try await request.decodeForm(DecisionFields.self, context: context)
        let raw = fields.subject ?? ""
        let parts = raw.split(separator: "-")
        let subject: DecisionSubject? =
            parts.count == 2 ? Int64(parts[1]).flatMap { parts[0] == "comment" ? .comment($0) : parts[0] == "group" ? .group($0) : nil } : nil
        return try await commentsAction(
            request, context: context, form: raw, typed: fields.reason ?? "", decision: fields.decision, notice: "decided", anchor: "#\(raw)"
        ) { id in
            guard let subject else { throw Problem.validation(.invalid("subject", "subject must be comment-<id> or group-<id>")) }
            try await actions.decide(id, on: subject, decision: fields.decision, reason: fields.reason, actor: context.staff!)
        }
    }

    @Sendable func publishForm(_ request: Request, context: Context) async throws -> Response {
        try await commentsAction(request, context: context, form: "publish", notice: "published") { id in
            _ = try await actions.publishReport(id, actor: context.staff!)
        }
    }

    struct WithdrawalFields: Decodable {
        var reason: String?
        var text: String?
    }

    @Sendable func unpublishForm(_ request: Request, context: Context) async throws -> Response {
        let comment = try ConsultationsAPIController.id(context, "comment")
        let fields = try await request.decodeForm(WithdrawalFields.self, context: context)
        return try await commentsAction(
            request, context: context, form: "withdraw-\(comment)", typed: fields.reason ?? "", notice: "withdrawn", anchor: "#comment-\(comment)"
        ) { id in
            _ = try await actions.unpublishComment(id, comment: comment, reason: fields.reason, actor: context.staff!)
        }
    }

    @Sendable func republishForm(_ request: Request, context: Context) async throws -> Response {
        let comment = try ConsultationsAPIController.id(context, "comment")
        let fields = try await request.decodeForm(WithdrawalFields.self, context: context)
        return try await commentsAction(
            request, context: context, form: "withdraw-\(comment)", typed: fields.text ?? "", notice: "republished", anchor: "#comment-\(comment)"
        ) { id in
            _ = try await actions.republishComment(id, comment: comment, text: fields.text, actor: context.staff!)
        }
    }

    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        let export = try await actions.export(
            try ConsultationsAPIController.id(context), format: request.uri.queryParameters.get("format"),
            language: pages.language(for: request))
        return ConsultationsAPIController.download(export)
    }
}
