import Foundation

/// What staff do to a letter. The raw value names the action in the API
/// and on the web (`POST /office/letters/{id}/<action>`, the `actions` of a
/// letter's detail), so it never changes.
public enum LetterAction: String, CaseIterable, Sendable {
    case accept
    case transfer
    case reject
    case assign
    case draft
    case signOff = "sign-off"
    case sendBack = "send-back"
    case replyOnTheSpot = "reply-on-the-spot"
    case extend
    case pause
    case resume
    case correctionNotice = "correction-notice"
    case correctedRequest = "corrected-request"
    /// Art. 30: the correction did not come within the period given.
    case deemedWithdrawn = "deemed-withdrawn"
    /// Item 23: take the published letter, or one reply, off the public
    /// side (admins), and publish it again after correction.
    case unpublish
    case republish
    case unpublishReply = "unpublish-reply"
    case republishReply = "republish-reply"

    /// Withdrawing and republishing published text: for the roles
    /// `WithdrawalRules` admits only.
    public var isPublication: Bool {
        [.unpublish, .republish, .unpublishReply, .republishReply].contains(self)
    }

    /// The information-disclosure clock's actions, and the clock action
    /// each stands for when no details are given (dated today, the usual
    /// correction period, one extra working day).
    public var clockAction: ClockAction? {
        switch self {
        case .extend: .extend(workingDays: 1)
        case .pause: .pause(.thirdParty)
        case .resume: .resume
        case .correctionNotice: .correctionNotice(workingDays: LetterClockRules.defaultCorrectionWorkingDays)
        case .correctedRequest: .correctedRequest
        case .deemedWithdrawn: .deemedWithdrawn
        default: nil
        }
    }
}

/// What a citizen does to their own letter, with its number and password.
public enum CitizenLetterAction: Sendable, CaseIterable {
    case rate
    /// The one follow-up after an unsatisfied rating.
    case followUp
}

/// A staff member as the letter workflow sees them.
public struct LetterActor: Sendable, Equatable {
    public var role: Role
    public var departmentID: Int64
    public var department: String
    /// The department that runs the mailbox (办公室): its handlers triage
    /// and see every letter.
    public var triageDepartment: String

    public init(role: Role, departmentID: Int64, department: String, triageDepartment: String) {
        self.role = role
        self.departmentID = departmentID
        self.department = department
        self.triageDepartment = triageDepartment
    }

    public var isInTriageDepartment: Bool { department == triageDepartment }
}

/// A letter as the workflow sees it: its state, type, departments, clock
/// and publication.
public struct LetterFacts: Sendable, Equatable {
    public var number: String
    public var type: LetterType
    public var state: LetterState
    public var receivedOn: CivilDate
    /// The period in working days the clock counts.
    public var workingDays: Int
    public var leadDepartmentID: Int64?
    public var coHandlerDepartmentIDs: [Int64]
    /// The stored deadline; nil while the clock stands still.
    public var dueOn: CivilDate?
    /// The sweep marked the letter overdue.
    public var markedOverdue: Bool
    /// The clock events so far, in order.
    public var clockEvents: [ClockEvent]
    /// A correction notice went out (one per request).
    public var correctionSent: Bool
    public var rating: ReplyRating?
    public var followUpUsed: Bool
    /// Moderation approved the letter for the public page.
    public var published: Bool
    /// The letter's withdrawal from publication in force, if any.
    public var withdrawal: PublicationWithdrawal?
    /// Each reply's withdrawal in force, in round order (nil: public, or
    /// never published).
    public var replyWithdrawals: [PublicationWithdrawal?]

