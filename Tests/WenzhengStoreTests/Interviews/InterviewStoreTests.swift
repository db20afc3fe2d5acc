import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

/// An interview on a real database of either backend (an SQLite file, or a
/// PostgreSQL database) with a host, a guest who types their own answers,
/// an admin and a moderator, driven through the contract
/// (`database.interviews`).
struct Studio {
    let database: AppDatabase
    var store: any InterviewsStore { database.interviews }
    let host: AuthenticatedStaff
    let guest: AuthenticatedStaff
    let admin: AuthenticatedStaff
    let moderator: AuthenticatedStaff
    let id: Int64

    init(_ backend: StoreBackend) async throws {
        database = try await backend.makeDatabase(onFile: true)
        let db = database
        func staff(_ username: String, _ role: Role) async throws -> AuthenticatedStaff {
            StoreInterview.staff(try await db.addUser(username, role: role), username, role)
        }
        host = try await staff("host", .host)
        guest = try await staff("guest", .guest)
        admin = try await staff("admin", .admin)
        moderator = try await staff("mod", .moderator)
        id = try await db.interviews.createInterview(Self.draft(), actor: host, at: testStart).id
    }

    static func draft(title: String = "法律援助访谈", minutes: Int = 90, guests: Int = 1) -> InterviewDraft {
        InterviewDraft(
            title: title, summary: "介绍法律援助", scheduledStart: testStart, plannedMinutes: minutes, hostUsername: nil,
            guests: (0..<guests).map { index in
                InterviewGuest(name: "张局长", title: "局长", department: "市司法局", username: index == 0 ? "guest" : nil)
            })
    }

    func status(_ status: InterviewStatus, by actor: AuthenticatedStaff? = nil, at now: Date = testStart) async throws -> [TranscriptEvent]
    {
        try await store.changeInterviewStatus(id: id, to: status, actor: actor ?? host, calendar: WeekdayCalendar(), at: now).1
    }

    /// A citizen's question, approved by the moderator unless `approve` is false.
    func ask(_ text: String, nickname: String? = nil, approve: Bool = true) async throws -> Int64 {
        let (question, item) = try await store.submitQuestion(
            interviewID: id, NewQuestion(text: text, nickname: nickname, contact: nil, browserKey: text, clientAddress: "198.51.100.7"),
            check: ContentFilter.Result(flags: [], personalInformation: PersonalInformation.detect(in: text), action: nil), at: testStart)
        if approve {
            _ = try await database.moderation.decideModeration(
                id: item.id, .approve(override: false), by: moderator, allowedReasons: [], at: testStart)
        }
        return question.id
    }

    @discardableResult
    func post(
        _ body: String, kind: TranscriptEntryKind = .remark, question: Int64? = nil, by actor: AuthenticatedStaff? = nil
    ) async throws -> TranscriptEvent {
        try await store.postEntry(
            interviewID: id, kind: kind, body: body, author: kind == .remark ? .host : .guest(id: nil), questionID: question,
            actor: actor ?? host, at: testStart)
    }
}

extension TranscriptEvent {
    var entry: TranscriptEntry? { if case .entry(let entry) = self { entry } else { nil } }
}

@Suite("Interviews store: life cycle, questions, votes, the numbered transcript")
struct InterviewStoreTests {
    @Test(
        "an interview goes scheduled → open → live → ended → published, each step a system entry where the public sees one",
        arguments: StoreBackend.underTest)
    func lifeCycle(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        #expect(try await studio.store.interview(id: studio.id).status == .scheduled)
        #expect(try await studio.store.interviews(publicOnly: true).isEmpty)
        #expect(try await studio.store.interviews(publicOnly: false).map(\.id) == [studio.id])
        #expect(try await studio.status(.open).isEmpty)
        #expect(try await studio.store.interviews(publicOnly: true).map(\.id) == [studio.id])
        // Steps are taken in order only.
        #expect(await storeError { _ = try await studio.status(.ended) }?.isConflict == true)
        let started = try await studio.status(.live)
        #expect(started.map(\.seq) == [1] && started.first?.entry?.body == "started" && started.first?.entry?.kind == .system)
        #expect(try await studio.status(.ended).map(\.seq) == [2])
        #expect(try await studio.status(.published).map(\.seq) == [3])
        #expect(await storeError { _ = try await studio.status(.live) }?.isConflict == true)
        let interview = try await studio.store.interview(id: studio.id)
        #expect(interview.status == .published && interview.lastSeq == 3)
        #expect(interview.startedAt != nil && interview.endedAt != nil && interview.publishedAt != nil)
        #expect(interview.host == "host" && interview.guests.map(\.username) == ["guest"])
    }

