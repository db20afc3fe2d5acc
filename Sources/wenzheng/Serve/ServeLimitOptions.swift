import ArgumentParser
import WenzhengCore
import WenzhengServer

/// How much one client may send or hold open (docs/security.md). Limits
/// are a count in a sliding window, written `5/10m`.
struct ServeLimitOptions: ParsableArguments {
    /// `--refusal-delay-ms` when not given (AppConfiguration's is zero, for tests).
    static let defaultRefusalDelayMS = 1000

    @Option(
        name: .customLong("max-viewer-sockets-per-address"),
        help: ArgumentHelp(
            "Interview viewer sockets one client address may hold open; more are refused at the handshake. [env: WENZHENG_MAX_VIEWER_SOCKETS_PER_ADDRESS, default: 2000]",
            valueName: "N"))
    var viewerSocketsPerAddress: String?

    @Option(
        name: .customLong("question-limit-per-browser"),
        help: ArgumentHelp(
            "Questions one browser may ask. [env: WENZHENG_QUESTION_LIMIT_PER_BROWSER, default: 5/10m]", valueName: "N/WINDOW"))
    var questionsPerBrowser: String?

    @Option(
        name: .customLong("question-limit-per-address"),
        help: ArgumentHelp(
            "Questions one client address may ask. [env: WENZHENG_QUESTION_LIMIT_PER_ADDRESS, default: 30/10m]", valueName: "N/WINDOW"))
    var questionsPerAddress: String?

    @Option(
        name: .customLong("vote-limit-per-address"),
        help: ArgumentHelp(
            "Votes for questions from one client address. [env: WENZHENG_VOTE_LIMIT_PER_ADDRESS, default: 60/10m]", valueName: "N/WINDOW"))
    var votesPerAddress: String?

    @Option(
        name: .customLong("vote-limit-per-question"),
        help: ArgumentHelp(
            "Votes for one question from one client address. [env: WENZHENG_VOTE_LIMIT_PER_QUESTION, default: 10/1h]",
            valueName: "N/WINDOW"))
    var votesPerQuestion: String?

    @Option(
        name: .customLong("letter-limit-per-address"),
        help: ArgumentHelp(
            "Letters one client address may send. [env: WENZHENG_LETTER_LIMIT_PER_ADDRESS, default: 20/10m]", valueName: "N/WINDOW"))
    var lettersPerAddress: String?

    @Option(
        name: .customLong("letter-limit-per-browser"),
        help: ArgumentHelp(
            "Letters one browser (by its signed cookie) may send. [env: WENZHENG_LETTER_LIMIT_PER_BROWSER, default: 5/10m]",
            valueName: "N/WINDOW"))
    var lettersPerBrowser: String?

    @Option(
        name: .customLong("letter-search-limit"),
        help: ArgumentHelp(
            "Letter searches one client address may run. [env: WENZHENG_LETTER_SEARCH_LIMIT, default: 30/1m]",
            valueName: "N/WINDOW"))
    var letterSearches: String?

    @Option(
        name: .customLong("costly-work-concurrency"),
        help: ArgumentHelp(
            "bcrypt hashes, and separately letter searches, the server runs at once, whoever asks (1 to 64). [env: WENZHENG_COSTLY_WORK_CONCURRENCY, default: the number of cores]",
            valueName: "N"))
    var costlyWorkConcurrency: String?

    @Option(
        name: .customLong("costly-work-queue"),
        help: ArgumentHelp(
            "Of each kind, how many more may wait; past that the server answers 503 with Retry-After (0 to 10000). [env: WENZHENG_COSTLY_WORK_QUEUE, default: 16]",
            valueName: "N"))
    var costlyWorkQueue: String?

    @Option(
        name: .customLong("letter-search-time-limit"),
        help: ArgumentHelp(
            "How long one letter search may run before it is stopped and answered 503, e.g. 2s or 500ms. [env: WENZHENG_LETTER_SEARCH_TIME_LIMIT, default: 2s]",
            valueName: "D"))
    var letterSearchTimeLimit: String?

    @Option(
        name: .customLong("refusal-delay-ms"),
        help: ArgumentHelp(
            "Milliseconds a 429 or 503 answer is held before it is sent, so a client that ignores Retry-After slows itself down (0 to 10000). [env: WENZHENG_REFUSAL_DELAY_MS, default: 1000]",
            valueName: "MS"))
    var refusalDelayMS: String?

    @Option(
        name: .customLong("survey-answer-limit"),
        help: ArgumentHelp(
            "Survey responses one client address may send, beside one per browser or invitation. [env: WENZHENG_SURVEY_ANSWER_LIMIT, default: 60/10m]",
            valueName: "N/WINDOW"))
    var surveyAnswers: String?