    public init(
        number: String, type: LetterType, state: LetterState, receivedOn: CivilDate, workingDays: Int, leadDepartmentID: Int64? = nil,
        coHandlerDepartmentIDs: [Int64] = [], dueOn: CivilDate? = nil, markedOverdue: Bool = false, clockEvents: [ClockEvent] = [],
        correctionSent: Bool = false, rating: ReplyRating? = nil, followUpUsed: Bool = false, published: Bool = false,
        withdrawal: PublicationWithdrawal? = nil, replyWithdrawals: [PublicationWithdrawal?] = []
    ) {
        self.number = number
        self.type = type
        self.state = state
        self.receivedOn = receivedOn
        self.workingDays = workingDays
        self.leadDepartmentID = leadDepartmentID
        self.coHandlerDepartmentIDs = coHandlerDepartmentIDs
        self.dueOn = dueOn
        self.markedOverdue = markedOverdue
        self.clockEvents = clockEvents
        self.correctionSent = correctionSent
        self.rating = rating
        self.followUpUsed = followUpUsed
        self.published = published
        self.withdrawal = withdrawal
        self.replyWithdrawals = replyWithdrawals
    }
}

/// Why the workflow refuses an action: the store throws it (403, 409,
/// 422) and the pages leave the action's form out.
public enum LetterRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The actor's role or department may not (403).
    case forbidden(String)
    /// Not in the letter's state, type or clock as it stands (409).
    case conflict(String)
    /// A value that is wrong whatever the letter (422 on `field`).
    case invalid(field: String, String)

    public var description: String {
        switch self {
        case .forbidden(let message), .conflict(let message), .invalid(_, let message): message
        }
    }
}

/// The leader's mailbox workflow (docs/mailbox-design.md, "Lifecycle"):
/// who may take which action on a letter in which state, and when a
/// letter is overdue. Pure functions of the letter's facts, the actor and
/// today's date: the store enforces with them, the pages and the API show
/// with them, so the two never disagree.
public enum LetterWorkflow {
    /// States in which the office prepares the reply: it may add or remove
    /// reply documents until the reply is sent.
    public static let replyDocumentStates: Set<LetterState> = [.accepted, .assigned, .awaitingSignOff]

    // MARK: Overdue

    /// The one rule for "overdue", for the office and the citizen alike: an
    /// open letter whose deadline is before today, or that the sweep marked
    /// overdue (the mark stays until the deadline moves back ahead of
    /// today, so a letter is never overdue on one page and on time on
    /// another). A closed letter is never overdue; a stopped clock has no
    /// deadline to pass.
    ///
    /// - Parameter dueOn: the letter's deadline, or a co-handling
    ///   department's own.
    public static func isOverdue(state: LetterState, dueOn: CivilDate?, marked: Bool, today: CivilDate) -> Bool {
        state.isOpen && (marked || isPastDue(dueOn, today: today))
    }

    public static func isOverdue(_ letter: LetterFacts, today: CivilDate) -> Bool {
        isOverdue(state: letter.state, dueOn: letter.dueOn, marked: letter.markedOverdue, today: today)
    }

    /// The deadline has passed: it is before today. Dates compare as their
    /// `YYYY-MM-DD` text does, so the store's queries filter on `due_on < today`.
    public static func isPastDue(_ dueOn: CivilDate?, today: CivilDate) -> Bool {
        dueOn.map { $0 < today } ?? false
    }

    // MARK: Who sees which letter

    /// Admins, reviewers and the office's own staff (who triage) see every
    /// letter; other handlers see the letters their department leads or
    /// co-handles.
    public static func seesEveryLetter(_ actor: LetterActor) -> Bool {
        actor.role == .admin || actor.role == .reviewer || actor.isInTriageDepartment
    }

    public static func refusalToView(_ letter: LetterFacts, by actor: LetterActor) -> LetterRefusal? {
        if seesEveryLetter(actor) || letter.leadDepartmentID == actor.departmentID
            || letter.coHandlerDepartmentIDs.contains(actor.departmentID)
        {
            return nil
        }
        return .forbidden("letter \(letter.number) is not assigned to your department (\(actor.department))")
    }

    // MARK: The office's actions

    /// The actions `actor` may take on `letter` today, in `LetterAction`
    /// order: those `refusal` lets through, each dated today with its
    /// usual details. A publication action is available while at least one
    /// text (the letter, or one of its replies) can take it.
    public static func availableActions(
        _ letter: LetterFacts, by actor: LetterActor, today: CivilDate, calendar: any WorkingDayCalendar
    ) -> [LetterAction] {
        LetterAction.allCases.filter { refusal($0, letter, by: actor, today: today, calendar: calendar) == nil }
    }

