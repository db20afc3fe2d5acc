import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Survey pages: citizens answer without an account (and without
/// JavaScript) and read published results; organisers build, open, close
/// and publish surveys and follow the counts while they are open.
struct SurveysPagesController {
    typealias Context = AppRequestContext
    let actions: SurveyActions
    let pages: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.get("/surveys", use: list)
        router.get("/surveys/{id}", use: form)
        router.post("/surveys/{id}", use: answer)
        router.get("/surveys/{id}/results", use: publicResults)
        router.get("/surveys/{id}/charts/{key}", use: publicChart)
        router.group("/staff/surveys")
            .add(middleware: RequireRoleMiddleware(SurveyActions.organisers))
            .get(use: staffList)
            .post(use: create)
            .get("/{id}", use: builder)
            .post("/{id}/settings", use: saveSettings)
            .post("/{id}/questions", use: addQuestion)
            .get("/{id}/questions/{index}", use: questionPage)
            .post("/{id}/questions/{index}", use: saveQuestion)
            .post("/{id}/questions/{index}/move", use: moveQuestion)
            .post("/{id}/questions/{index}/remove", use: removeQuestion)
            .post("/{id}/state", use: changeState)
            .get("/{id}/results", use: staffResults)
            .get("/{id}/charts/{key}", use: staffChart)
            .get("/{id}/export", use: export)
    }

    static func surveyID(_ context: Context) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else { throw Problem(kind: .notFound, detail: "no such survey") }
        return id
    }

    // MARK: Citizens

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let summaries = try await actions.database.surveys.surveys(states: [.open, .resultsPublished])
        let now = actions.clock.now()
        func line(_ survey: SurveySummary) -> SurveyListView.Line {
            SurveyListView.Line(
                url: "/surveys/\(survey.id)", title: survey.title, window: SurveysViewText.window(survey.opensAt, survey.closesAt, text: text),
                resultsURL: survey.state == .resultsPublished ? "/surveys/\(survey.id)/results" : nil)
        }
        let open = summaries.filter { $0.state == .open && $0.closesAt > now }.map(line)
        let published = summaries.filter { $0.state == .resultsPublished }.map(line)
        return try pages.render(
            SurveyListView(open: open, published: published), title: text("surveys.list.title"), request: request, context: context)
    }

    @Sendable func form(_ request: Request, context: Context) async throws -> Response {
        let survey = try await actions.publicSurvey(try Self.surveyID(context))
        return try formPage(survey, request: request, context: context)
    }

    func formPage(
        _ survey: SurveyView, request: Request, context: Context, submitted: FormFields? = nil, problem: Problem? = nil
    ) throws -> Response {
        let text = pages.text(for: request)
        let numbers = Dictionary(uniqueKeysWithValues: survey.definition.questions.enumerated().map { ($1.key, $0 + 1) })
        let errors = problem.map { SurveysViewText.errors($0, text: text, questionNumbers: numbers) }
        let availability = SurveyRules.availability(state: survey.state, window: survey.definition.window, now: actions.clock.now())
        let unavailable: String? =
            switch availability {
            case .open: nil
            case .notYetOpen: text("surveys.form.notYetOpen")
            case .closed: text("surveys.form.closed")
            }
        let view = SurveyFormView(
            id: survey.id, title: survey.title, introduction: survey.definition.introduction.nilIfEmpty,
            window: SurveysViewText.window(survey.definition.opensAt, survey.definition.closesAt, text: text),
            isOpen: availability == .open, unavailable: unavailable, anonymous: survey.definition.isAnonymous,
            needsInvitation: survey.definition.mode == .invitation, invitation: submitted?["invitation"] ?? "",
            invitationError: errors?.fields["invitation"],
            questions: SurveysViewText.questions(survey.definition, submitted: submitted, errors: errors, text: text),
            errors: errors, resultsURL: survey.state == .resultsPublished ? "/surveys/\(survey.id)/results" : nil)
        return try pages.render(view, title: survey.title, status: problem?.status ?? .ok, request: request, context: context)
    }

    @Sendable func answer(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.surveyID(context)
        let survey = try await actions.publicSurvey(id)
        let fields = try await FormFields.read(request, context: context)
        return try await FormSubmission.run(context: context) {
            let answered = try await actions.answer(
                surveyID: id, form: fields.pairs.filter { $0.name.hasPrefix("q_") }, invitation: fields["invitation"], request: request,
                clientAddress: context.clientAddress)
            let text = pages.text(for: request)
            var response = try pages.render(
                SurveyThanksView(
                    id: id, title: survey.title, submittedOn: answered.receipt.submittedOn.description,
                    anonymous: survey.definition.isAnonymous),
                title: text("surveys.thanks.title"), status: .created, request: request, context: context)
            if let cookie = answered.cookie { response.setCookie(cookie) }
            return response
        } showFormAgain: { problem in
            try formPage(survey, request: request, context: context, submitted: fields, problem: problem)
        }
    }

    @Sendable func publicResults(_ request: Request, context: Context) async throws -> Response {
        try await resultsPage(request, context: context, staff: nil)
    }

    @Sendable func publicChart(_ request: Request, context: Context) async throws -> Response {
        try await chart(request, context: context, staff: nil)
    }

    // MARK: Results

    func resultsPage(_ request: Request, context: Context, staff: AuthenticatedStaff?) async throws -> Response {
        let id = try Self.surveyID(context)
        let results = try await actions.results(id, staff: staff)
        let text = pages.text(for: request)
        let base = staff == nil ? "/surveys/\(id)" : "/staff/surveys/\(id)"
        // While the survey is open the organisers' page refreshes itself;
        // the count in the chart's address makes the browser fetch a chart
        // again only when there are new responses.
        let refreshes = staff != nil && results.survey.state == .open
        let chartVersion = refreshes ? "?n=\(results.survey.responseCount)" : ""
        let questions = results.results.questions.enumerated().map { index, question in
            SurveysViewText.resultQuestion(
                question, number: index + 1, texts: results.publishedTexts[question.key] ?? [],
                chartURL: "\(base)/charts/\(question.key)\(chartVersion)", language: text.language, text: text)
        }
        let view = SurveyResultsPageView(
            id: id, title: results.survey.title, responses: results.survey.responseCount,
            state: text("surveys.states.\(results.survey.state.rawValue)"), isStaff: staff != nil, refreshes: refreshes,
            questions: questions,
            exportCSV: staff == nil ? nil : "/staff/surveys/\(id)/export?format=csv",
            exportJSON: staff == nil ? nil : "/staff/surveys/\(id)/export?format=json",
            backURL: staff == nil ? "/surveys" : "/staff/surveys/\(id)")
        return try pages.render(
            view, title: text.format("surveys.results.title", ["title": results.survey.title]), request: request, context: context)
    }

    /// A question's bar chart as a standalone SVG (escaped per byte by
    /// `XMLEscaping`), shown with `<img>`, so no markup of ours is ever
    /// written unescaped into a page.
    func chart(_ request: Request, context: Context, staff: AuthenticatedStaff?) async throws -> Response {
        let id = try Self.surveyID(context)
        var key = context.parameters.get("key") ?? ""
        if key.hasSuffix(".svg") { key.removeLast(4) }
        let results = try await actions.results(id, staff: staff)
        guard let question = results.results.questions.first(where: { $0.key == key }),
            let chart = SurveyChart.chart(for: question, language: pages.language(for: request))
        else { throw Problem(kind: .notFound, detail: "no chart for this question") }
        return Response(
            status: .ok,
            headers: [
                .contentType: "image/svg+xml; charset=utf-8", .cacheControl: staff == nil ? "public, max-age=60" : "no-store",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
            ],
            body: .init(byteBuffer: .init(string: chart.svg())))
    }

    // MARK: Organisers

    @Sendable func staffList(_ request: Request, context: Context) async throws -> Response {
        try await staffListPage(request, context: context)
    }

    func staffListPage(_ request: Request, context: Context, problem: Problem? = nil, newTitle: String = "") async throws -> Response {
        let text = pages.text(for: request)
        let surveys = try await actions.database.surveys.surveys(states: []).map { survey in
            StaffSurveysView.Line(
                url: "/staff/surveys/\(survey.id)", title: survey.title, state: text("surveys.states.\(survey.state.rawValue)"),
                window: SurveysViewText.window(survey.opensAt, survey.closesAt, text: text), responses: survey.responseCount)
        }
        let view = StaffSurveysView(
            surveys: surveys, empty: surveys.isEmpty, errors: problem.map { SurveysViewText.errors($0, text: text) },
            newTitle: newTitle)
        return try pages.render(view, title: text("surveys.staff.title"), status: problem?.status ?? .ok, request: request, context: context)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let fields = try await FormFields.read(request, context: context)
        let title = (fields["title"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await FormSubmission.run(context: context) {
            let survey = try await actions.create(actions.blankDefinition(title: title), staff: context.staff!)
            return .seeOther("/staff/surveys/\(survey.id)")
        } showFormAgain: { problem in
            try await staffListPage(request, context: context, problem: problem, newTitle: title)
        }
    }

    @Sendable func builder(_ request: Request, context: Context) async throws -> Response {
        let survey = try await actions.database.surveys.survey(id: try Self.surveyID(context))
        let notice = request.uri.queryParameters.get("notice").flatMap { SurveysViewText.notices.contains(String($0)) ? String($0) : nil }
        return try builderPage(survey, request: request, context: context, notice: notice)
    }

    func builderPage(
        _ survey: SurveyView, request: Request, context: Context, problem: Problem? = nil, newQuestion: SurveyBuilderForms.QuestionFields? = nil,
        notice: String? = nil
    ) throws -> Response {
        let text = pages.text(for: request)
        let view = SurveysViewText.builder(
            survey, text: text, errors: problem.map { SurveysViewText.errors($0, text: text) }, newQuestion: newQuestion,
            notice: notice.map { text("surveys.notices.\($0)") })
        return try pages.render(view, title: survey.title, status: problem?.status ?? .ok, request: request, context: context)
    }

    /// Runs a builder action that changes the definition, then goes back to
    /// the builder, or shows it again with the refusal.
    func edit(
        _ request: Request, context: Context, notice: String, newQuestion: SurveyBuilderForms.QuestionFields? = nil,
        _ change: (SurveyDefinition) throws -> SurveyDefinition
    ) async throws -> Response {
        let id = try Self.surveyID(context)
        let survey = try await actions.database.surveys.survey(id: id)
        return try await FormSubmission.run(context: context) {
            _ = try await actions.update(id, try change(survey.definition), staff: context.staff!)
            return .seeOther("/staff/surveys/\(id)?notice=\(notice)")
        } showFormAgain: { problem in
            try builderPage(survey, request: request, context: context, problem: problem, newQuestion: newQuestion)
        }
    }

    @Sendable func saveSettings(_ request: Request, context: Context) async throws -> Response {
        let fields = try await FormFields.read(request, context: context)
        return try await edit(request, context: context, notice: "saved") { try SurveyBuilderForms.settings(fields.first, onto: $0) }
    }

    @Sendable func addQuestion(_ request: Request, context: Context) async throws -> Response {
        let fields = SurveyBuilderForms.QuestionFields(form: try await FormFields.read(request, context: context).first)
        return try await edit(request, context: context, notice: "question-added", newQuestion: fields) { definition in
            var definition = definition
            definition.questions.append(try fields.question(defaultKey: SurveyBuilderForms.nextKey(definition)))
            return definition
        }
    }

    static func questionIndex(_ context: Context, in definition: SurveyDefinition) throws -> Int {
        guard let index = context.parameters.get("index", as: Int.self), definition.questions.indices.contains(index) else {
            throw Problem(kind: .notFound, detail: "no such question")
        }
        return index
    }

    @Sendable func questionPage(_ request: Request, context: Context) async throws -> Response {
        let survey = try await actions.database.surveys.survey(id: try Self.surveyID(context))
        let index = try Self.questionIndex(context, in: survey.definition)
        return try questionEditPage(
            survey, index: index, fields: SurveyBuilderForms.QuestionFields(survey.definition.questions[index]), request: request,
            context: context)
    }

    func questionEditPage(
        _ survey: SurveyView, index: Int, fields: SurveyBuilderForms.QuestionFields, problem: Problem? = nil, request: Request,
        context: Context
    ) throws -> Response {
        let text = pages.text(for: request)
        let view = SurveyQuestionEditView(
            id: survey.id, title: survey.title, number: index + 1,
            form: SurveysViewText.questionForm(
                fields, action: "/staff/surveys/\(survey.id)/questions/\(index)", earlier: Array(survey.definition.questions.prefix(index)),
                submitLabel: text("surveys.builder.save"), text: text),
            errors: problem.map { SurveysViewText.errors($0, text: text) }, backURL: "/staff/surveys/\(survey.id)")
        return try pages.render(
            view, title: text.format("surveys.builder.editQuestion", ["n": String(index + 1)]), status: problem?.status ?? .ok,
            request: request, context: context)
    }

    @Sendable func saveQuestion(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.surveyID(context)
        let survey = try await actions.database.surveys.survey(id: id)
        let index = try Self.questionIndex(context, in: survey.definition)
        let fields = SurveyBuilderForms.QuestionFields(form: try await FormFields.read(request, context: context).first)
        return try await FormSubmission.run(context: context) {
            var definition = survey.definition
            definition.questions[index] = try fields.question(defaultKey: definition.questions[index].key)
            _ = try await actions.update(id, definition, staff: context.staff!)
            return .seeOther("/staff/surveys/\(id)?notice=question-saved")
        } showFormAgain: { problem in
            try questionEditPage(survey, index: index, fields: fields, problem: problem, request: request, context: context)
        }
    }

    @Sendable func moveQuestion(_ request: Request, context: Context) async throws -> Response {
        let direction = try await FormFields.read(request, context: context)["direction"]
        return try await edit(request, context: context, notice: "question-moved") { definition in
            var definition = definition
            let index = try Self.questionIndex(context, in: definition)
            let target = direction == "up" ? index - 1 : index + 1
            guard definition.questions.indices.contains(target) else { return definition }
            definition.questions.swapAt(index, target)
            return definition
        }
    }

    @Sendable func removeQuestion(_ request: Request, context: Context) async throws -> Response {
        try await edit(request, context: context, notice: "question-removed") { definition in
            var definition = definition
            definition.questions.remove(at: try Self.questionIndex(context, in: definition))
            return definition
        }
    }

    @Sendable func changeState(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.surveyID(context)
        let target = try await FormFields.read(request, context: context)["state"].flatMap(SurveyState.init(rawValue:))
        let survey = try await actions.database.surveys.survey(id: id)
        return try await FormSubmission.run(context: context) {
            guard let target else { throw Problem.validation(.invalid("state", "state must be open, closed or results_published")) }
            _ = try await actions.changeState(id, to: target, staff: context.staff!)
            return .seeOther("/staff/surveys/\(id)?notice=\(target.rawValue)")
        } showFormAgain: { problem in
            try builderPage(survey, request: request, context: context, problem: problem)
        }
    }

    @Sendable func staffResults(_ request: Request, context: Context) async throws -> Response {
        try await resultsPage(request, context: context, staff: context.staff)
    }

    @Sendable func staffChart(_ request: Request, context: Context) async throws -> Response {
        try await chart(request, context: context, staff: context.staff)
    }

    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        let raw = request.uri.queryParameters.get("format") ?? "csv"
        guard let format = SurveyExport.Format(rawValue: String(raw)) else {
            throw Problem.validation(.invalid("format", "format must be csv or json"))
        }
        let export = try await actions.export(try Self.surveyID(context), format: format, language: pages.language(for: request))
        return SurveyActions.download(export, format: format)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
