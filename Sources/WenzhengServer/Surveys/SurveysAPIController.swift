import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Surveys over JSON: the public list, a survey, answering, results;
/// organisers create, edit and move surveys through their life, make
/// invitations and export.
struct SurveysAPIController {
    typealias Context = AppRequestContext
    let actions: SurveyActions

    func addRoutes(to router: Router<Context>) {
        router.get("/api/v1/surveys", use: list)
        router.get("/api/v1/surveys/{id}", use: detail)
        router.post("/api/v1/surveys/{id}/responses", use: answer)
        router.get("/api/v1/surveys/{id}/results", use: results)
        router.group("/api/v1/surveys")
            .add(middleware: RequireRoleMiddleware(SurveyActions.organisers))
            .post(use: create)
            .put("/{id}", use: update)
            .post("/{id}/state", use: changeState)
            .post("/{id}/invitations", use: invitations)
            .get("/{id}/export", use: export)
    }

    // MARK: Bodies

    struct SurveyList: ResponseEncodable {
        var surveys: [SurveySummary]
    }

    /// A survey as the API shows it: its definition, state and counts.
    struct SurveyBody: ResponseEncodable {
        var id: Int64
        var state: SurveyState
        var responseCount: Int
        var survey: SurveyDefinition
        var invitations: Int?
        var invitationsUsed: Int?

        init(_ view: SurveyView, staff: Bool) {
            id = view.id
            state = view.state
            responseCount = view.responseCount
            survey = view.definition
            invitations = staff ? view.invitations : nil
            invitationsUsed = staff ? view.invitationsUsed : nil
        }
    }

    struct AnswerBody: Decodable {
        var answers: [String: SurveyAnswer]?
        var invitation: String?
    }

    struct ReceiptBody: ResponseEncodable {
        var submittedOn: String
        /// Only for surveys that are not anonymous.
        var responseId: String?
    }

    struct ResultsBody: ResponseEncodable {
        var id: Int64
        var state: SurveyState
        var results: SurveyResults
        /// Free-text answers approved for publication, by question key.
        var texts: [String: [String]]
    }

    struct StateBody: Decodable {
        var state: String?
    }

    struct InvitationsRequest: Decodable {
        var count: Int?
    }

    struct InvitationsBody: ResponseEncodable {
        /// Shown once: only their digests are stored.
        var tokens: [String]
        var total: Int
    }

    // MARK: Handlers

    static func isOrganiser(_ context: Context) -> Bool {
        context.staff.map { SurveyActions.organisers.contains($0.role) } ?? false
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> SurveyList {
        let states: [SurveyState] = Self.isOrganiser(context) ? [] : [.open, .closed, .resultsPublished]
        return SurveyList(surveys: try await actions.database.surveys.surveys(states: states))
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> SurveyBody {
        let id = try SurveysPagesController.surveyID(context)
        if Self.isOrganiser(context) {
            return SurveyBody(try await actions.database.surveys.survey(id: id), staff: true)
        }
        return SurveyBody(try await actions.publicSurvey(id), staff: false)
    }

    @Sendable func answer(_ request: Request, context: Context) async throws -> Response {
        let id = try SurveysPagesController.surveyID(context)
        let body = try await request.decodeJSON(AnswerBody.self, context: context)
        let answered = try await actions.answer(
            surveyID: id, answers: body.answers ?? [:], invitation: body.invitation, request: request, clientAddress: context.clientAddress)
        var response = try EditedResponse(
            status: .created,
            response: ReceiptBody(
                submittedOn: answered.receipt.submittedOn.description,
                responseId: answered.isAnonymous ? nil : answered.receipt.responseID)
        ).response(from: request, context: context)
        if let cookie = answered.cookie { response.setCookie(cookie) }
        return response
    }

    @Sendable func results(_ request: Request, context: Context) async throws -> ResultsBody {
        let id = try SurveysPagesController.surveyID(context)
        let view = try await actions.results(id, staff: context.staff)
        return ResultsBody(id: id, state: view.survey.state, results: view.results, texts: view.publishedTexts)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> EditedResponse<SurveyBody> {
        let definition = try await request.decodeJSON(SurveyDefinition.self, context: context)
        return EditedResponse(status: .created, response: SurveyBody(try await actions.create(definition, staff: context.staff!), staff: true))
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> SurveyBody {
        let definition = try await request.decodeJSON(SurveyDefinition.self, context: context)
        return SurveyBody(
            try await actions.update(try SurveysPagesController.surveyID(context), definition, staff: context.staff!), staff: true)
    }

    @Sendable func changeState(_ request: Request, context: Context) async throws -> SurveyBody {
        let body = try await request.decodeJSON(StateBody.self, context: context)
        guard let state = body.state.flatMap(SurveyState.init(rawValue:)) else {
            throw Problem.validation(.invalid("state", "state must be open, closed or results_published"))
        }
        return SurveyBody(
            try await actions.changeState(try SurveysPagesController.surveyID(context), to: state, staff: context.staff!), staff: true)
    }

    @Sendable func invitations(_ request: Request, context: Context) async throws -> EditedResponse<InvitationsBody> {
        let body = try await request.decodeJSON(InvitationsRequest.self, context: context)
        guard let count = body.count, (1...SurveyInvitationTokens.maxCountPerBatch).contains(count) else {
            throw Problem.validation(.invalid("count", "count must be 1 to \(SurveyInvitationTokens.maxCountPerBatch)"))
        }
        let tokens = SurveyInvitationTokens.generate(count: count)
        let total = try await actions.database.surveys.addSurveyInvitations(
            id: try SurveysPagesController.surveyID(context), tokens: tokens,
            actor: .staff(context.staff!, clientAddress: context.clientAddress), at: actions.clock.now())
        return EditedResponse(status: .created, headers: [.cacheControl: "no-store"], response: InvitationsBody(tokens: tokens, total: total))
    }

    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        let raw = request.uri.queryParameters.get("format") ?? "json"
        guard let format = SurveyExport.Format(rawValue: String(raw)) else {
            throw Problem.validation(.invalid("format", "format must be csv or json"))
        }
        let export = try await actions.export(
            try SurveysPagesController.surveyID(context), format: format, language: Language.negotiate(
                explicit: request.uri.queryParameters.get("lang"), cookie: request.cookies["lang"]?.value,
                acceptLanguage: request.headers[.acceptLanguage]))
        return SurveyActions.download(export, format: format)
    }
}

extension SurveySummary: ResponseEncodable {}
