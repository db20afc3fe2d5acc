import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// What the survey pages and API share: answering (one response per
/// browser or invitation, a per-address limit, the refusals as problems),
/// and the organisers' work (building, opening, closing, publishing,
/// invitations, results, exports).
struct SurveyActions: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let library: ModerationLibrary
    let browserKeys: BrowserKeys
    let answerLimiter: AddressRateLimiter
    let secureCookies: Bool

    /// Who builds and runs surveys.
    static let organisers: Set<Role> = [.admin, .host]

    // MARK: Reading

    /// A survey the public may see: not a draft (404, as if it did not exist).
    func publicSurvey(_ id: Int64) async throws -> SurveyView {
        let survey = try await database.surveys.survey(id: id)
        guard survey.state != .draft else { throw Problem(kind: .notFound, detail: "no such survey") }
        return survey
    }

    /// Results for the public once published; for organisers at any time.
    func results(_ id: Int64, staff: AuthenticatedStaff?) async throws -> SurveyResultsView {
        let results = try await database.surveys.surveyResults(id: id)
        let organiser = staff.map { Self.organisers.contains($0.role) } ?? false
        guard organiser || results.survey.state == .resultsPublished else {
            throw Problem(kind: .notFound, detail: "the results of this survey are not published")
        }
        return results
    }

    // MARK: Answering

    struct Answered {
        var receipt: SurveyReceipt
        /// Whether the receipt may show the response's id (the survey as
        /// read for this answer: no second read of the survey).
        var isAnonymous: Bool
        /// A new browser key to set, when the browser had none.
        var cookie: Cookie?
    }

    /// Checks and stores one response.
    ///
    /// - Parameters:
    ///   - form: the answers as an HTML form sends them (`q_<key>`…), or
    ///   - answers: as JSON sends them; exactly one of the two.
    ///   - invitation: the invitation token (invitation mode).
    /// - Throws: `Problem` 404 (no such public survey), 409 with the window
    ///   (outside it) or `already-answered`, 422 naming every bad field,
    ///   403 (unknown invitation), 429 (too many from this address).
    func answer(
        surveyID: Int64, form: [(name: String, value: String)]? = nil, answers: [String: SurveyAnswer]? = nil, invitation: String?,
        request: Request, clientAddress: String
    ) async throws -> Answered {
        let survey = try await publicSurvey(surveyID)
        let now = clock.now()
        let availability = SurveyRules.availability(state: survey.state, window: survey.definition.window, now: now)
        guard availability == .open else { throw Self.outsideWindow(availability, window: survey.definition.window) }
        if let wait = try await answerLimiter.admit(address: clientAddress, now: now) {
            throw Problem(
                kind: .tooManyRequests, detail: "too many answers from this address; try again in \(wait) seconds",
                headers: [.retryAfter: String(wait)])
        }
        let response: SurveyResponse
        do {
            if let form {
                response = try SurveyAnswering.response(to: survey.definition, form: form)
            } else {
                response = try SurveyAnswering.response(to: survey.definition, answers: answers ?? [:])
            }
        } catch {
            throw Problem.validation(error)
        }
        let identity: RespondentIdentity
        var cookie: Cookie?
        switch survey.definition.mode {
        case .open:
            let browser = browserKeys.resolve(request, secure: secureCookies)
            identity = .browserToken(browser.id)
            cookie = browser.cookie
        case .invitation:
            let token = (invitation ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw Problem.validation(.required("invitation")) }
            identity = .invitationToken(token)
        }
        do {
            let receipt = try await database.surveys.submitSurveyResponse(
                SurveySubmission(surveyID: surveyID, identity: identity, response: response), at: now)
            return Answered(receipt: receipt, isAnonymous: survey.definition.isAnonymous, cookie: cookie)
        } catch let refusal as SurveySubmissionRefusal {
            switch refusal {
            case .unavailable(let availability): throw Self.outsideWindow(availability, window: survey.definition.window)
            case .alreadyAnswered:
                throw Problem(kind: .alreadyAnswered, detail: "this browser or invitation has already answered this survey; thank you")
            case .unknownInvitation:
                throw Problem(kind: .invitationNotRecognised, detail: "this invitation code is not one of this survey's")
            case .wrongIdentity:
                throw Problem.validation(.invalid("invitation", "this survey does not take an invitation code"))
            }
        }
    }

    static func outsideWindow(_ availability: ParticipationAvailability, window: ParticipationWindow) -> Problem {
        let detail: String =
            switch availability {
            case .notYetOpen: "this survey is not open yet"
            case .closed: "this survey is closed"
            case .open: "this survey is open"
            }
        var problem = Problem(kind: .outsideWindow, detail: detail)
        problem.window = window
        return problem
    }

    // MARK: Organising

    func create(_ definition: SurveyDefinition, staff: AuthenticatedStaff) async throws -> SurveyView {
        try await database.surveys.createSurvey(definition, actor: staff, at: clock.now())
    }

    func update(_ id: Int64, _ definition: SurveyDefinition, staff: AuthenticatedStaff) async throws -> SurveyView {
        try await database.surveys.updateSurvey(id: id, definition, actor: staff, at: clock.now())
    }

    func changeState(_ id: Int64, to state: SurveyState, staff: AuthenticatedStaff) async throws -> SurveyView {
        try await database.surveys.changeSurveyState(id: id, to: state, filter: library.filter, actor: staff, at: clock.now())
    }

    /// A blank survey to start building: open from tomorrow, 00:00 in
    /// Beijing, for 30 days.
    func blankDefinition(title: String) -> SurveyDefinition {
        let tomorrow = CivilDate(clock.now()).nextDay
        let start = Date(timeIntervalSince1970: Double(tomorrow.daysSinceEpoch) * 86_400 - 8 * 3600)
        return SurveyDefinition(
            title: title, introduction: "", opensAt: start, closesAt: start.addingTimeInterval(30 * 86_400), mode: .open,
            isAnonymous: true, questions: [])
    }

    // MARK: Exports

    func export(_ id: Int64, format: SurveyExport.Format, language: Language) async throws -> (data: Data, fileName: String) {
        (try await database.surveys.surveyExport(id: id, format: format, language: language), "survey-\(id).\(format.rawValue)")
    }

    static func download(_ export: (data: Data, fileName: String), format: SurveyExport.Format) -> Response {
        FileDownload(data: export.data, contentType: format.mediaType, filename: export.fileName).response
    }
}
