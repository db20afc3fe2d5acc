import Foundation
import Logging
import WenzhengCore

/// Everything `wenzheng serve` can be told. Built by the executable from
/// its options and environment; tests build one directly.
public struct AppConfiguration: Sendable {
    /// Address to listen on. 127.0.0.1 by default: an intranet deployment
    /// puts a reverse proxy in front or says `--host 0.0.0.0` on purpose.
    public var host: String
    /// Port to listen on; 0 asks the system for a free one.
    public var port: Int
    /// The Web/ folder: templates, static assets, translations.
    public var webRoot: String
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are
    /// believed (docs/security.md). Empty: the TCP peer is the client.
    public var trustedProxies: [IPNetwork]
    /// Mark the session cookie `Secure`. Set when the server is reached
    /// over TLS (directly or through a proxy).
    public var secureCookies: Bool
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// Largest multipart form (a letter with its attachments), in bytes.
    public var maxUploadBytes: Int
    /// Where attachments are kept (`AttachmentFiles`): outside the web
    /// root, readable only by the server's user, and part of every backup.
    /// Nil: `attachments/` beside the database file.
    public var attachmentsDirectory: String?
    /// Whether an information-disclosure request must carry a proof of
    /// identity (art. 29 of the 2019 Regulations on Open Government
    /// Information).
    public var requireIdentityProof: Bool
    /// How long a staff session lasts from login.
    public var sessionLifetime: TimeInterval
    /// bcrypt cost for new staff password hashes. 12 in production; tests
    /// may lower it to keep the suite fast.
    public var passwordHashCost: UInt8
    /// bcrypt cost for citizens' letter query passwords: 10, or the staff
    /// cost when that is lower. They are random (8 characters from 31,
    /// about 40 bits), not chosen by people, so they need less stretching
    /// than staff passwords: cost 10 keeps an offline guess per letter
    /// impractical while a submission costs ~60 ms of CPU instead of ~250 ms.
    public var letterPasswordHashCost: UInt8
    public static let defaultLetterPasswordHashCost: UInt8 = 10
    /// Failed staff sign-in throttling.
    public var loginThrottle: LoginThrottlePolicy
    /// Failed letter-query throttling (citizens' letter passwords), apart
    /// from staff sign-in.
    public var letterQueryThrottle: LoginThrottlePolicy
    /// Questions one browser may ask an interview (its signed browser key),
    /// and one client address, over a sliding window.
    public var questionLimitPerBrowser: RateLimitPolicy
    public var questionLimitPerAddress: RateLimitPolicy
    /// Votes for questions from one client address, in all, and for one
    /// question (docs/security.md).
    public var voteLimitPerAddress: RateLimitPolicy
    public var voteLimitPerQuestion: RateLimitPolicy
    /// Letters one client address may send: each costs a bcrypt hash and a row.
    public var letterLimitPerAddress: RateLimitPolicy
    /// Letters one browser (signed cookie) may send: tighter than the
    /// address's, which citizens behind one carrier address share.
    public var letterLimitPerBrowser: RateLimitPolicy
    /// Letter searches one client address may run.
    public var letterSearchLimit: RateLimitPolicy
    public static let defaultLetterSearchLimit = RateLimitPolicy(limit: 30, window: 60)
    /// The global caps on CPU-costly work, whoever asks (docs/security.md,
    /// "Costly requests"): bcrypt hashes and letter searches running at once,
    /// and waiting; past both, 503 with Retry-After.
    public var costlyWorkConcurrency: Int
    public var costlyWorkQueue: Int
    /// How long one letter search may run before it is stopped (503): the
    /// window bounds the rows a search keeps, not the posting lists a phrase
    /// of common bigrams walks to find them.
    public var letterSearchTimeLimit: Duration
    /// How long a 429 or 503 answer is held before it is sent
    /// (`RefusalDelayMiddleware`); `wenzheng serve` holds it 1 s unless
    /// told otherwise, zero here so that tests get their refusals at once.
    public var refusalDelay: Duration = .zero
    /// The lowest level logged; the access log is at `info`.
    public var logLevel: Logger.Level
    /// How often interview rooms send their viewer count (when it changed).
    public var viewerCountInterval: Duration
    /// Interview viewer sockets one client address may hold open at once;
    /// more are refused at the handshake with 429. Generous, because behind
    /// carrier NAT thousands of phones share one address.
    public var maxViewerSocketsPerAddress: Int
    public static let defaultMaxViewerSocketsPerAddress = 2000
    /// Unsent bytes one viewer socket may have queued before it is cut off
    /// with close code 4000 (docs/live-protocol.md).
    public var viewerByteBudget: Int
    /// About 800 entries of 300 bytes. The frames are shared by every
    /// viewer, so a slow viewer's queue holds references, not copies.
    public static let defaultViewerByteBudget = 256 * 1024
    /// How often interview rooms send a `ping` frame, so clients can tell a
    /// dead connection.
    public var heartbeatInterval: Duration
    /// How often open letters are checked for passed deadlines.
    public var overdueSweepInterval: Duration
    /// When departments get their daily digest of letters due soon and
    /// overdue; nil for none (`--digest-time off`).
    public var letterDigest: LetterDigestSchedule? = .standard
    /// How often the server checks whether the digest is due.
    public var letterDigestCheckInterval: Duration = .seconds(60)
    /// The site's public address, for links in notices; the server's
    /// database is opened with it (`AppDatabase.openFile(…, noticeLinks:)`).
    public var noticeLinks = LetterNoticeLinks.localDefault
    /// How often surveys past their closing time are closed: closing
    /// destroys an anonymous survey's duplicate-check key, so it should not
    /// wait for an organiser.
    public var surveyCloseInterval: Duration
    /// How often expired sessions and old sign-in and letter-query failures
    /// are deleted.
    public var sessionPruneInterval: Duration
    /// How long citizens' personal data is kept once its matter is over
    /// (docs/privacy.md): `RetentionPurge` erases what is older.
    public var retention: RetentionPolicy = .defaults
    /// How often the retention pass runs (also once at start).
    public var retentionInterval: Duration = .seconds(6 * 3600)
    /// The server's name in logs and the `Server` header.
    public var serverName: String
    /// Survey responses one client address may send (beside the one
    /// response per browser or invitation): stops a script from stuffing an
    /// open survey, while an office behind one address can still answer.
    public var surveyAnswerLimit: RateLimitPolicy
    /// Comments on drafts one client address may send: each goes to the
    /// moderators' queue.
    public var consultationCommentLimit: RateLimitPolicy
    /// Where `GET /metrics` is served (Server/Metrics), apart from the
    /// public port; nil: nowhere. `wenzheng serve` says 127.0.0.1:9464
    /// unless told otherwise; nil here, so tests open no second port.
    public var metricsAddress: ListenAddress?
    /// The outbox's sender: how often, and the mail server if any
    /// (docs/notifications.md). By default notices go to the log.
    public var notifications = NotificationSettings()
    /// Open-day registrations one client address may send: each takes
    /// seats or a place on the waitlist, so a script must not fill an open
    /// day with invented phone numbers.
    public var eventRegistrationLimit: RateLimitPolicy
    /// Confirmation-code guesses one client address may make (lookups and
    /// cancellations whose code matches no registration): the code is the
    /// bearer secret for cancelling.
    public var eventCodeLimit: RateLimitPolicy
    /// What the year's plan must hold (interviews, open days, notice days),
    /// for the dashboard's plan panel; `wenzheng plan check` reads the same
    /// `WENZHENG_PLAN_MIN_…` variables.
    public var planTargets: PlanTargets

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        webRoot: String,
        secureCookies: Bool = false,
        trustedProxies: [IPNetwork] = [],
        maxBodyBytes: Int = 256 * 1024,
        maxUploadBytes: Int = AttachmentRules.maxCitizenBytes + 1024 * 1024,
        attachmentsDirectory: String? = nil,
        requireIdentityProof: Bool = false,
        sessionLifetime: TimeInterval = 12 * 3600,
        passwordHashCost: UInt8 = PasswordHasher.productionCost,
        letterPasswordHashCost: UInt8? = nil,
        loginThrottle: LoginThrottlePolicy = .staffSignIn,
        letterQueryThrottle: LoginThrottlePolicy = .letterQuery,
        questionLimitPerBrowser: RateLimitPolicy = .init(limit: 5, window: 600),
        questionLimitPerAddress: RateLimitPolicy = .init(limit: 30, window: 600),
        voteLimitPerAddress: RateLimitPolicy = .init(limit: 60, window: 600),
        voteLimitPerQuestion: RateLimitPolicy = .init(limit: 10, window: 3600),
        letterLimitPerAddress: RateLimitPolicy = .init(limit: 20, window: 600),
        letterLimitPerBrowser: RateLimitPolicy = .init(limit: 5, window: 600),
        letterSearchLimit: RateLimitPolicy = Self.defaultLetterSearchLimit,
        costlyWorkConcurrency: Int = max(1, ProcessInfo.processInfo.activeProcessorCount),
        costlyWorkQueue: Int = 16,
        letterSearchTimeLimit: Duration = .seconds(2),
        surveyAnswerLimit: RateLimitPolicy = .init(limit: 60, window: 600),
        consultationCommentLimit: RateLimitPolicy = .init(limit: 10, window: 600),
        eventRegistrationLimit: RateLimitPolicy = .init(limit: 20, window: 600),
        eventCodeLimit: RateLimitPolicy = .init(limit: 20, window: 600),
        planTargets: PlanTargets = .default,
        logLevel: Logger.Level = .info,
        serverName: String = "wenzheng",
        viewerCountInterval: Duration = .seconds(2),
        maxViewerSocketsPerAddress: Int = Self.defaultMaxViewerSocketsPerAddress,
        viewerByteBudget: Int = Self.defaultViewerByteBudget,
        heartbeatInterval: Duration = .seconds(20),
        overdueSweepInterval: Duration = .seconds(600),
        surveyCloseInterval: Duration = .seconds(60),
        sessionPruneInterval: Duration = .seconds(3600)
    ) {
        self.host = host
        self.port = port
        self.webRoot = webRoot
        self.secureCookies = secureCookies
        self.trustedProxies = trustedProxies
        self.maxBodyBytes = maxBodyBytes
        self.maxUploadBytes = maxUploadBytes
        self.attachmentsDirectory = attachmentsDirectory
        self.requireIdentityProof = requireIdentityProof
        self.sessionLifetime = sessionLifetime
        self.passwordHashCost = passwordHashCost
        self.letterPasswordHashCost = letterPasswordHashCost ?? min(passwordHashCost, Self.defaultLetterPasswordHashCost)
        self.loginThrottle = loginThrottle
        self.letterQueryThrottle = letterQueryThrottle
        self.questionLimitPerBrowser = questionLimitPerBrowser
        self.questionLimitPerAddress = questionLimitPerAddress
        self.voteLimitPerAddress = voteLimitPerAddress
        self.voteLimitPerQuestion = voteLimitPerQuestion
        self.letterLimitPerAddress = letterLimitPerAddress
        self.letterLimitPerBrowser = letterLimitPerBrowser
        self.letterSearchLimit = letterSearchLimit
        self.costlyWorkConcurrency = costlyWorkConcurrency
        self.costlyWorkQueue = costlyWorkQueue
        self.letterSearchTimeLimit = letterSearchTimeLimit
        self.surveyAnswerLimit = surveyAnswerLimit
        self.consultationCommentLimit = consultationCommentLimit
        self.eventRegistrationLimit = eventRegistrationLimit
        self.eventCodeLimit = eventCodeLimit
        self.planTargets = planTargets
        self.logLevel = logLevel
        self.serverName = serverName
        self.viewerCountInterval = viewerCountInterval
        self.maxViewerSocketsPerAddress = maxViewerSocketsPerAddress
        self.viewerByteBudget = viewerByteBudget
        self.heartbeatInterval = heartbeatInterval
        self.overdueSweepInterval = overdueSweepInterval
        self.surveyCloseInterval = surveyCloseInterval
        self.sessionPruneInterval = sessionPruneInterval
    }
}
