import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WenzhengCore
import WenzhengStore

/// The citizens' use cases of the leader's mailbox, shared by the API
/// (`LettersAPIController`) and the pages (`LettersPagesController`):
/// submitting a letter with a fresh query password, opening it with its
/// number and password (throttled like staff sign-in), rating the reply
/// and the one follow-up, the published letters with search, how a
/// deadline is counted, and the monthly figures. No account is needed.
struct LetterActions: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let hasher: PasswordHasher
    let policy: LoginThrottlePolicy
    let submissions: AddressRateLimiter
    let attachments: LetterAttachments
    let logger: Logger
    /// Searches one client address may run, and the global cap on searches
    /// at once: a search of two common but rarely adjacent bigrams costs
    /// about 119 ms of CPU (docs/security.md, "Costly requests").
    let searches: AddressRateLimiter
    let searchLimit: CostlyWorkLimit
    /// The browser a letter comes from (the signed cookie of `BrowserKeys`),
    /// and the letters one browser may send: tighter than the address's
    /// limit, which citizens behind one carrier or office address share.
    let browserKeys: BrowserKeys?
    let browserSubmissions: AddressRateLimiter
    let secureCookies: Bool

    init(
        database: AppDatabase, clock: any WallClock, hasher: PasswordHasher, policy: LoginThrottlePolicy,
        attachments: LetterAttachments, logger: Logger, submissions: AddressRateLimiter? = nil,
        searches: AddressRateLimiter? = nil,
        searchLimit: CostlyWorkLimit = CostlyWorkLimit(name: "letter searches", concurrent: 2, queued: 16),
        browserKeys: BrowserKeys? = nil, browserSubmissions: AddressRateLimiter? = nil,
        secureCookies: Bool = false
    ) {
        // Unless given, the default limits, counted in this database.
        let limits = database.rateLimits
        self.browserKeys = browserKeys
        self.browserSubmissions =
            browserSubmissions ?? AddressRateLimiter(policy: .init(limit: 5, window: 600), store: limits, bucket: Self.browserBucket)
        self.secureCookies = secureCookies
        self.database = database
        self.clock = clock
        self.hasher = hasher
        self.policy = policy
        self.submissions = submissions ?? AddressRateLimiter(policy: .init(limit: 20, window: 600), store: limits, bucket: Self.letterBucket)
        self.searches = searches ?? AddressRateLimiter(policy: AppConfiguration.defaultLetterSearchLimit, store: limits, bucket: Self.searchBucket)
        self.searchLimit = searchLimit
        self.attachments = attachments
        self.logger = logger
    }

    /// The limiters' names in the rate-limit store.
    static let letterBucket = "letter"
    static let browserBucket = "letter-browser"
    static let searchBucket = "letter-search"

    /// The office's date today.
    var today: CivilDate { CivilDate(clock.now()) }

    /// Letters per page of the public list and of search results.
    static let pageSize = 20
    /// The largest page number accepted for the plain list.
    static let maxPage = 10_000

    // MARK: Submitting

    struct Receipt {
        var letter: LetterView
        /// False for a repeat of the same idempotency key.
        var created: Bool
        /// The query password, in clear, only when the letter was created
        /// by this request: it is shown once and stored only as a hash.
        var password: String?
    }

    /// A letter as the citizen sent it: the API's JSON body as it is, or a
    /// form's fields (`init(formField:)`).
    struct Submission: Decodable {
        var type: String?
        var subject: String?
        var body: String?
        var authorName: String?
        var phone: String?
        var email: String?
        /// Nil when not said: the letter is not published.
        var mayPublish: Bool?
        var idempotencyKey: String?
        /// Separate consent to process the proof of identity (PIPL art. 29);
        /// required only with one (`SeparateConsent`).
        var identityProofConsent: Bool?
    }

    /// - Throws: `Problem` 422 for a missing or unknown type, 429 when the
    ///   address submits too often, 409 (`idempotency-key-reused`) when the
    ///   key was used for a letter with other content; `StoreError.invalid`
    ///   (422) with every bad field otherwise. Nothing is stored when it
    ///   throws.
    ///
    /// - Parameter upload: the multipart form the letter came in, with its
    ///   files (kept in `AttachmentFiles` only when everything is accepted;
    ///   deleted otherwise).
    /// The browser sending a letter: its id when it brought our signed
    /// cookie, and the cookie to set when it did not. A browser without the
    /// cookie is not limited as a browser (a client that drops cookies would
    /// get a fresh id each time); the address limit still holds it.
    func browser(_ request: Request) -> (known: String?, cookie: Cookie?) {
        guard let browserKeys else { return (nil, nil) }
        let (id, cookie) = browserKeys.resolve(request, secure: secureCookies)
        return (cookie == nil ? id : nil, cookie)
    }

    func submit(
        _ submission: Submission, upload: MultipartUpload? = nil, clientAddress: String, browser: String? = nil
    ) async throws -> Receipt {
        defer { upload?.discard() }
        let rawType = (submission.type ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !rawType.isEmpty else { throw Problem.validation(.required("type")) }
        guard let type = LetterType(rawValue: rawType) else {
            throw Problem.validation(
                .invalid("type", "type must be one of \(LetterType.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        let now = clock.now()
        // The browser first: a refused browser does not use up its address's
        // allowance.
        if let browser, let wait = try await browserSubmissions.admit(address: browser, now: now) {
            throw Problem(
                kind: .tooManyRequests, detail: "too many letters from this browser; try again in \(wait) seconds",
                headers: [.retryAfter: String(wait)])
        }
        if let wait = try await submissions.admit(address: clientAddress, now: now) {
            if let browser { await browserSubmissions.forgive(browser, admittedAt: now) }
            throw Problem(
                kind: .tooManyRequests, detail: "too many letters from this address; try again in \(wait) seconds",
                headers: [.retryAfter: String(wait)])
        }
        do {
            return try await store(submission, type: type, upload: upload, clientAddress: clientAddress, now: now)
        } catch let error where Self.wasNotTaken(error) {
            // The server could not take the letter (hashing queue full, disk
            // full): it was not sent as far as the citizen is concerned, so
            // it does not use up their allowance. Measured in
            // Benchmarks/flood-load: without this, a flood's refused letters
            // used up honest senders' slots.
            await submissions.forgive(clientAddress, admittedAt: now)
            if let browser { await browserSubmissions.forgive(browser, admittedAt: now) }
            throw error
        }
    }

    /// A refusal for the server's state rather than the letter's content.
    static func wasNotTaken(_ error: any Error) -> Bool {
        if let problem = error as? Problem { return problem.statusCode == 503 }
        switch StoreError.from(error) ?? (error as? StoreError) {
        case .storageFull, .storageBusy: return true
        default: return false
        }
    }

    private func store(
        _ submission: Submission, type: LetterType, upload: MultipartUpload?, clientAddress: String, now: Date
    ) async throws -> Receipt {
        let files = try attachments.citizenAttachments(upload, type: type)
        if let missing = SeparateConsent.missingForIdentityProof(
            carriesIdentityProof: files.contains { $0.role == .identityProof }, consented: submission.identityProofConsent ?? false)
        {
            throw Problem.validation(missing)
        }
        let new = NewLetter(
            type: type, subject: submission.subject ?? "", body: submission.body ?? "",
            authorName: submission.authorName ?? "", phone: submission.phone, email: submission.email,
            mayPublish: submission.mayPublish ?? false, idempotencyKey: submission.idempotencyKey, clientAddress: clientAddress,
            attachments: files)
        // Refuse bad fields before paying ~60 ms of CPU for the hash.
        try MailboxChecks.validateLetter(new)
        if let upload { try attachments.keep(upload, files) }
        let password = Self.generatePassword()
        let hash = try await hasher.hash(password)
        do {
            let (letter, created) = try await database.mailbox.submitLetter(new, passwordHash: hash, at: now)
            return Receipt(letter: letter, created: created, password: created ? password : nil)
        } catch is LetterIdempotencyKeyReused {
            throw Problem(
                kind: .idempotencyKeyReused,
                detail: "this idempotency key was already used for a letter with different content; send the letter with a new key")
        }
    }

    /// An HTML checkbox sends its value (`on` unless set) only when ticked;
    /// the API's multipart form says `true`.
    static func isChecked(_ value: String?) -> Bool {
        guard let value = value?.lowercased() else { return false }
        return ["on", "1", "true", "yes"].contains(value)
    }

    /// Unambiguous when read aloud or copied by hand: no I, L, O, 0 or 1.
    static let passwordAlphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    static let passwordLength = 8

    /// 8 characters from 31: about 40 bits, enough behind the throttle.
    static func generatePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<passwordLength).map { _ in passwordAlphabet.randomElement(using: &generator)! })
    }

    // MARK: Opening a letter

    /// The letter for its number and query password.
    ///
    /// - Throws: `Problem` 422 for a missing or malformed number or a
    ///   missing password; 429 when this address has failed too often, at
    ///   this letter or at all (never because others failed at it: a wrong
    ///   pair must not lock the owner out); and the same 401 for an unknown
    ///   number and a wrong password, after the same bcrypt work, so that
    ///   neither the answer nor its timing tells which letters exist.
    ///
    /// - Parameter otherErrors: problems with the request's other fields,
    ///   reported together with these (and before any attempt is counted).
    func open(
        number rawNumber: String?, password rawPassword: String?, clientAddress: String, otherErrors: [FieldError] = []
    ) async throws -> LetterView {
        var errors: [FieldError] = []
        let number = Self.normalizedNumber(rawNumber)
        let password = Self.normalizedPassword(rawPassword)
        if number.isEmpty {
            errors.append(.required("number"))
        } else if !Self.isLetterNumber(number) {
            errors.append(.invalid("number", "a letter number looks like 2026-483920571"))
        }
        if password.isEmpty {
            errors.append(.required("password"))
        } else if password.unicodeScalars.count > 64 {
            errors.append(.tooLong("password", max: 64))
        }
        errors += otherErrors
        if !errors.isEmpty { throw Problem.validation(ValidationFailure(errors)) }

        let now = clock.now()
        // A right password is not a failure: forget this address's attempts
        // so a citizen who reads, rates and follows up is never throttled.
        let letter = try await ThrottledPasswordCheck(hasher: hasher, policy: policy, logger: logger).verify(
            password, subject: "letter \(number)", failure: "failed attempts",
            register: { try await database.accounts.registerLetterQueryAttempt(number: number, clientAddress: clientAddress, policy: policy, at: now) },
            find: { try await database.mailbox.letterForQuery(number: number).map { ($0.0, $0.passwordHash) } },
            forget: { _ in try await database.accounts.forgetLetterQueryFailures(number: number, clientAddress: clientAddress) })
        guard let letter else { throw Self.wrongCredentials }
        return letter
    }

    /// One attachment of the citizen's own letter (their files and the
    /// office's reply documents), for its number and password, throttled
    /// like opening the letter.
    func attachment(number: String?, password: String?, id rawID: String?, clientAddress: String) async throws -> LetterAttachmentView {
        let (id, errors) = Self.attachmentID(rawID)
        let letter = try await open(number: number, password: password, clientAddress: clientAddress, otherErrors: errors)
        return try await attachment(of: letter, id: id!)
    }

    /// One attachment of a letter already opened; 404 for another letter's.
    func attachment(of letter: LetterView, id: Int64) async throws -> LetterAttachmentView {
        do {
            return try await database.mailbox.letterAttachment(id: id, letterID: letter.id)
        } catch StoreError.notFound {
            throw Problem(kind: .notFound, detail: "this letter has no such attachment")
        }
    }

    /// The attachment field: required, a number.
    static func attachmentID(_ raw: String?) -> (id: Int64?, errors: [FieldError]) {
        guard let raw else { return (nil, [.required("attachment")]) }
        guard let id = Int64(raw.trimmingCharacters(in: .whitespaces)) else {
            return (nil, [.invalid("attachment", "attachment must be a number")])
        }
        return (id, [])
    }

    static var wrongCredentials: Problem {
        var problem = Problem(kind: .invalidCredentials, detail: "wrong letter number or query password")
        problem.title = "Wrong letter number or query password"
        return problem
    }

    /// Drops spaces (a number read out is often written in groups), and
    /// turns full-width digits and dashes (typed with a Chinese input
    /// method) into ASCII.
    static func normalizedNumber(_ raw: String?) -> String {
        let trimmed = (raw ?? "").filter { !$0.isWhitespace }
        return String(
            String.UnicodeScalarView(
                trimmed.unicodeScalars.map { scalar -> Unicode.Scalar in
                    switch scalar.value {
                    case 0xFF10...0xFF19: Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!
                    case 0xFF0D, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212: "-"
                    default: scalar
                    }
                }))
    }

    /// `2026-483920571` (or, for letters received before issue 9,
    /// `2026-000123`): a four-digit year, a dash, six to nine digits.
    static func isLetterNumber(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, (6...9).contains(parts[1].count) else { return false }
        return parts.allSatisfy { $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
    }

    /// Passwords are issued in capitals; spaces and dashes a citizen adds
    /// while copying are dropped.
    static func normalizedPassword(_ raw: String?) -> String {
        String((raw ?? "").filter { !$0.isWhitespace && $0 != "-" }).uppercased()
    }

    // MARK: Rating and follow-up

    /// Rates the reply of the letter the number and password open; a bad
    /// rating is reported with the credentials' own errors.
    func rate(number: String?, password: String?, rating rawRating: String?, clientAddress: String) async throws -> LetterView {
        let (rating, errors) = Self.rating(rawRating)
        let letter = try await open(number: number, password: password, clientAddress: clientAddress, otherErrors: errors)
        return try await database.mailbox.rateLetter(number: letter.number, rating: rating!, at: clock.now())
    }

    /// Rates the reply of a letter already opened.
    func rate(_ letter: LetterView, rating rawRating: String?) async throws -> LetterView {
        let (rating, errors) = Self.rating(rawRating)
        try ValidationFailure.check(errors)
        return try await database.mailbox.rateLetter(number: letter.number, rating: rating!, at: clock.now())
    }

    static func rating(_ raw: String?) -> (ReplyRating?, [FieldError]) {
        let raw = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let rating = ReplyRating(rawValue: raw)
        if raw.isEmpty { return (nil, [.required("rating")]) }
        if rating == nil {
            return (nil, [.invalid("rating", "rating must be one of \(ReplyRating.allCases.map(\.rawValue).joined(separator: ", "))")])
        }
        return (rating, [])
    }

    /// The one follow-up of the letter the number and password open; a bad
    /// text is reported with the credentials' own errors.
    func followUp(number: String?, password: String?, text rawText: String?, clientAddress: String) async throws -> LetterView {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(rawText, field: "text", maxLength: LetterRules.bodyMaxLength, into: &errors)
        let letter = try await open(number: number, password: password, clientAddress: clientAddress, otherErrors: errors)
        return try await database.mailbox.followUp(number: letter.number, text: text, at: clock.now())
    }

    /// The one follow-up of a letter already opened (the store checks the text).
    func followUp(_ letter: LetterView, text: String?) async throws -> LetterView {
        try await database.mailbox.followUp(number: letter.number, text: text ?? "", at: clock.now())
    }

    /// The steps the citizen sees, oldest first (`LetterEventKind.isVisibleToCitizen`).
    func citizenTimeline(_ letter: LetterView) async throws -> [LetterEventView] {
        try await database.mailbox.timeline(letterID: letter.id).filter(\.kind.isVisibleToCitizen)
    }

    // MARK: Published letters

    struct PublishedPage {
        var letters: [PublishedLetter]
        var page: Int
        var hasMore: Bool
        /// The search text, trimmed; nil for the plain list.
        var query: String?
        /// Matches counted (search only), up to the store's window.
        var total: Int?
        var moreThanTotal: Bool
    }

    /// The published letters, newest first, or those matching `query`
    /// (most relevant first).
    ///
    /// - Throws: 422 (`page`) for a page that is not a number from 1, or
    ///   beyond what search can page to; 422 (`q`) for an unusable query;
    ///   429 when `address` has searched too often; 503 when the server is
    ///   running as many searches as it allows and as many wait.
    func published(query rawQuery: String?, page rawPage: String?, address: String) async throws -> PublishedPage {
        let page = try Self.page(rawPage)
        let query = rawQuery?.trimmingCharacters(in: .whitespacesAndNewlines)
        let size = Self.pageSize
        guard let query, !query.isEmpty else {
            guard page <= Self.maxPage else {
                throw Problem.validation(.invalid("page", "page must be between 1 and \(Self.maxPage)"))
            }
            var letters = try await database.mailbox.publishedLetters(limit: size + 1, offset: (page - 1) * size)
            let more = letters.count > size
            if more { letters.removeLast() }
            return PublishedPage(letters: letters, page: page, hasMore: more, query: nil, total: nil, moreThanTotal: false)
        }
        let lastPage = LetterSearchIndex.letterSearchWindow / size
        guard page <= lastPage else {
            throw Problem.validation(.invalid("page", "search results go up to page \(lastPage)"))
        }
        if let wait = try await searches.admit(address: address, now: clock.now()) {
            throw Problem(
                kind: .tooManyRequests, detail: "too many searches from this address; try again in \(wait) seconds",
                headers: [.retryAfter: String(wait)])
        }
        let database = self.database
        let found = try await searchLimit.run {
            try await database.mailbox.searchLetters(query, limit: size, offset: (page - 1) * size)
        }
        var letters: [PublishedLetter] = []
        for id in found.ids {
            // A letter unpublished between the search and now is left out.
            if let letter = try await database.mailbox.publishedLetter(id: id) { letters.append(letter) }
        }
        return PublishedPage(
            letters: letters, page: page, hasMore: page * size < found.total, query: query, total: found.total,
            moreThanTotal: found.moreThanTotal)
    }

    /// `?page=`: absent means 1.
    static func page(_ raw: String?) throws -> Int {
        guard let raw, !raw.isEmpty else { return 1 }
        guard let page = Int(raw), page >= 1 else {
            throw Problem.validation(.invalid("page", "page must be a whole number from 1"))
        }
        return page
    }

    /// A published letter and the working days its period was counted
    /// with; 404 for an id that is not a published letter, 410 for one the
    /// office withdrew (docs/security.md, "Withdrawing published text").
    func publishedLetter(id rawID: String?) async throws -> (letter: PublishedLetter, workingDays: Int) {
        guard let rawID, let id = Int64(rawID), id > 0 else { throw Problem(kind: .notFound, detail: "no such published letter") }
        guard let letter = try await database.mailbox.publishedLetter(id: id) else {
            if try await database.mailbox.isLetterWithdrawn(id: id) {
                throw Problem(kind: .withdrawn, detail: "the office withdrew this letter from publication")
            }
            throw Problem(kind: .notFound, detail: "no such published letter")
        }
        return (letter, try await database.mailbox.letter(id: id).policyDays)
    }

    // MARK: Deadlines

    /// How a period of `workingDays` from `receivedOn` is counted on the
    /// office's calendar.
    func explain(from receivedOn: CivilDate, workingDays: Int) async throws -> DeadlineExplanation {
        try await database.calendar.workingDayCalendar().explain(from: receivedOn, workingDays: workingDays)
    }

    /// `?from=2026-09-18&days=15`, checked.
    static func deadlineParameters(from rawFrom: String?, days rawDays: String?) throws -> (CivilDate, Int) {
        var errors: [FieldError] = []
        let from = rawFrom.flatMap { CivilDate($0.trimmingCharacters(in: .whitespaces)) }
        if rawFrom?.isEmpty ?? true {
            errors.append(.required("from"))
        } else if from == nil {
            errors.append(.invalid("from", "from must be a date like 2026-09-18"))
        } else if let year = from?.year, !yearRange.contains(year) {
            errors.append(.invalid("from", "from must be in the years \(yearRange.lowerBound) to \(yearRange.upperBound)"))
        }
        let range = LetterRules.policyWorkingDaysRange
        let days = rawDays.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if rawDays?.isEmpty ?? true {
            errors.append(.required("days"))
        } else if days == nil || !range.contains(days!) {
            errors.append(.invalid("days", "days must be a whole number from \(range.lowerBound) to \(range.upperBound)"))
        }
        if !errors.isEmpty { throw Problem.validation(ValidationFailure(errors)) }
        return (from!, days!)
    }

    // MARK: Statistics

    static let yearRange = 2000...2100

    /// `?year=`: absent means this year (the office's calendar).
    func statisticsYear(_ raw: String?) throws -> Int {
        guard let raw, !raw.isEmpty else { return today.year }
        guard let year = Int(raw), Self.yearRange.contains(year) else {
            throw Problem.validation(
                .invalid("year", "year must be a year from \(Self.yearRange.lowerBound) to \(Self.yearRange.upperBound)"))
        }
        return year
    }
}

extension LetterActions.Submission {
    /// A letter form's fields, as `field` reads them by name: the page's form
    /// (urlencoded or multipart) or the API's multipart one. The
    /// `mayPublish` checkbox counts when ticked (`LetterActions.isChecked`).
    init(formField field: (String) throws -> String?) rethrows {
        self.init(
            type: try field("type"), subject: try field("subject"), body: try field("body"), authorName: try field("authorName"),
            phone: try field("phone"), email: try field("email"), mayPublish: LetterActions.isChecked(try field("mayPublish")),
            idempotencyKey: try field("idempotencyKey"),
            identityProofConsent: LetterActions.isChecked(try field(SeparateConsent.identityProofField)))
    }
}
