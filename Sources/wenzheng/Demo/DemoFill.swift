import Foundation
import WenzhengCore
import WenzhengStore

/// Fills an empty database with the demo, through the stores' contracts
/// and the same rules the server follows: citizens' text through the
/// moderation queue, letters through the mailbox workflow, interviews along
/// their life. Everything is dated relative to `now`, so the site looks
/// current whenever the demo is made.
struct DemoFill {
    let database: AppDatabase
    let filter: ContentFilter
    let allowedReasons: Set<String>
    let now: Date
    var random: SplitMix64

    /// One line of the summary: what was made and where to see it.
    struct Item: Codable, Sendable {
        var kind: String
        var id: Int64
        var title: String
        var status: String
        /// The public page, relative to the site's address; nil when there is none.
        var path: String?
    }

    /// The demo's staff, signed in through sessions as the server signs staff in.
    struct Staff {
        var admin: AuthenticatedStaff
        var moderator: AuthenticatedStaff
        var host: AuthenticatedStaff
        var handler: AuthenticatedStaff
        var reviewer: AuthenticatedStaff
    }

    /// The demo's staff accounts: username, display name, role, department.
    static let accounts: [(username: String, name: String, role: Role, department: String)] = [
        ("demo-admin", "示例管理员", .admin, defaultDepartmentName),
        ("demo-moderator", "示例审核员", .moderator, defaultDepartmentName),
        ("demo-host", "示例主持人", .host, defaultDepartmentName),
        ("demo-handler", "示例经办人", .handler, "法律援助处"),
        ("demo-reviewer", "示例审签人", .reviewer, defaultDepartmentName),
    ]

    // MARK: Time

