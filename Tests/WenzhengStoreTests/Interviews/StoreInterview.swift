import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// An interview with one guest, driven through the store.
struct StoreInterview {
    let db: AppDatabase
    let host: AuthenticatedStaff
    let id: Int64

    static func staff(_ summary: StaffUserSummary, _ username: String, _ role: Role) -> AuthenticatedStaff {
        AuthenticatedStaff(
            userID: summary.id, username: username, displayName: username, role: role, departmentID: 1, department: "办公室",
            csrfToken: "c", sessionExpiresAt: .distantFuture)
    }

    static func create(_ db: AppDatabase, hostName: String = "host", at now: Date = testStart) async throws -> StoreInterview {
        let host = staff(try await db.addUser(hostName, role: .host), hostName, .host)
        let interview = try await db.interviews.createInterview(
            InterviewDraft(
                title: "访谈", summary: "", scheduledStart: now, plannedMinutes: 60, hostUsername: nil,
                guests: [InterviewGuest(name: "张局长", title: "局长", department: "市司法局")]),
            actor: host, at: now)
        _ = try await db.interviews.changeInterviewStatus(id: interview.id, to: .open, actor: host, calendar: WeekdayCalendar(), at: now)
        return StoreInterview(db: db, host: host, id: interview.id)
    }

    /// Asks and approves a question; returns its id.
    func askApproved(_ text: String, nickname: String? = nil, contact: String? = nil, at now: Date = testStart) async throws -> Int64 {
        let (question, item) = try await db.interviews.submitQuestion(
            interviewID: id, NewQuestion(text: text, nickname: nickname, contact: contact, browserKey: "b", clientAddress: "127.0.0.1"),
            check: ContentFilter.Result(flags: [], personalInformation: PersonalInformation.detect(in: text), action: nil), at: now)
        var moderator = host
        moderator.role = .moderator
        _ = try await db.moderation.decideModeration(id: item.id, .approve(override: false), by: moderator, allowedReasons: [], at: now)
        return question.id
    }

    func status(_ status: InterviewStatus, at now: Date) async throws {
        _ = try await db.interviews.changeInterviewStatus(id: id, to: status, actor: host, at: now)
    }

    /// Asks and approves one question, then runs the interview from `live`
    /// to `ended` (Beijing times): the question is deferred.
    func deferOne(_ text: String, live: String, ended: String) async throws -> Int64 {
        let question = try await askApproved(text)
        try await status(.live, at: beijing(live))
        try await status(.ended, at: beijing(ended))
        return question
    }

    func answer(_ questionID: Int64, _ body: String, at now: Date) async throws {
        _ = try await db.interviews.postEntry(
            interviewID: id, kind: .answer, body: body, author: .guest(id: nil), questionID: questionID, actor: host, at: now)
    }
}