    @Test(
        "drafts are validated; only scheduled or open interviews change; only those who run it move it along",
        arguments: StoreBackend.underTest)
    func draftsAndWhoRunsIt(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        let invalid = await storeError {
            _ = try await studio.store.createInterview(Studio.draft(title: " ", minutes: 5, guests: 11), actor: studio.host, at: testStart)
        }
        let fields = Set(invalid?.invalidFields ?? [])
        #expect(fields.isSuperset(of: ["title", "plannedMinutes", "guests"]))
        let renamed = try await studio.store.updateInterview(id: studio.id, Studio.draft(title: "新标题"), actor: studio.host, at: testStart)
        #expect(renamed.title == "新标题")
        // Another host, a guest of another interview and a moderator do not
        // run it; an admin does. (Which roles may change a status at all is
        // the server's rule.)
        let other = StoreInterview.staff(try await studio.database.addUser("other", role: .host), "other", .host)
        let otherGuest = StoreInterview.staff(try await studio.database.addUser("visitor", role: .guest), "visitor", .guest)
        for actor in [other, otherGuest, studio.moderator] {
            #expect(await storeError { _ = try await studio.status(.open, by: actor) }?.isForbidden == true, "\(actor.username)")
        }
        _ = try await studio.status(.live, by: studio.admin)
        #expect(
            await storeError {
                _ = try await studio.store.updateInterview(id: studio.id, Studio.draft(), actor: studio.host, at: testStart)
            }?
            .isConflict == true)
        // The audit log has every step.
        let actions = try await studio.database.audit.auditEntries().filter { $0.subjectType == "interview" }.map(\.action)
        #expect(Set(actions) == ["interview.create", "interview.update", "interview.status"])
    }

    @Test(
        "questions are taken only while the interview is open or live, and are public only once approved",
        arguments: StoreBackend.underTest)
    func questions(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        #expect(await storeError { _ = try await studio.ask("太早的问题", approve: false) }?.isConflict == true)
        _ = try await studio.status(.open)
        let pending = try await studio.ask("还在审核的问题", approve: false)
        let approved = try await studio.ask("请回电13812345678", nickname: "王小明")
        let shown = try await studio.store.publicQuestions(interviewID: studio.id)
        #expect(shown.map(\.id) == [approved])
        #expect(shown.first?.text == "请回电138****5678" && shown.first?.nickname == "王**")
        #expect(!shown.map(\.id).contains(pending))
        _ = try await studio.status(.live)
        _ = try await studio.status(.ended)
        #expect(await storeError { _ = try await studio.ask("太晚的问题", approve: false) }?.isConflict == true)
    }

    @Test("one vote per browser per question, for approved questions of a running interview only", arguments: StoreBackend.underTest)
    func votes(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        _ = try await studio.status(.open)
        let question = try await studio.ask("支持我")
        let pending = try await studio.ask("还没通过", approve: false)
        func vote(_ id: Int64, _ browser: String) async throws -> (votes: Int, counted: Bool) {
            try await studio.store.voteForQuestion(interviewID: studio.id, questionID: id, browserKey: browser, at: testStart)
        }
        #expect(try await vote(question, "a") == (1, true))
        #expect(try await vote(question, "a") == (1, false))
        #expect(try await vote(question, "b") == (2, true))
        #expect(await storeError { _ = try await vote(pending, "a") }?.isConflict == true)
        #expect(try await studio.store.publicQuestions(interviewID: studio.id).first?.votes == 2)
        _ = try await studio.status(.live)
        _ = try await studio.status(.ended)
        #expect(await storeError { _ = try await vote(question, "c") }?.isConflict == true)
    }

    @Test(
        "on air: only live, only approved questions, with the asker's masked nickname; the answer marks it answered",
        arguments: StoreBackend.underTest)
    func onAir(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        _ = try await studio.status(.open)
        let question = try await studio.ask("法律援助怎么申请", nickname: "李四")
        func onAir() async throws -> TranscriptEvent {
            try await studio.store.putQuestionOnAir(interviewID: studio.id, questionID: question, actor: studio.host, at: testStart)
        }
        #expect(await storeError { _ = try await onAir() }?.isConflict == true)
        _ = try await studio.status(.live)
        let aired = try #require(try await onAir().entry)
        #expect(aired.kind == .question && aired.author == "李*" && aired.body == "法律援助怎么申请" && aired.questionId == question)
        #expect(await storeError { _ = try await onAir() }?.isConflict == true)
        let answer = try #require(try await studio.post("到司法局窗口申请。", kind: .answer, question: question, by: studio.guest).entry)
        #expect(answer.author == "张局长" && answer.authorTitle == "局长" && answer.department == "市司法局" && !answer.late)
        #expect(try await studio.store.publicQuestions(interviewID: studio.id).map(\.state) == [.answered])
    }

    @Test(
        "remarks are the host's; answers come from a guest; nothing before going live; after the end only late answers",
        arguments: StoreBackend.underTest)
    func entries(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        _ = try await studio.status(.open)
        let question = try await studio.ask("会后再答的问题")
        #expect(await storeError { try await studio.post("太早") }?.isConflict == true)
        _ = try await studio.status(.live)
        #expect(await storeError { try await studio.post("   ") }?.invalidFields == ["body"])
        #expect(await storeError { try await studio.post("嘉宾不能发主持词", by: studio.guest) }?.isConflict == true)
        let remark = try #require(try await studio.post("欢迎各位网友").entry)
        #expect(remark.author == "host" && remark.authorTitle == "主持人" && remark.kind == .remark)
        _ = try await studio.status(.ended)
        #expect(await storeError { try await studio.post("结束后的主持词") }?.isConflict == true)
        let late = try #require(try await studio.post("会后答复", kind: .answer, question: question).entry)
        #expect(late.late && late.department == "市司法局")
    }

    @Test(
        "concurrent posts, corrections and votes take gap-free, unique sequence numbers, and a replay from any point is exact",
        arguments: StoreBackend.underTest)
    func sequenceUnderConcurrency(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        _ = try await studio.status(.open)
        let question = try await studio.ask("大家都支持的问题")
        _ = try await studio.status(.live)
        let first = try #require(try await studio.post("第一条").entry)
        let posts = 40
        let (store, id, host, firstID) = (studio.store, studio.id, studio.host, first.id)
        let seqs = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<posts {
                group.addTask {
                    if index % 5 == 0 {
                        return try await store.correctEntry(
                            interviewID: id, entryID: firstID, body: "第一条（更正\(index)）", actor: host, at: testStart
                        ).event.seq
                    }
                    if index % 7 == 0 {
                        // Votes take no sequence number.
                        _ = try await store.voteForQuestion(
                            interviewID: id, questionID: question, browserKey: "browser-\(index)", at: testStart)
                    }
                    return try await store.postEntry(
                        interviewID: id, kind: .remark, body: "第\(index)条", author: .host, questionID: nil, actor: host, at: testStart
                    ).seq
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let expected = Array(Int64(3)...Int64(2 + posts))
        #expect(seqs.sorted() == expected)
        #expect(try await studio.store.interview(id: studio.id).lastSeq == Int64(2 + posts))
        let replay = try await studio.store.transcriptEvents(interviewID: studio.id, since: 0)
        #expect(replay.map(\.seq) == Array(Int64(1)...Int64(2 + posts)))
        for since in [Int64(0), 10, 25, Int64(2 + posts)] {
            #expect(
                try await studio.store.transcriptEvents(interviewID: studio.id, since: since).map(\.seq)
                    == replay.map(\.seq).filter { $0 > since })
        }
        #expect(try await studio.store.transcriptEvents(interviewID: studio.id, since: 0, limit: 5).map(\.seq) == [1, 2, 3, 4, 5])
    }

    @Test(
        "a correction is masked, raises the version, keeps the earlier text for replays, and is refused where it may not be made",
        arguments: StoreBackend.underTest)
    func corrections(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        _ = try await studio.status(.live)
        let remark = try #require(try await studio.post("请拨打热线咨询").entry)
        let answer = try #require(try await studio.post("我来答复。", kind: .answer, by: studio.guest).entry)
        let corrected = try await studio.store.correctEntry(
            interviewID: studio.id, entryID: remark.id, body: "请拨打13812345678咨询", actor: studio.host, at: testStart)
        #expect(corrected.masked.map(\.kind) == [.mobile])
        guard case .correction(let correction) = corrected.event else { Issue.record("not a correction"); return }
        #expect(correction.body == "请拨打138****5678咨询" && correction.version == 2 && correction.entrySeq == remark.seq)
        #expect(correction.seq == answer.seq + 1)
        // The page reads the corrected text; a replay shows the entry as it
        // was at its own seq, then the correction.
        let page = try await studio.store.transcriptPage(interviewID: studio.id, .after(0), limit: 10)
        #expect(page.entries.first { $0.id == remark.id }.map { ($0.body, $0.version) } ?? ("", 0) == ("请拨打138****5678咨询", 2))
        let replay = try await studio.store.transcriptEvents(interviewID: studio.id, since: 0)
        #expect(replay.compactMap(\.entry).first { $0.id == remark.id }?.body == "请拨打热线咨询")
        #expect(replay.last == corrected.event)
        // A guest corrects only their own answers; nobody corrects a system line.
        #expect(
            await storeError {
                _ = try await studio.store.correctEntry(
                    interviewID: studio.id, entryID: remark.id, body: "改", actor: studio.guest, at: testStart)
            }?.isForbidden == true)
        _ = try await studio.store.correctEntry(
            interviewID: studio.id, entryID: answer.id, body: "我来答复：可以申请。", actor: studio.guest, at: testStart)
        let started = try #require(page.entries.first { $0.kind == .system })
        #expect(
            await storeError {
                _ = try await studio.store.correctEntry(
                    interviewID: studio.id, entryID: started.id, body: "改", actor: studio.host, at: testStart)
            }?.isConflict == true)
        #expect(
            await storeError {
                _ = try await studio.store.correctEntry(
                    interviewID: studio.id, entryID: remark.id, body: " ", actor: studio.host, at: testStart)
            }?.invalidFields == ["body"])
    }

    @Test(
        "ending defers every question not answered, with a deadline; answering one afterwards is a late answer",
        arguments: StoreBackend.underTest)
    func deferral(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        _ = try await studio.status(.open)
        let answered = try await studio.ask("现场答复的问题")
        let deferred = try await studio.ask("会后答复的问题")
        _ = try await studio.status(.live)
        try await studio.post("现场答复。", kind: .answer, question: answered)
        _ = try await studio.status(.ended, at: beijing("2026-12-04 10:00"))
        let list = try await studio.store.deferredQuestions(for: studio.host, at: beijing("2026-12-04 10:00"))
        #expect(list.questions.map(\.id) == [deferred])
        #expect(list.questions.first?.replyDueOn == "2026-12-11" && list.questions.first?.overdue == false)
        #expect(try await studio.store.publicQuestions(interviewID: studio.id).first { $0.id == deferred }?.replyDueOn == "2026-12-11")
        try await studio.post("会后答复。", kind: .answer, question: deferred)
        let open = try await studio.store.deferredQuestions(
            DeferredQuestionFilter(state: .open), for: studio.host, at: beijing("2026-12-05 10:00"))
        #expect(open.questions.isEmpty)
        // Only those who follow interviews see the list.
        let handler = StoreInterview.staff(try await studio.database.addUser("handler", role: .handler), "handler", .handler)
        #expect(await storeError { _ = try await studio.store.deferredQuestions(for: handler, at: testStart) }?.isForbidden == true)
    }

    @Test("the console is for those who run the interview, and for admins and moderators", arguments: StoreBackend.underTest)
    func consoleAccess(_ backend: StoreBackend) async throws {
        let studio = try await Studio(backend)
        for actor in [studio.host, studio.guest, studio.admin, studio.moderator] {
            try await studio.store.checkConsoleAccess(interviewID: studio.id, actor: actor)
        }
        let other = StoreInterview.staff(try await studio.database.addUser("other", role: .guest), "other", .guest)
        #expect(await storeError { try await studio.store.checkConsoleAccess(interviewID: studio.id, actor: other) }?.isForbidden == true)
        #expect(await storeError { try await studio.store.checkConsoleAccess(interviewID: 999, actor: studio.admin) } != nil)
    }
}