    /// Why `actor` may not take `action` on `letter` today; nil when they
    /// may. A clock action is checked as `clockAction` says (dated today);
    /// `refusal(clock:…)` checks one with its own details.
    public static func refusal(
        _ action: LetterAction, _ letter: LetterFacts, by actor: LetterActor, today: CivilDate, calendar: any WorkingDayCalendar
    ) -> LetterRefusal? {
        if let clock = action.clockAction {
            return refusal(clock: clock, dated: today, letter, by: actor, today: today, calendar: calendar)
        }
        switch action {
        case .accept:
            return triageRefusal(actor) ?? stateRefusal(letter, [.received], "accept it")
        case .transfer:
            return triageRefusal(actor) ?? stateRefusal(letter, [.received, .accepted], "transfer it")
        case .reject:
            return triageRefusal(actor) ?? stateRefusal(letter, [.received, .accepted], "reject it")
        case .assign:
            return triageRefusal(actor) ?? stateRefusal(letter, [.accepted, .assigned], "assign it")
        case .draft:
            return draftRefusal(actor, letter) ?? stateRefusal(letter, [.assigned], "draft a reply")
        case .signOff:
            return reviewRefusal(actor) ?? stateRefusal(letter, [.awaitingSignOff], "sign off a reply")
        case .sendBack:
            return reviewRefusal(actor) ?? stateRefusal(letter, [.awaitingSignOff], "send a draft back")
        case .replyOnTheSpot:
            // Reviewers answer on the spot too; otherwise those who triage.
            if actor.role != .reviewer, let refusal = triageRefusal(actor) { return refusal }
            guard letter.type == .informationDisclosure else {
                return .conflict(
                    "only information-disclosure requests are answered on the spot; letter \(letter.number) is a \(letter.type.rawValue)")
            }
            return stateRefusal(letter, [.received, .accepted], "answer it on the spot")
        case .unpublish:
            return publicationRefusal(WithdrawalRules.refusalToWithdraw(by: actor.role, published: letter.published, inForce: letter.withdrawal))
        case .republish:
            return publicationRefusal(WithdrawalRules.refusalToRepublish(by: actor.role, inForce: letter.withdrawal))
        case .unpublishReply, .republishReply:
            // Available while one reply can take it; the store checks the
            // reply named.
            let refusals = letter.replyWithdrawals.map { withdrawal in
                action == .unpublishReply
                    ? WithdrawalRules.refusalToWithdraw(by: actor.role, published: letter.published, inForce: withdrawal)
                    : WithdrawalRules.refusalToRepublish(by: actor.role, inForce: withdrawal)
            }
            guard let first = refusals.first else {
                let none: WithdrawalRefusal = action == .unpublishReply ? .notPublished : .notWithdrawn
                return publicationRefusal(WithdrawalRules.mayWithdraw(actor.role) ? none : .notAllowed)
            }
            return refusals.contains { $0 == nil } ? nil : publicationRefusal(first)
        case .extend, .pause, .resume, .correctionNotice, .correctedRequest, .deemedWithdrawn:
            return nil  // handled above
        }
    }

    /// Why `actor` may not record `clock` dated `on` on `letter` today: the
    /// approver of an extension is a reviewer or an admin, every other
    /// clock action is for those who work on the letter; only an open
    /// information-disclosure request has this clock; then the clock's own
    /// rules (`LetterClockRules`) on its events.
    public static func refusal(
        clock: ClockAction, dated on: CivilDate, _ letter: LetterFacts, by actor: LetterActor, today: CivilDate,
        calendar: any WorkingDayCalendar
    ) -> LetterRefusal? {
        let approves = if case .extend = clock { true } else { false }
        if let refusal = approves ? reviewRefusal(actor) : worksOnRefusal(actor, letter) { return refusal }
        guard letter.type == .informationDisclosure else {
            return .conflict("only information-disclosure requests have this clock; letter \(letter.number) is a \(letter.type.rawValue)")
        }
        if let refusal = stateRefusal(letter, Set(LetterState.allCases.filter(\.isOpen)), "act on its clock") { return refusal }
        guard
            let refusal = LetterClockRules.refusal(
                clock, on: on, recordedOn: today, receivedOn: letter.receivedOn, workingDays: letter.workingDays,
                events: letter.clockEvents, correctionSent: letter.correctionSent, calendar: calendar)
        else { return nil }
        let message = "letter \(letter.number): \(refusal.message)"
        return refusal.field.map { .invalid(field: $0, message) } ?? .conflict(message)
    }

