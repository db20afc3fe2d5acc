import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Public comment on drafts over JSON (Web/api/openapi.consultations.json):
/// the public reads consultations and comments; organisers import and
/// prepare drafts, group comments and record decisions; leaders open,
/// close and publish the adoption report; admins withdraw comments.
struct ConsultationsAPIController {
    typealias Context = AppRequestContext
    let actions: ConsultationActions

    func addRoutes(to router: Router<Context>) {
        // Public
        router.get("/api/v1/consultations", use: list)
        router.get("/api/v1/consultations/{id}", use: detail)
        router.post("/api/v1/consultations/{id}/comments", use: comment)
        // Organisers
        router.group("/api/v1/consultations")
            .add(middleware: RequireRoleMiddleware(ConsultationOffice.organisers))
            .post(use: importDraft)
            .get("/office", use: officeList)
            .get("/{id}/office", use: office)
            .put("/{id}", use: update)
            .put("/{id}/draft", use: reimport)
            .post("/{id}/split/confirm", use: confirmSplit)
            .post("/{id}/groups", use: group)
            .delete("/{id}/groups/{group}", use: dissolve)
            .post("/{id}/decisions", use: decide)
            .get("/{id}/export", use: export)
        // Leaders
        router.group("/api/v1/consultations")
            .add(middleware: RequireRoleMiddleware(ConsultationOffice.publishers))
            .post("/{id}/open", use: open)
            .post("/{id}/close", use: close)
            .post("/{id}/report", use: publishReport)
        // Admins
        router.group("/api/v1/consultations")
            .add(middleware: RequireRoleMiddleware(WithdrawalRules.roles))
            .post("/{id}/comments/{comment}/unpublish", use: unpublish)
            .post("/{id}/comments/{comment}/republish", use: republish)
    }

    // MARK: Request and response bodies

    struct ConsultationList: ResponseEncodable {
        var consultations: [ConsultationSummary]
    }

    struct CommentBody: Decodable {
        /// A section key (`art-12`), or `draft` / absent for the whole draft.
        var target: String?
        var text: String?
        var nickname: String?
    }

    struct SettingsBody: Decodable {
        var title: String?
        var draftingExplanation: String?
        var opensAt: Date?
        var closesAt: Date?
    }

    struct DraftBody: Decodable {
        var draft: String?
        var format: String?
    }

    struct GroupBody: Decodable {
        var summary: String?
        var commentIDs: [Int64]?
    }

    struct DecisionBody: Decodable {
        /// One of `comment` and `group`.
        var comment: Int64?
        var group: Int64?
        /// `adopted`, `partly_adopted`, `not_adopted`; null with no reason
        /// clears the decision.
        var decision: String?
        var reason: String?
    }

    /// What the office works from: the consultation, its published
    /// comments, the groups, and what still blocks the report.
    struct OfficeBody: ResponseEncodable {
        var consultation: ConsultationView
        var comments: [OfficeComment]
        var groups: [CommentGroup]
        /// Empty when the report can be published.
        var reportErrors: [FieldError]
        var report: AdoptionReport?
    }

    struct UnpublishBody: Decodable {
        var reason: String?
    }

    struct RepublishBody: Decodable {
        var text: String?
    }

    struct RepublishedBody: ResponseEncodable {
        var comment: OfficeComment
        /// The personal information masked in the correction, by kind.
        var masked: [MaskedSpan]
    }

    // MARK: Public

