import Foundation
import Testing
import WenzhengCore

/// The letter workflow's rules, as a table of who may do what in which
/// state. The store enforces with `LetterWorkflow` and the pages show with
/// it; these tests pin the rules themselves, so a rule taken out of Core
/// (back into the store's checks or the pages' conditions) fails here.
@Suite("Letter workflow")
struct LetterWorkflowTests {
    let weekdays = WeekdayCalendar()
    func day(_ text: String) -> CivilDate { CivilDate(text)! }

    static let office = "办公室"
    static let cityID: Int64 = 2
    static let educationID: Int64 = 3

    /// The people who meet a letter led by 城建处 with 教育处 co-handling.
    static let actors: [String: LetterActor] = [
        "admin": LetterActor(role: .admin, departmentID: 1, department: office, triageDepartment: office),
        "reviewer": LetterActor(role: .reviewer, departmentID: 1, department: office, triageDepartment: office),
        "clerk": LetterActor(role: .handler, departmentID: 1, department: office, triageDepartment: office),
        "lead": LetterActor(role: .handler, departmentID: cityID, department: "城建处", triageDepartment: office),
        "co": LetterActor(role: .handler, departmentID: educationID, department: "教育处", triageDepartment: office),
        "other": LetterActor(role: .handler, departmentID: 4, department: "财务处", triageDepartment: office),
        "moderator": LetterActor(role: .moderator, departmentID: 1, department: office, triageDepartment: office),
        "host": LetterActor(role: .host, departmentID: 1, department: office, triageDepartment: office),
    ]

    func letter(_ state: LetterState, type: LetterType = .complaint, dueOn: String? = "2026-12-21") -> LetterFacts {
        LetterFacts(
            number: "2026-483920571", type: type, state: state, receivedOn: day("2026-11-30"), workingDays: 15,
            leadDepartmentID: Self.cityID, coHandlerDepartmentIDs: [Self.educationID], dueOn: dueOn.map(day))
    }

    func actions(_ who: String, _ facts: LetterFacts, today: String = "2026-12-01") -> Set<LetterAction> {
        Set(LetterWorkflow.availableActions(facts, by: Self.actors[who]!, today: day(today), calendar: weekdays))
    }

    @Test("role × state: the steps of a complaint", arguments: LetterState.allCases)
    func complaintMatrix(state: LetterState) {
        // Who may take which step of a complaint in each state; every role
        // and state not named may take none.
        let expected: [LetterState: [String: Set<LetterAction>]] = [
            .received: ["admin": [.accept, .transfer, .reject], "clerk": [.accept, .transfer, .reject]],
            .accepted: ["admin": [.transfer, .reject, .assign], "clerk": [.transfer, .reject, .assign]],
            .assigned: ["admin": [.assign, .draft], "clerk": [.assign], "reviewer": [.draft], "lead": [.draft]],
            .awaitingSignOff: ["admin": [.signOff, .sendBack], "reviewer": [.signOff, .sendBack]],
        ]
        for who in Self.actors.keys {
            #expect(actions(who, letter(state)) == expected[state]?[who] ?? [], "\(who) on a \(state.rawValue) complaint")
        }
    }