    /// Adding or removing a document of the reply being prepared: those who
    /// work on the letter, until the reply is sent.
    public static func refusalToChangeReplyDocuments(_ letter: LetterFacts, by actor: LetterActor, adding: Bool) -> LetterRefusal? {
        worksOnRefusal(actor, letter)
            ?? stateRefusal(letter, replyDocumentStates, adding ? "attach a reply document" : "remove a reply document")
    }

    // MARK: The citizen's actions

    /// Why the citizen may not rate the reply or follow up now: a reply is
    /// rated once (a follow-up's answer again), and an unsatisfied rating
    /// allows one follow-up.
    public static func refusal(_ action: CitizenLetterAction, _ letter: LetterFacts) -> LetterRefusal? {
        switch action {
        case .rate:
            guard letter.state == .replied else { return .conflict("letter \(letter.number) has not been answered yet") }
            guard letter.rating == nil else { return .conflict("letter \(letter.number)'s reply was already rated") }
            return nil
        case .followUp:
            guard letter.state == .replied, letter.rating == .unsatisfied else {
                return .conflict("a follow-up is possible only after rating the reply unsatisfied")
            }
            guard !letter.followUpUsed else { return .conflict("letter \(letter.number) already had its follow-up") }
            return nil
        }
    }

    // MARK: Roles

    /// Triage and assignment: admins, and handlers of the office that runs
    /// the mailbox.
    static func triageRefusal(_ actor: LetterActor) -> LetterRefusal? {
        switch actor.role {
        case .admin: nil
        case .handler where actor.isInTriageDepartment: nil
        case .handler: .forbidden("letters are triaged by handlers of \(actor.triageDepartment); you are in \(actor.department)")
        default: .forbidden("your role does not triage letters")
        }
    }

    /// Drafting: handlers of the lead department; reviewers and admins.
    static func draftRefusal(_ actor: LetterActor, _ letter: LetterFacts) -> LetterRefusal? {
        switch actor.role {
        case .admin, .reviewer: nil
        case .handler where letter.leadDepartmentID == actor.departmentID: nil
        case .handler: notLedRefusal(actor, letter)
        default: .forbidden("your role does not draft replies")
        }
    }

    /// Sign-off and extension approval: reviewers and admins.
    static func reviewRefusal(_ actor: LetterActor) -> LetterRefusal? {
        actor.role == .reviewer || actor.role == .admin
            ? nil : .forbidden("only a reviewer or an admin signs off and approves extensions")
    }

    /// Working on the letter (its clock, its reply documents): reviewers,
    /// admins, and handlers of the lead department or of the office.
    static func worksOnRefusal(_ actor: LetterActor, _ letter: LetterFacts) -> LetterRefusal? {
        switch actor.role {
        case .admin, .reviewer: nil
        case .handler where actor.isInTriageDepartment || letter.leadDepartmentID == actor.departmentID: nil
        case .handler: notLedRefusal(actor, letter)
        default: .forbidden("your role does not handle letters")
        }
    }

    static func notLedRefusal(_ actor: LetterActor, _ letter: LetterFacts) -> LetterRefusal {
        .forbidden("letter \(letter.number) is not led by your department (\(actor.department))")
    }

    static func stateRefusal(_ letter: LetterFacts, _ states: Set<LetterState>, _ what: String) -> LetterRefusal? {
        states.contains(letter.state) ? nil : .conflict("letter \(letter.number) is \(letter.state.rawValue); cannot \(what)")
    }

    static func publicationRefusal(_ refusal: WithdrawalRefusal?) -> LetterRefusal? {
        switch refusal {
        case nil: nil
        case .notAllowed?: .forbidden(WithdrawalRefusal.notAllowed.message)
        case let other?: .conflict(other.message)
        }
    }
}