    @Sendable func list(_ request: Request, context: Context) async throws -> ConsultationList {
        ConsultationList(consultations: try await actions.store.publicConsultations())
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> PublicConsultation {
        try await actions.publicConsultation(try Self.id(context))
    }

    @Sendable func comment(_ request: Request, context: Context) async throws -> EditedResponse<SubmittedComment> {
        let id = try Self.id(context)
        let body = try await request.decodeJSON(CommentBody.self, context: context)
        let comment = try await actions.comment(
            id, target: body.target, text: body.text, nickname: body.nickname, clientAddress: context.clientAddress)
        return EditedResponse(status: .created, response: comment)
    }

    // MARK: Organisers

    @Sendable func officeList(_ request: Request, context: Context) async throws -> ConsultationList {
        ConsultationList(consultations: try await actions.store.consultations())
    }

    @Sendable func importDraft(_ request: Request, context: Context) async throws -> EditedResponse<ConsultationView> {
        let body = try await request.decodeJSON(ConsultationActions.Import.self, context: context)
        let consultation = try await actions.importDraft(body, actor: context.staff!)
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/consultations/\(consultation.id)/office"], response: consultation)
    }

    @Sendable func office(_ request: Request, context: Context) async throws -> OfficeBody {
        let work = try await actions.work(try Self.id(context))
        return OfficeBody(
            consultation: work.consultation, comments: work.comments, groups: work.input.groups, reportErrors: work.input.reportErrors,
            report: work.report)
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> ConsultationView {
        let body = try await request.decodeJSON(SettingsBody.self, context: context)
        return try await actions.update(
            try Self.id(context),
            .init(title: body.title, draftingExplanation: body.draftingExplanation, opensAt: body.opensAt, closesAt: body.closesAt),
            actor: context.staff!)
    }

    @Sendable func reimport(_ request: Request, context: Context) async throws -> ConsultationView {
        let body = try await request.decodeJSON(DraftBody.self, context: context)
        return try await actions.reimport(try Self.id(context), draft: body.draft, format: body.format, actor: context.staff!)
    }

    @Sendable func confirmSplit(_ request: Request, context: Context) async throws -> ConsultationView {
        try await actions.confirmSplit(try Self.id(context), actor: context.staff!)
    }

    @Sendable func group(_ request: Request, context: Context) async throws -> EditedResponse<CommentGroup> {
        let body = try await request.decodeJSON(GroupBody.self, context: context)
        let group = try await actions.group(try Self.id(context), summary: body.summary, commentIDs: body.commentIDs, actor: context.staff!)
        return EditedResponse(status: .created, response: group)
    }

    @Sendable func dissolve(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await actions.dissolve(try Self.id(context), group: try Self.id(context, "group"), actor: context.staff!)
        return .noContent
    }

    @Sendable func decide(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(DecisionBody.self, context: context)
        let subject: DecisionSubject
        switch (body.comment, body.group) {
        case (let comment?, nil): subject = .comment(comment)
        case (nil, let group?): subject = .group(group)
        default: throw Problem.validation(.invalid("comment", "give either comment or group"))
        }
        try await actions.decide(try Self.id(context), on: subject, decision: body.decision, reason: body.reason, actor: context.staff!)
        return .noContent
    }

    /// `?format=csv` (default) or `json`; `?lang=en` for English CSV headers.
    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        let language = Language.negotiate(
            explicit: request.uri.queryParameters.get("lang"), cookie: nil, acceptLanguage: request.headers[.acceptLanguage])
        let export = try await actions.export(
            try Self.id(context), format: request.uri.queryParameters.get("format"), language: language)
        return Self.download(export)
    }

    /// An export as a file download, never rendered by the browser.
    static func download(_ export: ConsultationActions.Export) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: export.contentType, .contentDisposition: "attachment; filename=\"\(export.filename)\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: .init(bytes: export.data)))
    }

    // MARK: Leaders

    @Sendable func open(_ request: Request, context: Context) async throws -> ConsultationView {
        try await actions.open(try Self.id(context), actor: context.staff!)
    }

    @Sendable func close(_ request: Request, context: Context) async throws -> ConsultationView {
        try await actions.closeCommentPeriod(try Self.id(context), actor: context.staff!)
    }

    @Sendable func publishReport(_ request: Request, context: Context) async throws -> ConsultationView {
        try await actions.publishReport(try Self.id(context), actor: context.staff!)
    }

    // MARK: Admins

    @Sendable func unpublish(_ request: Request, context: Context) async throws -> OfficeComment {
        let body = try await request.decodeJSON(UnpublishBody.self, context: context)
        return try await actions.unpublishComment(
            try Self.id(context), comment: try Self.id(context, "comment"), reason: body.reason, actor: context.staff!)
    }

    @Sendable func republish(_ request: Request, context: Context) async throws -> RepublishedBody {
        let body = try await request.decodeJSON(RepublishBody.self, context: context)
        let result = try await actions.republishComment(
            try Self.id(context), comment: try Self.id(context, "comment"), text: body.text, actor: context.staff!)
        return RepublishedBody(comment: result.comment, masked: result.masked)
    }

    // MARK: Helpers

    static func id(_ context: Context, _ name: String = "id") throws -> Int64 {
        guard let id = context.parameters.get(name, as: Int64.self), id > 0 else {
            throw Problem(kind: .notFound, detail: "no such \(name == "id" ? "consultation" : name)")
        }
        return id
    }
}

extension PublicConsultation: ResponseEncodable {}
extension ConsultationView: ResponseEncodable {}
extension SubmittedComment: ResponseEncodable {}
extension OfficeComment: ResponseEncodable {}
extension CommentGroup: ResponseEncodable {}