    @Test("role × state: an information-disclosure request is also answered on the spot, and has its clock while open")
    func disclosureMatrix() {
        let clock: Set<LetterAction> = [.extend, .pause, .correctionNotice]
        let worksOn: Set<LetterAction> = [.pause, .correctionNotice]
        for state in LetterState.allCases {
            let facts = letter(state, type: .informationDisclosure)
            let open = state.isOpen
            let onTheSpot: Set<LetterAction> = [.received, .accepted].contains(state) ? [.replyOnTheSpot] : []
            #expect(actions("admin", facts).subtracting(actions("admin", letter(state))) == onTheSpot.union(open ? clock : []))
            #expect(actions("reviewer", facts).subtracting(actions("reviewer", letter(state))) == onTheSpot.union(open ? clock : []))
            #expect(actions("clerk", facts).subtracting(actions("clerk", letter(state))) == onTheSpot.union(open ? worksOn : []))
            #expect(actions("lead", facts).subtracting(actions("lead", letter(state))) == (open ? worksOn : []))
            for who in ["co", "other", "moderator", "host"] { #expect(actions(who, facts).isEmpty, "\(who) in \(state.rawValue)") }
        }
    }

    @Test("the clock's actions follow its events: stopped, waiting for a correction, past the deadline")
    func clockActions() {
        var facts = letter(.assigned, type: .informationDisclosure)
        // A consultation stops the clock: resume, no second pause, no correction notice.
        facts.clockEvents = [ClockEvent(kind: .paused, on: day("2026-12-01"), reason: .thirdParty)]
        facts.dueOn = nil
        #expect(actions("lead", facts, today: "2026-12-02") == [.draft, .resume])
        #expect(actions("admin", facts, today: "2026-12-02") == [.assign, .draft, .extend, .resume])
        // A correction notice waits for the corrected request; after the
        // period given, the request may be closed as abandoned.
        facts.clockEvents = [ClockEvent(kind: .paused, on: day("2026-12-01"), workingDays: 5, reason: .correction)]
        facts.correctionSent = true
        #expect(actions("lead", facts, today: "2026-12-08") == [.draft, .correctedRequest])
        #expect(actions("lead", facts, today: "2026-12-09") == [.draft, .correctedRequest, .deemedWithdrawn])
        // Past the deadline (15 working days from Monday 11-30: 12-21): no
        // extension, pause or correction notice.
        facts = letter(.assigned, type: .informationDisclosure)
        #expect(actions("admin", facts, today: "2026-12-21").isSuperset(of: [.extend, .pause]))
        #expect(actions("admin", facts, today: "2026-12-22").isDisjoint(with: [.extend, .pause, .correctionNotice]))
        // A correction notice goes out within 7 working days of receipt.
        #expect(actions("clerk", facts, today: "2026-12-09").contains(.correctionNotice))
        #expect(!actions("clerk", facts, today: "2026-12-10").contains(.correctionNotice))
    }

    @Test("a clock action's own details go through LetterClockRules, with the letter's number")
    func clockDetails() {
        let facts = letter(.assigned, type: .informationDisclosure)
        let admin = Self.actors["admin"]!
        #expect(
            LetterWorkflow.refusal(clock: .extend(workingDays: 21), dated: day("2026-12-01"), facts, by: admin, today: day("2026-12-01"), calendar: weekdays)
                == .invalid(field: "workingDays", "letter 2026-483920571: an extension is 1 to 20 working days"))
        #expect(
            LetterWorkflow.refusal(clock: .resume, dated: day("2026-12-01"), facts, by: admin, today: day("2026-12-01"), calendar: weekdays)
                == .conflict("letter 2026-483920571: the clock is running"))
        #expect(
            LetterWorkflow.refusal(clock: .extend(workingDays: 5), dated: day("2026-12-01"), facts, by: Self.actors["lead"]!, today: day("2026-12-01"), calendar: weekdays)
                == .forbidden("only a reviewer or an admin signs off and approves extensions"))
    }

    @Test("refusals say why, in the words the store has always used")
    func refusalMessages() {
        let received = letter(.received)
        #expect(
            LetterWorkflow.refusal(.accept, received, by: Self.actors["lead"]!, today: day("2026-12-01"), calendar: weekdays)
                == .forbidden("letters are triaged by handlers of 办公室; you are in 城建处"))
        #expect(
            LetterWorkflow.refusal(.accept, received, by: Self.actors["host"]!, today: day("2026-12-01"), calendar: weekdays)
                == .forbidden("your role does not triage letters"))
        #expect(
            LetterWorkflow.refusal(.draft, letter(.received), by: Self.actors["co"]!, today: day("2026-12-01"), calendar: weekdays)
                == .forbidden("letter 2026-483920571 is not led by your department (教育处)"))
        #expect(
            LetterWorkflow.refusal(.assign, received, by: Self.actors["clerk"]!, today: day("2026-12-01"), calendar: weekdays)
                == .conflict("letter 2026-483920571 is received; cannot assign it"))
        #expect(
            LetterWorkflow.refusal(.replyOnTheSpot, received, by: Self.actors["reviewer"]!, today: day("2026-12-01"), calendar: weekdays)
                == .conflict("only information-disclosure requests are answered on the spot; letter 2026-483920571 is a complaint"))
        #expect(
            LetterWorkflow.refusal(.pause, letter(.assigned), by: Self.actors["clerk"]!, today: day("2026-12-01"), calendar: weekdays)
                == .conflict("only information-disclosure requests have this clock; letter 2026-483920571 is a complaint"))
        #expect(
            LetterWorkflow.refusalToChangeReplyDocuments(letter(.replied), by: Self.actors["lead"]!, adding: false)
                == .conflict("letter 2026-483920571 is replied; cannot remove a reply document"))
    }

    @Test("reply documents: those who work on the letter, while the reply is prepared")
    func replyDocuments() {
        for state in LetterState.allCases {
            for (who, actor) in Self.actors {
                let works = ["admin", "reviewer", "clerk", "lead"].contains(who)
                let allowed = works && [.accepted, .assigned, .awaitingSignOff].contains(state)
                #expect((LetterWorkflow.refusalToChangeReplyDocuments(letter(state), by: actor, adding: true) == nil) == allowed)
            }
        }
    }

    @Test("publication: admins withdraw what is public and republish what is withdrawn")
    func publication() {
        let withdrawal = PublicationWithdrawal(withdrawnById: 1, withdrawnBy: "管理员", withdrawnAt: Date(), reason: "地址")
        var facts = letter(.replied)
        facts.replyWithdrawals = [nil]
        #expect(actions("admin", facts).isEmpty)  // never published
        facts.published = true
        facts.replyWithdrawals = [nil, withdrawal]
        #expect(actions("admin", facts) == [.unpublish, .unpublishReply, .republishReply])
        #expect(actions("reviewer", facts).isEmpty)
        facts.withdrawal = withdrawal
        #expect(actions("admin", facts) == [.republish, .unpublishReply, .republishReply])
        facts.replyWithdrawals = []
        #expect(
            LetterWorkflow.refusal(.unpublishReply, facts, by: Self.actors["clerk"]!, today: day("2026-12-01"), calendar: weekdays)
                == .forbidden(WithdrawalRefusal.notAllowed.message))
    }

    @Test("the citizen rates a reply once, and follows up once after an unsatisfied rating")
    func citizenActions() {
        var facts = letter(.assigned)
        #expect(LetterWorkflow.refusal(.rate, facts) == .conflict("letter 2026-483920571 has not been answered yet"))
        facts.state = .replied
        #expect(LetterWorkflow.refusal(.rate, facts) == nil)
        #expect(LetterWorkflow.refusal(.followUp, facts) == .conflict("a follow-up is possible only after rating the reply unsatisfied"))
        facts.rating = .unsatisfied
        #expect(LetterWorkflow.refusal(.rate, facts) == .conflict("letter 2026-483920571's reply was already rated"))
        #expect(LetterWorkflow.refusal(.followUp, facts) == nil)
        facts.followUpUsed = true
        #expect(LetterWorkflow.refusal(.followUp, facts) == .conflict("letter 2026-483920571 already had its follow-up"))
    }

    @Test("who sees which letter")
    func visibility() {
        let facts = letter(.assigned)
        for (who, actor) in Self.actors {
            let sees = who != "other"
            #expect((LetterWorkflow.refusalToView(facts, by: actor) == nil) == sees, "\(who)")
        }
        #expect(
            LetterWorkflow.refusalToView(facts, by: Self.actors["other"]!)
                == .forbidden("letter 2026-483920571 is not assigned to your department (财务处)"))
    }

    @Test("overdue: an open letter past its deadline, or marked by the sweep; never a closed one")
    func overdue() {
        let today = day("2026-12-22")
        for state in LetterState.allCases {
            // Due yesterday: overdue while open, whether or not the sweep has run.
            #expect(LetterWorkflow.isOverdue(state: state, dueOn: day("2026-12-21"), marked: false, today: today) == state.isOpen)
            #expect(LetterWorkflow.isOverdue(state: state, dueOn: day("2026-12-21"), marked: true, today: today) == state.isOpen)
            // Due today: not yet.
            #expect(!LetterWorkflow.isOverdue(state: state, dueOn: today, marked: false, today: today))
            // Marked by the sweep: stays overdue while open (a stopped clock
            // has no date to compare).
            #expect(LetterWorkflow.isOverdue(state: state, dueOn: nil, marked: true, today: today) == state.isOpen)
            #expect(!LetterWorkflow.isOverdue(state: state, dueOn: nil, marked: false, today: today))
        }
        #expect(LetterWorkflow.isOverdue(letter(.assigned), today: today))
        #expect(!LetterWorkflow.isOverdue(letter(.replied), today: today))
    }
}
