import Foundation
import PostgresNIO
import WenzhengCore

/// The published transcript (实录) on PostgreSQL, as the exports need it
/// (`GRDBInterviewsStore+PublishedTranscript`).
extension PostgresInterviewsStore {
    func publishedTranscript(interviewID: Int64) async throws -> TranscriptDocument {
        try await backend.read { tx in try await Self.publishedTranscript(tx, interviewID: interviewID) }
    }

    static func publishedTranscript(_ tx: PostgresTransaction, interviewID: Int64) async throws -> TranscriptDocument {
        let interview = try await Self.interview(tx, id: interviewID)
        guard GRDBInterviewsStore.archivedStatuses.contains(interview.status) else {
            throw TranscriptNotAvailable(interviewID: interviewID, status: interview.status)
        }
        let records = try await tx.records(
            TranscriptEntryRecord.self, "SELECT * FROM transcript_entry WHERE interview_id = \(interviewID) ORDER BY seq")
        // Withdrawn entries are not published: neither their text nor
        // that they were there.
        let withdrawn = try await PostgresPublicationWithdrawals.withdrawalsInForce(tx, .transcriptEntry, ids: records.map { $0.id! })
        let published = records.filter { withdrawn[$0.id!] == nil }

        let entries = published.filter { !$0.late }.map { record in
            // Bodies are as they read now: a correction or a republication
            // rewrote `body` and raised `version`.
            TranscriptDocument.Entry(
                seq: record.seq, kind: record.kind, author: record.author, authorTitle: record.authorTitle,
                questionId: record.questionId, body: record.body, at: record.createdAt, version: record.version)
        }
        return TranscriptDocument(
            interview: TranscriptDocument.Summary(
                id: interview.id, title: interview.title, summary: interview.summary, scheduledStart: interview.scheduledStart,
                plannedMinutes: interview.plannedMinutes, startedAt: interview.startedAt, endedAt: interview.endedAt,
                publishedAt: interview.publishedAt, host: interview.host,
                guests: interview.guests.map { GuestCredit(name: $0.name, title: $0.title, department: $0.department) }),
            entries: entries,
            deferredReplies: try await deferredReplies(tx, lateAnswers: published.filter { $0.late && $0.kind == .answer }))
    }

    /// Each answer given after the interview (补录), with its question as
    /// the public question list shows it (`GRDBInterviewsStore.deferredReplies`).
    static func deferredReplies(_ tx: PostgresTransaction, lateAnswers: [TranscriptEntryRecord]) async throws
        -> [TranscriptDocument.DeferredReply]
    {
        let questionIDs = Array(Set(lateAnswers.compactMap(\.questionId)))
        guard !questionIDs.isEmpty else { return [] }
        var questions: [Int64: InterviewQuestionRecord] = [:]
        for row in try await tx.rows("SELECT * FROM interview_question WHERE id = ANY(\(questionIDs))") {
            let question = try InterviewQuestionRecord(postgresRow: row)
            questions[question.id!] = question
        }
        let aired = try await tx.records(
            TranscriptEntryRecord.self, "SELECT * FROM transcript_entry WHERE question_id = ANY(\(questionIDs)) AND kind = 'question'")
        let withdrawnAired = try await PostgresPublicationWithdrawals.withdrawalsInForce(tx, .transcriptEntry, ids: aired.map { $0.id! })
        let hidden = Set(aired.filter { withdrawnAired[$0.id!] != nil }.compactMap(\.questionId))
        // In sequence order, so two answers to one question on one day
        // keep the order they were given in (the export's sort is stable).
        return lateAnswers.compactMap { answer in
            guard let questionID = answer.questionId, let question = questions[questionID], !hidden.contains(questionID),
                let text = question.publishedText
            else { return nil }
            return TranscriptDocument.DeferredReply(
                questionId: questionID, question: text, asker: InterviewRules.publicNickname(question.nickname),
                receivedOn: CivilDate(question.createdAt), repliedOn: CivilDate(answer.createdAt), department: answer.department ?? "",
                answeredBy: answer.author, answeredByTitle: answer.authorTitle, answer: answer.body, answerVersion: answer.version)
        }
    }
}
