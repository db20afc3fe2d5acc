import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import WenzhengCore
import WenzhengStore

/// Everything the routes need, built once at start.
public struct AppDependencies: Sendable {
    public var configuration: AppConfiguration
    public var database: AppDatabase
    public var clock: any WallClock
    public var logger: Logger
    /// The word lists and rules from the Moderation/ folder.
    public var moderation: ModerationLibrary
    public var hub: LiveHub

    public init(
        configuration: AppConfiguration, database: AppDatabase, moderation: ModerationLibrary, clock: any WallClock = SystemClock(),
        hub: LiveHub? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.database = database
        self.moderation = moderation
        self.clock = clock
        // The hub holds the live limits, so it is made from the configuration
        // unless a test passes its own.
        self.hub = hub ?? LiveHub(maxViewerSocketsPerAddress: configuration.maxViewerSocketsPerAddress)
        self.logger = logger
    }
}

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
    let services: [any Service] =
        [
            DatabaseCheckpointService(database: dependencies.database, logger: dependencies.logger),
            ModerationReloadService(library: dependencies.moderation, hub: dependencies.hub, logger: dependencies.logger),
            SessionPruning.service(
                database: dependencies.database, clock: dependencies.clock, logger: dependencies.logger,
                interval: configuration.sessionPruneInterval),
            OverdueLetterService(database: dependencies.database, clock: dependencies.clock, logger: dependencies.logger)
                .service(interval: configuration.overdueSweepInterval),
        ]
        + LiveTicker.services(
            hub: dependencies.hub, viewerCountInterval: configuration.viewerCountInterval,
            heartbeatInterval: configuration.heartbeatInterval)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(
            ws: .init(
                // No WebSocket-level auto-ping: every room already sends a JSON
                // ping each 20 s, and the ping task cost memory per connection.
                maxFrameSize: LiveSocket.maxInboundFrame, autoPing: .disabled, closeTimeout: .seconds(5),
                validateUTF8: true))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: configuration.serverName),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress) },
        logger: dependencies.logger
    )
}

/// The router with every feature mounted. Middleware order, outermost
/// first: client address, access log, security headers, `+` in query
/// strings read as spaces, errors to problems/pages, static files, body
/// limit, same-origin check, session and CSRF.
public func buildRouter(_ dependencies: AppDependencies) async throws -> Router<AppRequestContext> {
    let configuration = dependencies.configuration
    let database = dependencies.database
    let clock = dependencies.clock
    let pages = try await PageRenderer(webRoot: configuration.webRoot)
    let hasher = PasswordHasher(cost: configuration.passwordHashCost)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(resolver: ClientAddressResolver(trustedProxies: configuration.trustedProxies)))
    router.add(middleware: AccessLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: FormQueryMiddleware())
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

    HealthController(database: database).addRoutes(to: router)
    try OpenAPIController(webRoot: configuration.webRoot).addRoutes(to: router)
    HomeController(pages: pages, database: database, clock: clock).addRoutes(to: router)
    PreferencesController(secureCookies: configuration.secureCookies).addRoutes(to: router)
    let login = StaffLogin(
        database: database, clock: clock, hasher: hasher, policy: configuration.loginThrottle,
        sessionLifetime: configuration.sessionLifetime, logger: dependencies.logger)
    AuthController(login: login, database: database, clock: clock, pages: pages, secureCookies: configuration.secureCookies)
        .addRoutes(to: router)
    StaffController(database: database, clock: clock, hasher: hasher, pages: pages).addRoutes(to: router)
    ModerationController(database: database, clock: clock, library: dependencies.moderation, hub: dependencies.hub, pages: pages)
        .addRoutes(to: router)
    AuditController(database: database, pages: pages).addRoutes(to: router)
    let browserKeys = BrowserKeys(secret: try await database.secrets.serverSecret(purpose: BrowserKeys.secretPurpose, at: clock.now()))
    let interviewActions = InterviewActions(
        database: database, clock: clock, hub: dependencies.hub, library: dependencies.moderation,
        questionLimiter: QuestionRateLimiter(), browserKeys: browserKeys, voteLimiter: VoteRateLimiter())
    InterviewsController(database: database, actions: interviewActions, hub: dependencies.hub, secureCookies: configuration.secureCookies)
        .addRoutes(to: router)
    InterviewPagesController(actions: interviewActions, pages: pages, secureCookies: configuration.secureCookies)
        .addRoutes(to: router)
    // Letter query passwords are random (8 characters from 31, about 40
    // bits), not chosen by people, so they need less stretching than staff
    // passwords: cost 10 keeps an offline guess per letter impractical while
    // a submission costs ~60 ms of CPU instead of ~250 ms.
    let letterPasswordHasher = PasswordHasher(cost: min(configuration.passwordHashCost, 10))
    let letterAttachments = LetterAttachments(
        files: try AttachmentFiles(root: attachmentsDirectory(configuration, database: database)),
        requireIdentityProof: configuration.requireIdentityProof)
    MailboxPublicController(
        database: database, clock: clock, hasher: letterPasswordHasher, pages: pages, policy: configuration.letterQueryThrottle,
        attachments: letterAttachments, logger: dependencies.logger
    ).addRoutes(to: router)
    MailboxOffice(database: database, clock: clock, library: dependencies.moderation, pages: pages, attachments: letterAttachments)
        .addRoutes(to: router)
    let consultationActions = ConsultationActions(database: database, clock: clock, library: dependencies.moderation)
    ConsultationsAPIController(actions: consultationActions).addRoutes(to: router)
    ConsultationsPagesController(actions: consultationActions, pages: pages, uploads: letterAttachments.files).addRoutes(to: router)
    return router
}

/// The configured attachments folder, else `attachments/` beside the
/// database file (a temporary folder for an in-memory database).
func attachmentsDirectory(_ configuration: AppConfiguration, database: AppDatabase) -> URL {
    if let configured = configuration.attachmentsDirectory { return URL(fileURLWithPath: configured) }
    if let file = database.filePath { return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("attachments") }
    return FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-attachments-\(UUID().uuidString)")
}