    private static let office: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return calendar
    }()

    /// `hour:minute` in Beijing, `days` days from today.
    func day(_ days: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        let today = Self.office.startOfDay(for: now)
        let date = Self.office.date(byAdding: .day, value: days, to: today)!
        return date.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
    }

    // MARK: The whole demo

    /// Makes the staff accounts with the given password hashes (by
    /// username), then everything else; returns what was made.
    mutating func run(passwordHashes: [String: String], letterPasswordHash: String) async throws -> [Item] {
        let (staff, sessions) = try await makeStaff(passwordHashes: passwordHashes)
        var items: [Item] = []
        items += try await endedInterview(staff)
        items += try await upcomingInterview(staff)
        items += try await letters(staff, passwordHash: letterPasswordHash)
        items += try await survey(staff)
        items += try await consultation(staff)
        items += try await openDay(staff)
        for token in sessions {
            try await database.accounts.endSession(tokenHash: token, clientAddress: nil, at: now)
        }
        return items
    }

    private func makeStaff(passwordHashes: [String: String]) async throws -> (Staff, [String]) {
        let created = day(-30, 9)
        var signedIn: [String: AuthenticatedStaff] = [:]
        var sessions: [String] = []
        for account in Self.accounts {
            let user = try await database.accounts.createStaffUser(
                NewStaffUser(
                    username: account.username, displayName: account.name, role: account.role, department: account.department,
                    passwordHash: passwordHashes[account.username] ?? ""),
                actor: .commandLine(osUser: operatingSystemUser), at: created)
            // A session for the demo's own actions, ended when it is done.
            let token = DemoSecrets.token()
            try await database.accounts.startSession(
                userID: user.id, tokenHash: token, csrfToken: DemoSecrets.token(), expiresAt: now.addingTimeInterval(3600),
                clientAddress: nil, userAgent: "wenzheng demo", at: created)
            guard let staff = try await database.accounts.activeSession(tokenHash: token, at: created) else {
                throw CommandFailure("could not sign in as \(account.username)")
            }
            signedIn[account.username] = staff
            sessions.append(token)
        }
        let staff = Staff(
            admin: signedIn["demo-admin"]!, moderator: signedIn["demo-moderator"]!, host: signedIn["demo-host"]!,
            handler: signedIn["demo-handler"]!, reviewer: signedIn["demo-reviewer"]!)
        return (staff, sessions)
    }

    /// The moderator approves an item (with the override a held item needs).
    private func approve(_ item: ModerationItem, _ staff: Staff, at time: Date) async throws {
        _ = try await database.moderation.decideModeration(
            id: item.id, .approve(override: item.highestAction == FilterAction.hold.rawValue), by: staff.moderator,
            allowedReasons: allowedReasons, at: time)
    }

    private mutating func nickname() -> String { DemoContent.nicknames.randomElement(using: &random)! }

    /// A citizen's question, submitted and (unless `approved` is false) approved.
    private mutating func ask(_ interview: Int64, _ text: String, _ staff: Staff, at time: Date, approved: Bool = true) async throws
        -> Int64
    {
        let (question, item) = try await database.interviews.submitQuestion(
            interviewID: interview,
            NewQuestion(
                text: text, nickname: nickname(), contact: nil, browserKey: "demo-\(random.next())", clientAddress: "127.0.0.1"),
            check: filter.check(text), at: time)
        if approved { try await approve(item, staff, at: time.addingTimeInterval(600)) }
        return question.id
    }

    // MARK: Interviews

    private mutating func endedInterview(_ staff: Staff) async throws -> [Item] {
        let interviews = database.interviews
        let start = day(-3, 9, 30)
        let guest = DemoContent.guest
        let created = try await interviews.createInterview(
            InterviewDraft(
                title: DemoContent.endedTitle, summary: DemoContent.endedSummary, scheduledStart: start, plannedMinutes: 90,
                hostUsername: staff.host.username,
                guests: [InterviewGuest(name: guest.name, title: guest.title, department: guest.department)]),
            actor: staff.host, at: day(-12, 10))
        let id = created.id
        _ = try await interviews.changeInterviewStatus(id: id, to: .open, actor: staff.host, at: day(-10, 9))
        var questions: [Int64] = []
        for (index, text) in DemoContent.endedQuestions.enumerated() {
            questions.append(try await ask(id, text, staff, at: day(-7 + index, 20, Int.random(in: 0..<60, using: &random))))
        }
        _ = try await interviews.changeInterviewStatus(id: id, to: .live, actor: staff.host, at: start)
        var minute = 0
        func at() -> Date {
            minute += 4
            return start.addingTimeInterval(TimeInterval(minute * 60))
        }
        let guestID = created.guests.first?.id
        _ = try await interviews.postEntry(
            interviewID: id, kind: .remark, body: DemoContent.openingRemark, author: .host, questionID: nil, actor: staff.host, at: at())
        _ = try await interviews.postEntry(
            interviewID: id, kind: .answer, body: DemoContent.guestGreeting, author: .guest(id: guestID), questionID: nil,
            actor: staff.host, at: at())
        for (question, answer) in zip(questions, DemoContent.endedAnswers) {
            _ = try await interviews.putQuestionOnAir(interviewID: id, questionID: question, actor: staff.host, at: at())
            _ = try await interviews.postEntry(
                interviewID: id, kind: .answer, body: answer, author: .guest(id: guestID), questionID: question, actor: staff.host,
                at: at())
        }
        _ = try await interviews.postEntry(
            interviewID: id, kind: .remark, body: DemoContent.closingRemark, author: .host, questionID: nil, actor: staff.host, at: at())
        // Ending defers the last question; it is answered the next day (补录).
        _ = try await interviews.changeInterviewStatus(id: id, to: .ended, actor: staff.host, at: at())
        _ = try await interviews.postEntry(
            interviewID: id, kind: .answer, body: DemoContent.laterAnswer, author: .guest(id: guestID), questionID: questions.last,
            actor: staff.host, at: day(-2, 15))
        return [Item(kind: "interview", id: id, title: DemoContent.endedTitle, status: "ended, with transcript", path: "interviews/\(id)")]
    }

    private mutating func upcomingInterview(_ staff: Staff) async throws -> [Item] {
        let interviews = database.interviews
        let guest = DemoContent.laterGuest
        let id = try await interviews.createInterview(
            InterviewDraft(
                title: DemoContent.upcomingTitle, summary: DemoContent.upcomingSummary, scheduledStart: day(6, 14, 30),
                plannedMinutes: 60, hostUsername: staff.host.username,
                guests: [InterviewGuest(name: guest.name, title: guest.title, department: guest.department)]),
            actor: staff.host, at: day(-3, 10)
        ).id
        _ = try await interviews.changeInterviewStatus(id: id, to: .open, actor: staff.host, at: day(-2, 10, 30))
        for (index, text) in DemoContent.upcomingQuestions.enumerated() {
            let question = try await ask(id, text, staff, at: now.addingTimeInterval(-Double(20 - 12 * index) * 3600))
            for voter in 0..<Int.random(in: 2...9, using: &random) {
                _ = try await interviews.voteForQuestion(
                    interviewID: id, questionID: question, browserKey: "demo-voter-\(voter)", at: now.addingTimeInterval(-3600))
            }
        }
        _ = try await ask(id, DemoContent.pendingQuestion, staff, at: now.addingTimeInterval(-1800), approved: false)
        return [Item(kind: "interview", id: id, title: DemoContent.upcomingTitle, status: "open for questions", path: "interviews/\(id)")]
    }

    // MARK: Letters

    private mutating func letters(_ staff: Staff, passwordHash: String) async throws -> [Item] {
        let mailbox = database.mailbox
        var items: [Item] = []
        for (index, content) in DemoContent.letters.enumerated() {
            let received = -20 + 6 * index
            let letter = try await submit(content, passwordHash: passwordHash, at: day(received, Int.random(in: 8...21, using: &random)))
            _ = try await mailbox.acceptLetter(id: letter.id, actor: staff.admin, at: day(received + 1, 9))
            _ = try await mailbox.assignLetter(
                id: letter.id, lead: staff.handler.departmentID, actor: staff.admin, at: day(received + 1, 10))
            _ = try await mailbox.draftReply(id: letter.id, body: content.reply, actor: staff.handler, at: day(received + 3, 15))
            let replied = try await mailbox.signOff(
                id: letter.id, approve: true, comment: "同意", filter: filter, actor: staff.reviewer, at: day(received + 4, 10))
            if let itemID = replied.moderationItemId {
                try await approve(database.moderation.moderationItem(id: itemID), staff, at: day(received + 4, 14))
            }
            items.append(
                Item(kind: "letter", id: letter.id, title: content.subject, status: "replied, published", path: "letters/\(letter.id)"))
        }
        let open = try await submit(DemoContent.openLetter, passwordHash: passwordHash, at: day(-2, 19))
        _ = try await mailbox.acceptLetter(id: open.id, actor: staff.admin, at: day(-1, 9, 30))
        let assigned = try await mailbox.assignLetter(id: open.id, lead: staff.handler.departmentID, actor: staff.admin, at: day(-1, 10))
        let due = assigned.dueOn.map { ", reply due \($0)" } ?? ""
        items.append(Item(kind: "letter", id: open.id, title: DemoContent.openLetter.subject, status: "assigned\(due)", path: nil))
        return items
    }

    private mutating func submit(_ content: DemoContent.Letter, passwordHash: String, at time: Date) async throws -> LetterView {
        let name = DemoContent.names.randomElement(using: &random)!
        let phone = "139" + String(format: "%08d", Int.random(in: 0..<100_000_000, using: &random))
        return try await database.mailbox.submitLetter(
            NewLetter(
                type: content.type, subject: content.subject, body: content.body, authorName: name, phone: phone, email: nil,
                mayPublish: true, idempotencyKey: nil, clientAddress: "127.0.0.1"),
            passwordHash: passwordHash, at: time
        ).letter
    }

    // MARK: Survey

    private mutating func survey(_ staff: Staff) async throws -> [Item] {
        let services = [
            ChoiceOption(value: "aid", label: "法律援助"), ChoiceOption(value: "notary", label: "公证"),
            ChoiceOption(value: "mediation", label: "人民调解"), ChoiceOption(value: "hotline", label: "12348热线咨询"),
        ]
        let definition = SurveyDefinition(
            title: DemoContent.surveyTitle, introduction: DemoContent.surveyIntroduction, opensAt: day(-6, 0), closesAt: day(24, 0),
            mode: .open, isAnonymous: true,
            questions: [
                SurveyQuestion(key: "service", prompt: "您最近使用过哪项公共法律服务？", isRequired: true, kind: .singleChoice(options: services)),
                SurveyQuestion(
                    key: "satisfaction", prompt: "您对服务的总体评价", isRequired: true,
                    kind: .rating(RatingScale(min: 1, max: 5, minLabel: "非常不满意", maxLabel: "非常满意"))),
                SurveyQuestion(key: "suggestion", prompt: "您的意见和建议", kind: .longText),
            ])
        let created = try await database.surveys.createSurvey(definition, actor: staff.host, at: day(-7, 10))
        _ = try await database.surveys.changeSurveyState(id: created.id, to: .open, filter: filter, actor: staff.host, at: day(-6, 8))
        let first = day(-6, 9)
        let span = now.addingTimeInterval(-3600).timeIntervalSince(first)
        let count = Int.random(in: 10...16, using: &random)
        for index in 0..<count {
            var answers: [String: SurveyAnswer] = [
                "service": .choice(services.randomElement(using: &random)!.value),
                "satisfaction": .rating([3, 4, 4, 5, 5].randomElement(using: &random)!),
            ]
            if index == 0 || Int.random(in: 0..<3, using: &random) == 0 {
                answers["suggestion"] = .text(DemoContent.suggestions.randomElement(using: &random)!)
            }
            _ = try await database.surveys.submitSurveyResponse(
                SurveySubmission(
                    surveyID: created.id, identity: .browserToken(DemoSecrets.token()), response: SurveyResponse(answers: answers)),
                at: first.addingTimeInterval(span * Double(index) / Double(count)))
        }
        return [
            Item(
                kind: "survey", id: created.id, title: DemoContent.surveyTitle, status: "open, \(count) responses",
                path: "surveys/\(created.id)")
        ]
    }

    // MARK: Consultation

    private mutating func consultation(_ staff: Staff) async throws -> [Item] {
        let consultations = database.consultations
        let draft = try await consultations.importConsultation(
            NewConsultation(
                title: DemoContent.consultationTitle, draftingExplanation: DemoContent.draftingExplanation, opensAt: day(-4, 9),
                closesAt: day(26, 18), text: DemoContent.draft, format: .plainText),
            actor: staff.handler, at: day(-5, 9))
        _ = try await consultations.confirmSplit(id: draft.id, actor: staff.handler, at: day(-5, 10))
        _ = try await consultations.openConsultation(id: draft.id, actor: staff.reviewer, at: day(-4, 9))
        for (index, comment) in DemoContent.comments.enumerated() {
            let time = day(-3 + index, 11 + index)
            let (_, item) = try await consultations.submitComment(
                consultationID: draft.id, CommentSubmission(target: comment.target, text: comment.text, nickname: nickname()),
                check: filter.check(comment.text), at: time)
            // The last one waits in the moderation queue.
            if index < DemoContent.comments.count - 1 { try await approve(item, staff, at: time.addingTimeInterval(7200)) }
        }
        return [
            Item(
                kind: "consultation", id: draft.id, title: DemoContent.consultationTitle,
                status: "open, \(draft.draft.sections.count) articles, \(DemoContent.comments.count) comments",
                path: "consultations/\(draft.id)")
        ]
    }

    // MARK: Open day

    private mutating func openDay(_ staff: Staff) async throws -> [Item] {
        let scheduledAt = day(-3, 10)
        let openDay = try OpenDay.scheduled(
            title: DemoContent.openDayTitle, programme: DemoContent.openDayProgramme, location: DemoContent.openDayLocation,
            start: day(14, 9, 30), durationMinutes: 150, capacity: 40, now: scheduledAt)
        let view = try await database.events.scheduleOpenDay(openDay, actor: .staff(staff.admin, clientAddress: nil), at: scheduledAt)
        let names = DemoContent.names.shuffled(using: &random).prefix(5)
        for (index, name) in names.enumerated() {
            let phone = "138" + String(format: "%08d", Int.random(in: 0..<100_000_000, using: &random))
            _ = try await database.events.register(
                openDayID: view.id, RegistrationForm(name: name, phone: phone, partySize: Int.random(in: 1...3, using: &random)),
                actor: .visitor(clientAddress: "127.0.0.1"), at: now.addingTimeInterval(-Double(50 - 10 * index) * 3600))
        }
        let counts = try await database.events.openDay(id: view.id, at: now).counts
        return [
            Item(
                kind: "open day", id: view.id, title: DemoContent.openDayTitle,
                status: "registration open, \(counts.registered.parties) registrations", path: "events/\(view.id)")
        ]
    }
}

/// Passwords and tokens: from the system's secure generator, never the seed.
enum DemoSecrets {
    /// 32 hex digits.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
    }

    /// A password of 16 letters and digits, without look-alikes.
    static func password() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
