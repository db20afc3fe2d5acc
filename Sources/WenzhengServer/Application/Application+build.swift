import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WenzhengCore
import WenzhengStore

/// Builds the Wenzheng application. `wenzheng serve` runs it; tests call
/// the same function with a temporary database and port 0.
///
/// - Parameter onServerRunning: called with the bound address once the
///   server listens (the CLI prints the URL to open).
public func buildApplication(
    _ dependencies: AppDependencies,
    onServerRunning: @escaping @Sendable (SocketAddress?) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(dependencies)
    let configuration = dependencies.configuration
    var services: [any Service] =
        [
            DatabaseCheckpointService(database: dependencies.database, logger: dependencies.logger),
            ModerationReloadService(library: dependencies.moderation, channel: moderationChannel(dependencies), logger: dependencies.logger),
            SessionPruning.service(
                database: dependencies.database, clock: dependencies.clock, logger: dependencies.logger,
                interval: configuration.sessionPruneInterval),
            OverdueLetterService(database: dependencies.database, clock: dependencies.clock, logger: dependencies.logger)
                .service(interval: configuration.overdueSweepInterval),
            SurveyClosing.service(
                database: dependencies.database, clock: dependencies.clock, library: dependencies.moderation, logger: dependencies.logger,
                interval: configuration.surveyCloseInterval),
            RetentionPass.service(
                database: dependencies.database,
                attachments: try? AttachmentFiles(root: attachmentsDirectory(configuration, database: dependencies.database)),
                clock: dependencies.clock, policy: configuration.retention, logger: dependencies.logger,
                interval: configuration.retentionInterval),
            try NotificationSender(
                database: dependencies.database, settings: configuration.notifications, clock: dependencies.clock, logger: dependencies.logger
            ).service(interval: configuration.notifications.interval),
        ]
        + (configuration.letterDigest.map { schedule in
            [
                LetterDigestService(database: dependencies.database, schedule: schedule, clock: dependencies.clock, logger: dependencies.logger)
                    .service(checkInterval: configuration.letterDigestCheckInterval)
            ]
        } ?? [])
        + LiveTicker.services(
            hub: dependencies.hub, viewerCountInterval: configuration.viewerCountInterval,
            heartbeatInterval: configuration.heartbeatInterval)
    // Several nodes on one PostgreSQL database: what the others commit
    // reaches this node's live rooms.
    if let changes = dependencies.database.interviewChanges() {
        services.append(
            InterviewChangeRelay(
                changes: changes, hub: dependencies.hub, interviews: dependencies.database.interviews, logger: dependencies.logger))
    }
    if let address = configuration.metricsAddress {
        services.append(buildMetricsApplication(dependencies, address: address))
    }
    return Application(
        router: router,
        // Viewers are served on the event loops, staff sockets by
        // swift-websocket (Live/LiveServerChannel). No WebSocket-level
        // auto-ping: every room already sends a JSON ping each 20 s.
        server: .live(router: router, configuration: .init(maxFrameSize: LiveSocket.maxInboundFrame, closeTimeout: .seconds(5))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: configuration.serverName,
            // A reconnect storm (thousands of viewers coming back at once
            // after a restart) overflowed Hummingbird's default of 256
            // pending connections, and each overflow costs the client a SYN
            // retry of a second or more. The kernel caps it at somaxconn.
            backlog: 4096),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress) },
        logger: dependencies.logger
    )
}