    @Option(
        name: .customLong("consultation-comment-limit"),
        help: ArgumentHelp(
            "Comments on drafts one client address may send. [env: WENZHENG_CONSULTATION_COMMENT_LIMIT, default: 10/10m]",
            valueName: "N/WINDOW"))
    var consultationComments: String?

    @Option(
        name: .customLong("event-registration-limit"),
        help: ArgumentHelp(
            "Open-day registrations one client address may send. [env: WENZHENG_EVENT_REGISTRATION_LIMIT, default: 20/10m]",
            valueName: "N/WINDOW"))
    var eventRegistrations: String?

    @Option(
        name: .customLong("event-code-limit"),
        help: ArgumentHelp(
            "Wrong open-day confirmation codes (lookups and cancellations) one client address may try. [env: WENZHENG_EVENT_CODE_LIMIT, default: 20/10m]",
            valueName: "N/WINDOW"))
    var eventCodes: String?

    @Option(
        name: .customLong("sign-in-free-failures-per-address"),
        help: ArgumentHelp(
            "Failed staff sign-ins from one client address, across accounts, before its waits begin (30s, doubling up to 15m). [env: WENZHENG_SIGN_IN_FREE_FAILURES_PER_ADDRESS, default: 20]",
            valueName: "N"))
    var signInFailuresPerAddress: String?

    @Option(
        name: .customLong("letter-query-free-failures-per-address"),
        help: ArgumentHelp(
            "Failed letter queries from one client address, across letters, before its waits begin. [env: WENZHENG_LETTER_QUERY_FREE_FAILURES_PER_ADDRESS, default: 30]",
            valueName: "N"))
    var letterQueryFailuresPerAddress: String?

    @Option(
        name: .customLong("viewer-byte-budget"),
        help: ArgumentHelp(
            "Unsent bytes one interview viewer may have queued before it is cut off with close code 4000 (16384 to 67108864). [env: WENZHENG_VIEWER_BYTE_BUDGET, default: 262144]",
            valueName: "BYTES"))
    var viewerByteBudget: String?

    func apply(to configuration: inout AppConfiguration, settings: ServeSettings) throws {
        try settings.read(
            &configuration.maxViewerSocketsPerAddress, viewerSocketsPerAddress, "max-viewer-sockets-per-address", as: .count(1...1_000_000))
        try settings.read(&configuration.viewerByteBudget, viewerByteBudget, "viewer-byte-budget", as: .count(16384...67_108_864))
        try settings.read(&configuration.questionLimitPerBrowser, questionsPerBrowser, "question-limit-per-browser", as: .rateLimit)
        try settings.read(&configuration.questionLimitPerAddress, questionsPerAddress, "question-limit-per-address", as: .rateLimit)
        try settings.read(&configuration.voteLimitPerAddress, votesPerAddress, "vote-limit-per-address", as: .rateLimit)
        try settings.read(&configuration.voteLimitPerQuestion, votesPerQuestion, "vote-limit-per-question", as: .rateLimit)
        try settings.read(&configuration.letterLimitPerAddress, lettersPerAddress, "letter-limit-per-address", as: .rateLimit)
        try settings.read(&configuration.letterLimitPerBrowser, lettersPerBrowser, "letter-limit-per-browser", as: .rateLimit)
        try settings.read(&configuration.letterSearchLimit, letterSearches, "letter-search-limit", as: .rateLimit)
        try settings.read(&configuration.costlyWorkConcurrency, costlyWorkConcurrency, "costly-work-concurrency", as: .count(1...64))
        try settings.read(&configuration.costlyWorkQueue, costlyWorkQueue, "costly-work-queue", as: .count(0...10_000))
        try settings.read(&configuration.letterSearchTimeLimit, letterSearchTimeLimit, "letter-search-time-limit", as: .duration)
        var refusalDelay = Self.defaultRefusalDelayMS
        try settings.read(&refusalDelay, refusalDelayMS, "refusal-delay-ms", as: .count(0...10_000))
        configuration.refusalDelay = .milliseconds(refusalDelay)
        try settings.read(&configuration.surveyAnswerLimit, surveyAnswers, "survey-answer-limit", as: .rateLimit)
        try settings.read(&configuration.consultationCommentLimit, consultationComments, "consultation-comment-limit", as: .rateLimit)
        try settings.read(&configuration.eventRegistrationLimit, eventRegistrations, "event-registration-limit", as: .rateLimit)
        try settings.read(&configuration.eventCodeLimit, eventCodes, "event-code-limit", as: .rateLimit)
        try settings.read(
            &configuration.loginThrottle.perAddress.freeFailures, signInFailuresPerAddress, "sign-in-free-failures-per-address",
            as: .count(1...100_000))
        try settings.read(
            &configuration.letterQueryThrottle.perAddress.freeFailures, letterQueryFailuresPerAddress,
            "letter-query-free-failures-per-address", as: .count(1...100_000))
    }
}
