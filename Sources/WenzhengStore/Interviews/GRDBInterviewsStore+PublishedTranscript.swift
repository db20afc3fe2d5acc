import Foundation
import GRDB
import WenzhengCore

/// The published transcript (实录) as the exports need it: the
/// `TranscriptDocument` that `TranscriptExport` renders for
/// `wenzheng export transcript` and the archive page's downloads.
extension GRDBInterviewsStore {
    /// The published transcript (实录) of an ended or published interview,
    /// as the exports need it (`TranscriptExport`), read in one
    /// transaction: the live entries as they read now (corrections
    /// applied, withdrawn ones left out) and each answer given after the
    /// interview with its question (补录). Only what the public archive
    /// page shows: askers masked, questions as moderated. `url` is nil:
    /// the store knows no public address.
    ///
    /// - Throws: `StoreError.notFound` for no such interview;
    ///   `TranscriptNotAvailable` when it has not ended (scheduled, open,
    ///   live).
    func publishedTranscript(interviewID: Int64) async throws -> TranscriptDocument {
        try await reader.read { db in try Self.publishedTranscript(db, interviewID: interviewID) }
    }

    /// The statuses whose public page is the archive, with the downloads.
    static let archivedStatuses: Set<InterviewStatus> = [.ended, .published]

    static func publishedTranscript(_ db: Database, interviewID: Int64) throws -> TranscriptDocument {
        let interview = try Self.interview(db, id: interviewID)
        guard archivedStatuses.contains(interview.status) else {
            throw TranscriptNotAvailable(interviewID: interviewID, status: interview.status)
        }
        let records = try TranscriptEntryRecord.filter(Column("interview_id") == interviewID).order(Column("seq")).fetchAll(db)
        // Withdrawn entries are not published: neither their text nor
        // that they were there (the archive page shows a note in their
        // place; a document for the record leaves them out).
        let withdrawn = try PublicationWithdrawals.withdrawalsInForce(db, .transcriptEntry, ids: records.map { $0.id! })
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
            deferredReplies: try deferredReplies(db, lateAnswers: published.filter { $0.late && $0.kind == .answer }))
    }

    /// Each answer given after the interview (补录), with its question as
    /// the public question list shows it: the moderated text and the
    /// asker's masked nickname. 受理日期 is the day the question was asked,
    /// as on the archive page and the staff's deferred list. An answer
    /// whose question's entry on air is withdrawn is left out with the
    /// question, as the public question list leaves it out.
    static func deferredReplies(_ db: Database, lateAnswers: [TranscriptEntryRecord]) throws -> [TranscriptDocument.DeferredReply] {
        let questionIDs = Array(Set(lateAnswers.compactMap(\.questionId)))
        guard !questionIDs.isEmpty else { return [] }
        let questions = Dictionary(
            uniqueKeysWithValues: try InterviewQuestionRecord.filter(keys: questionIDs).fetchAll(db).map { ($0.id!, $0) })
        let aired = try TranscriptEntryRecord.filter(questionIDs.contains(Column("question_id")) && Column("kind") == "question")
            .fetchAll(db)
        let withdrawnAired = try PublicationWithdrawals.withdrawalsInForce(db, .transcriptEntry, ids: aired.map { $0.id! })
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