/// The router with every feature mounted. Middleware order, outermost
/// first: client address, access log, metrics, security headers, `+` in query
/// strings read as spaces, errors to problems/pages, static files, body
/// limit, same-origin check, session and CSRF.
public func buildRouter(_ dependencies: AppDependencies) async throws -> Router<AppRequestContext> {
    let configuration = dependencies.configuration
    let database = dependencies.database
    let clock = dependencies.clock
    let pages = try await PageRenderer(webRoot: configuration.webRoot, retention: configuration.retention)
    // One cap for all bcrypt work (staff sign-ins, new letters' query
    // passwords): it runs on the same two-thread pool.
    let hashing = CostlyWorkLimit(
        name: "password hashing", concurrent: configuration.costlyWorkConcurrency, queued: configuration.costlyWorkQueue)
    let hasher = PasswordHasher(cost: configuration.passwordHashCost, limit: hashing)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(resolver: ClientAddressResolver(trustedProxies: configuration.trustedProxies)))
    router.add(middleware: AccessLogMiddleware())
    router.add(middleware: HTTPMetricsMiddleware(metrics: dependencies.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: FormQueryMiddleware())
    if configuration.refusalDelay > .zero {
        router.add(middleware: RefusalDelayMiddleware(delay: configuration.refusalDelay))
    }
    router.add(middleware: ErrorMiddleware(pages: pages))
    router.add(
        middleware: FileMiddleware(
            URL(fileURLWithPath: configuration.webRoot).appendingPathComponent("static").path,
            urlBasePath: "/static",
            // Revalidate with the ETag after an hour: deployments replace
            // assets in place, without fingerprinted names.
            cacheControl: .init([(MediaType(type: .any), [.public, .maxAge(3600)])]),
            logger: dependencies.logger))
    router.add(middleware: BodyLimitMiddleware(maxBytes: configuration.maxBodyBytes, maxMultipartBytes: configuration.maxUploadBytes))
    router.add(middleware: SameOriginMiddleware())
    router.add(middleware: SessionMiddleware(database: database, clock: clock))

    OperationsAPIController(database: database).addRoutes(to: router)
    try OpenAPIAPIController(webRoot: configuration.webRoot).addRoutes(to: router)
    HomePagesController(pages: pages, database: database, clock: clock).addRoutes(to: router)
    PreferencesPagesController(secureCookies: configuration.secureCookies).addRoutes(to: router)
    let login = StaffLogin(
        database: database, clock: clock, hasher: hasher, policy: configuration.loginThrottle,
        sessionLifetime: configuration.sessionLifetime, logger: dependencies.logger)
    let accounts = AccountsActions(
        login: login, database: database, clock: clock, hasher: hasher, secureCookies: configuration.secureCookies)
    AccountsAPIController(actions: accounts).addRoutes(to: router)
    AccountsPagesController(actions: accounts, pages: pages).addRoutes(to: router)
    let moderation = moderationChannel(dependencies)
    let moderationActions = ModerationActions(database: database, clock: clock, library: dependencies.moderation, channel: moderation)
    ModerationAPIController(actions: moderationActions).addRoutes(to: router)
    ModerationPagesController(actions: moderationActions, pages: pages).addRoutes(to: router)
    ModerationLiveController(actions: moderationActions).addRoutes(to: router)
    let audit = AuditActions(database: database)
    AuditAPIController(actions: audit).addRoutes(to: router)
    AuditPagesController(actions: audit, pages: pages).addRoutes(to: router)
    // Citizens' rate limits, as configured (docs/security.md), counted in
    // the database so that every node counts the same attempts.
    let limits = database.rateLimits
    let questionLimiter = QuestionRateLimiter(
        store: limits, perBrowser: configuration.questionLimitPerBrowser, perAddress: configuration.questionLimitPerAddress)
    let voteLimiter = VoteRateLimiter(
        store: limits, perAddress: configuration.voteLimitPerAddress, perAddressAndQuestion: configuration.voteLimitPerQuestion)
    let letterLimiter = AddressRateLimiter(policy: configuration.letterLimitPerAddress, store: limits, bucket: LetterActions.letterBucket)
    let browserKeys = BrowserKeys(secret: try await database.secrets.serverSecret(purpose: BrowserKeys.secretPurpose, at: clock.now()))
    let interviewActions = InterviewActions(
        database: database, clock: clock, hub: dependencies.hub, library: dependencies.moderation, moderation: moderation,
        questionLimiter: questionLimiter, browserKeys: browserKeys, voteLimiter: voteLimiter)
    InterviewsAPIController(actions: interviewActions, secureCookies: configuration.secureCookies).addRoutes(to: router)
    // The year's plan, as `wenzheng plan check` reports it, on the office
    // dashboard and the organisers' interview list.
    let plan = AnnualPlanReader(database: database, clock: clock, targets: configuration.planTargets)
    InterviewPagesController(actions: interviewActions, pages: pages, secureCookies: configuration.secureCookies, plan: plan)
        .addRoutes(to: router)
    InterviewLiveController(actions: interviewActions).addRoutes(to: router)
    let letterPasswordHasher = PasswordHasher(cost: configuration.letterPasswordHashCost, limit: hashing)
    let letterAttachments = LetterAttachments(
        files: try AttachmentFiles(root: attachmentsDirectory(configuration, database: database)),
        requireIdentityProof: configuration.requireIdentityProof)
    let letters = LetterActions(
        database: database, clock: clock, hasher: letterPasswordHasher, policy: configuration.letterQueryThrottle,
        attachments: letterAttachments, logger: dependencies.logger, submissions: letterLimiter,
        searches: AddressRateLimiter(policy: configuration.letterSearchLimit, store: limits, bucket: LetterActions.searchBucket),
        searchLimit: CostlyWorkLimit(
            name: "letter searches", concurrent: configuration.costlyWorkConcurrency, queued: configuration.costlyWorkQueue,
            timeLimit: configuration.letterSearchTimeLimit, tooSlowAdvice: "try more specific words"),
        browserKeys: browserKeys, browserSubmissions: AddressRateLimiter(
            policy: configuration.letterLimitPerBrowser, store: limits, bucket: LetterActions.browserBucket),
        secureCookies: configuration.secureCookies)
    LettersAPIController(actions: letters).addRoutes(to: router)
    LettersPagesController(actions: letters, pages: pages).addRoutes(to: router)
    let officeLetters = OfficeLetterActions(database: database, clock: clock, library: dependencies.moderation, attachments: letterAttachments)
    OfficeLettersAPIController(actions: officeLetters).addRoutes(to: router)
    OfficeLettersPagesController(actions: officeLetters, pages: pages, plan: plan).addRoutes(to: router)
    let surveyActions = SurveyActions(
        database: database, clock: clock, library: dependencies.moderation, browserKeys: browserKeys,
        answerLimiter: AddressRateLimiter(policy: configuration.surveyAnswerLimit, store: limits, bucket: "survey-answer"), secureCookies: configuration.secureCookies)
    SurveysAPIController(actions: surveyActions).addRoutes(to: router)
    SurveysPagesController(actions: surveyActions, pages: pages).addRoutes(to: router)
    let consultationActions = ConsultationActions(
        database: database, clock: clock, library: dependencies.moderation, commentsPerAddress: configuration.consultationCommentLimit)
    ConsultationsAPIController(actions: consultationActions).addRoutes(to: router)
    ConsultationsPagesController(actions: consultationActions, pages: pages, uploads: letterAttachments.files).addRoutes(to: router)
    let eventActions = EventActions(
        database: database, clock: clock,
        limiters: EventRateLimiters(
            registrations: configuration.eventRegistrationLimit, codeGuesses: configuration.eventCodeLimit, store: limits),
        secureCookies: configuration.secureCookies)
    EventsAPIController(actions: eventActions).addRoutes(to: router)
    EventsPagesController(actions: eventActions, pages: pages).addRoutes(to: router)
    return router
}

/// The moderators' live channel, with every feature whose text the queue
/// holds: they link to their items and hear of decisions through it.
func moderationChannel(_ dependencies: AppDependencies) -> ModerationChannel {
    ModerationChannel(
        hub: dependencies.hub,
        features: ModeratedFeatures([InterviewModeration(hub: dependencies.hub), SurveyModeration(), ConsultationModeration()]))
}

/// The configured attachments folder, else `attachments/` beside the
/// database file (a temporary folder for an in-memory database).
func attachmentsDirectory(_ configuration: AppConfiguration, database: AppDatabase) -> URL {
    if let configured = configuration.attachmentsDirectory { return URL(fileURLWithPath: configured) }
    if let file = database.filePath { return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("attachments") }
    return FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-attachments-\(UUID().uuidString)")
}
