import Foundation
import WenzhengCore

/// Opinion surveys (民意征集): definitions and their life cycle, one
/// response per person, anonymity that unlinks answers from people, running
/// counts, free-text answers sent to moderation, invitations and exports
/// (docs/surveys-design.md).
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBSurveysStore` implements it over SQLite.
public protocol SurveysStore: Sendable {
    /// A new survey in draft. Throws `StoreError.invalid` with every field
    /// error of the builder.
    func createSurvey(_ definition: SurveyDefinition, actor: AuthenticatedStaff, at now: Date) async throws -> SurveyView

    /// Replaces the definition, within what may still change
    /// (`SurveyRules.editErrors`: questions are fixed once there are
    /// responses; mode, anonymity and opening time once public).
    func updateSurvey(id: Int64, _ definition: SurveyDefinition, actor: AuthenticatedStaff, at now: Date) async throws -> SurveyView

    /// Moves a survey along `draft → open → closed → results_published`.
    /// Opening makes the anonymity secret; closing destroys it and sends the
    /// free-text answers to moderation (checked with `filter`).
    func changeSurveyState(
        id: Int64, to state: SurveyState, filter: ContentFilter, actor: AuthenticatedStaff, at now: Date
    ) async throws -> SurveyView

    /// Closes every open survey whose closing time has passed, as an
    /// organiser's close would (secret destroyed, free text to moderation),
    /// audited as the schedule's. Returns their ids.
    func closeEndedSurveys(filter: ContentFilter, at now: Date) async throws -> [Int64]

    func survey(id: Int64) async throws -> SurveyView

    /// Surveys in the given states (all when empty), newest opening first.
    func surveys(states: [SurveyState]) async throws -> [SurveySummary]

    /// Adds single-use invitations (the tokens themselves are shown once by
    /// the caller; only their digests are stored). Returns how many exist.
    func addSurveyInvitations(id: Int64, tokens: [String], actor: AuditActor, at now: Date) async throws -> Int

    /// Stores one response: the duplicate check, the response, its counts
    /// and its free text, in one transaction. Concurrent submissions may
    /// share that transaction and its commit (group commit); each returns
    /// only after the commit, and one refused does not affect the others.
    ///
    /// - Throws: `SurveySubmissionRefusal` (outside the window, answered
    ///   already, unknown invitation, wrong kind of token);
    ///   `StoreError.invalid` for answers the definition refuses.
    func submitSurveyResponse(_ submission: SurveySubmission, at now: Date) async throws -> SurveyReceipt

    /// The counts (from the running tally) and the approved free text.
    func surveyResults(id: Int64) async throws -> SurveyResultsView

    /// Every response, for exports, ordered by (day, id): never by arrival.
    func surveyResponses(id: Int64) async throws -> [SurveyResponseRecord]
}

extension SurveysStore {
    /// A survey's export: CSV (UTF-8 with a BOM, formula-neutralised) or
    /// JSON, the same bytes for the same data (`generatedAt` is the
    /// survey's last change, not the time of the export). The server's
    /// download and `wenzheng export survey` both write this.
    public func surveyExport(id: Int64, format: SurveyExport.Format, language: Language) async throws -> Data {
        let survey = try await survey(id: id)
        let records = try await surveyResponses(id: id)
        switch format {
        case .csv:
            return SurveyExport.csv(definition: survey.definition, records: records, language: language).encoded()
        case .json:
            return try SurveyExport.json(definition: survey.definition, state: survey.state, records: records, generatedAt: survey.updatedAt)
        }
    }
}
