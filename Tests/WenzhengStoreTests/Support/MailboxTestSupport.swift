import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore
import WenzhengTestFixtures

/// An instant in Beijing time: `beijing("2026-09-18 10:00")`.
func beijing(_ text: String) -> Date {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = CivilDate.officeTimeZone
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    guard let date = formatter.date(from: text) else { fatalError("bad test instant \(text)") }
    return date
}

func civil(_ text: String) -> CivilDate {
    guard let date = CivilDate(text) else { fatalError("bad test date \(text)") }
    return date
}

/// A filter with no word lists: it still detects personal information.
let plainFilter = ModerationFixtures.plainFilter

/// A fresh in-memory database with the office, two departments and the
/// staff who work letters.
struct Mailbox {
    let db: AppDatabase
    /// A handler of 办公室, who triages.
    let office: AuthenticatedStaff
    /// A handler of 城建处.
    let city: AuthenticatedStaff
    /// A handler of 教育处.
    let education: AuthenticatedStaff
    let reviewer: AuthenticatedStaff
    let admin: AuthenticatedStaff
    let moderator: AuthenticatedStaff
    let host: AuthenticatedStaff

    var cityID: Int64 { city.departmentID }
    var educationID: Int64 { education.departmentID }
    var officeID: Int64 { office.departmentID }

    /// Keeps a file database's directory until the box goes away.
    private let file: TemporaryDatabase?

    /// - Parameters:
    ///   - backend: SQLite or PostgreSQL (`StoreBackend.underTest`).
    ///   - onFile: a real SQLite file (WAL) in a temporary directory rather
    ///     than memory.
    ///   - noticeLinks: where letter notices link to (in memory only).
    init(on backend: StoreBackend = .sqlite, onFile: Bool = false, noticeLinks: LetterNoticeLinks = .localDefault) async throws {
        file = onFile && backend == .sqlite ? try TemporaryDatabase() : nil
        if let file {
            db = file.database
        } else {
            db = try await backend.makeDatabase(noticeLinks: noticeLinks)
        }
        office = try await Self.staff(db, "office", .handler, department: "办公室", name: "李办")
        city = try await Self.staff(db, "city", .handler, department: "城建处", name: "王城")
        education = try await Self.staff(db, "edu", .handler, department: "教育处", name: "赵教")
        reviewer = try await Self.staff(db, "leader", .reviewer, department: "办公室", name: "钱领导")
        admin = try await Self.staff(db, "admin", .admin, department: "办公室", name: "管理员")
        moderator = try await Self.staff(db, "mod", .moderator, department: "办公室", name: "审核员")
        host = try await Self.staff(db, "host", .host, department: "办公室", name: "主持人")
    }

    static func staff(_ db: AppDatabase, _ username: String, _ role: Role, department: String, name: String) async throws
        -> AuthenticatedStaff
    {
        let summary = try await db.accounts.createStaffUser(
            NewStaffUser(username: username, displayName: name, role: role, department: department, passwordHash: "hash"),
            actor: cliActor, at: testStart)
        let departmentID = try await db.accounts.department(named: department)!.id
        return AuthenticatedStaff(
            userID: summary.id, username: username, displayName: name, role: role, departmentID: departmentID,
            department: department, csrfToken: "csrf", sessionExpiresAt: .distantFuture)
    }

    func newLetter(
        _ type: LetterType = .complaint, subject: String = "小区路灯不亮", body: String = "我家小区门口的路灯坏了三个月。",
        author: String = "张三", phone: String? = "13812345678", email: String? = nil, mayPublish: Bool = false,
        key: String? = nil
    ) -> NewLetter {
        NewLetter(
            type: type, subject: subject, body: body, authorName: author, phone: phone, email: email, mayPublish: mayPublish,
            idempotencyKey: key, clientAddress: "203.0.113.9")
    }

    @discardableResult
    func submit(_ type: LetterType = .complaint, at instant: String, mayPublish: Bool = false, body: String? = nil) async throws
        -> LetterView
    {
        var letter = newLetter(type, mayPublish: mayPublish)
        if let body { letter.body = body }
        return try await db.mailbox.submitLetter(letter, passwordHash: "$2b$hash", at: beijing(instant)).letter
    }

    /// Accept, assign to `lead` (城建处 by default), draft, sign off, all at
    /// `instant`.
    @discardableResult
    func reply(_ letter: LetterView, lead: Int64? = nil, at instant: String) async throws -> LetterView {
        let now = beijing(instant)
        let lead = lead ?? cityID
        if try await db.mailbox.letter(id: letter.id).state == .received { _ = try await db.mailbox.acceptLetter(id: letter.id, actor: office, at: now) }
        let current = try await db.mailbox.letter(id: letter.id)
        if current.state == .accepted || current.leadDepartment?.id != lead {
            _ = try await db.mailbox.assignLetter(id: letter.id, lead: lead, actor: office, at: now)
        }
        _ = try await db.mailbox.draftReply(id: letter.id, body: "您好，已处理。", actor: admin, at: now)
        return try await db.mailbox.signOff(id: letter.id, approve: true, comment: nil, filter: plainFilter, actor: reviewer, at: now)
    }

    func kinds(_ letter: LetterView) async throws -> [LetterEventKind] {
        try await db.mailbox.timeline(letterID: letter.id).map(\.kind)
    }
}

/// The error a call threw, for `#expect`-ing on its kind.
func storeError(_ body: () async throws -> Void) async -> StoreError? {
    do {
        try await body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

extension StoreError {
    var isConflict: Bool { if case .conflict = self { true } else { false } }
    var isForbidden: Bool { if case .forbidden = self { true } else { false } }
    var invalidFields: [String] { if case .invalid(let failure) = self { failure.errors.map(\.field) } else { [] } }
}
