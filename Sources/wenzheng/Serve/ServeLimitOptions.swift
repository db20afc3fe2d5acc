import ArgumentParser
import WenzhengCore
import WenzhengServer

/// How much one client may send or hold open (docs/security.md). Limits
/// are a count in a sliding window, written `5/10m`.
struct ServeLimitOptions: ParsableArguments {
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

    func apply(to configuration: inout AppConfiguration, settings: ServeSettings) throws {
        configuration.maxViewerSocketsPerAddress = try settings.count(
            viewerSocketsPerAddress, name: "max-viewer-sockets-per-address", variable: "WENZHENG_MAX_VIEWER_SOCKETS_PER_ADDRESS",
            range: 1...1_000_000, default: configuration.maxViewerSocketsPerAddress)
        configuration.questionLimitPerBrowser = try settings.rateLimit(
            questionsPerBrowser, name: "question-limit-per-browser", variable: "WENZHENG_QUESTION_LIMIT_PER_BROWSER",
            default: configuration.questionLimitPerBrowser)
        configuration.questionLimitPerAddress = try settings.rateLimit(
            questionsPerAddress, name: "question-limit-per-address", variable: "WENZHENG_QUESTION_LIMIT_PER_ADDRESS",
            default: configuration.questionLimitPerAddress)
        configuration.voteLimitPerAddress = try settings.rateLimit(
            votesPerAddress, name: "vote-limit-per-address", variable: "WENZHENG_VOTE_LIMIT_PER_ADDRESS",
            default: configuration.voteLimitPerAddress)
        configuration.voteLimitPerQuestion = try settings.rateLimit(
            votesPerQuestion, name: "vote-limit-per-question", variable: "WENZHENG_VOTE_LIMIT_PER_QUESTION",
            default: configuration.voteLimitPerQuestion)
        configuration.letterLimitPerAddress = try settings.rateLimit(
            lettersPerAddress, name: "letter-limit-per-address", variable: "WENZHENG_LETTER_LIMIT_PER_ADDRESS",
            default: configuration.letterLimitPerAddress)
        configuration.loginThrottle.perAddress.freeFailures = try settings.count(
            signInFailuresPerAddress, name: "sign-in-free-failures-per-address", variable: "WENZHENG_SIGN_IN_FREE_FAILURES_PER_ADDRESS",
            range: 1...100_000, default: configuration.loginThrottle.perAddress.freeFailures)
        configuration.letterQueryThrottle.perAddress.freeFailures = try settings.count(
            letterQueryFailuresPerAddress, name: "letter-query-free-failures-per-address",
            variable: "WENZHENG_LETTER_QUERY_FREE_FAILURES_PER_ADDRESS", range: 1...100_000,
            default: configuration.letterQueryThrottle.perAddress.freeFailures)
    }
}
