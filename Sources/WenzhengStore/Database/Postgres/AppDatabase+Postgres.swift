import Foundation
import Logging
import WenzhengCore

extension AppDatabase {
    /// The PostgreSQL stores over one connection pool, wired as
    /// `sqliteStores` wires the GRDB ones.
    static func postgresStores(_ postgres: PostgresBackend, noticeLinks: LetterNoticeLinks) -> Stores {
        let interviews = PostgresInterviewsStore(backend: postgres)
        let mailbox = PostgresMailboxStore(backend: postgres, links: noticeLinks)
        let surveys = PostgresSurveysStore(backend: postgres)
        let consultations = PostgresConsultationsStore(backend: postgres)
        return Stores(
            accounts: PostgresAccountsStore(backend: postgres),
            audit: PostgresAuditStore(backend: postgres),
            // Features that react to another's changes do so in its transaction.
            calendar: PostgresCalendarStore(backend: postgres, dependents: [interviews, mailbox]),
            moderation: PostgresModerationStore(backend: postgres, subjects: [interviews, mailbox, surveys, consultations]),
            interviews: interviews,
            mailbox: mailbox,
            surveys: surveys,
            consultations: consultations,
            notifications: PostgresNotificationsStore(backend: postgres),
            events: PostgresEventsStore(backend: postgres),
            secrets: PostgresServerSecretStore(backend: postgres),
            privacy: PostgresPrivacyStore(backend: postgres),
            rateLimits: PostgresRateLimitStore(backend: postgres))
    }

    /// The database over an open PostgreSQL backend.
    static func postgres(_ postgres: PostgresBackend, noticeLinks: LetterNoticeLinks = .localDefault) -> AppDatabase {
        AppDatabase(backend: .postgres(postgres), stores: postgresStores(postgres, noticeLinks: noticeLinks), commitTiming: CommitTiming())
    }
}

extension AppDatabase {
    /// Opens a PostgreSQL database and brings its schema up to date: the
    /// backend for several server nodes (`wenzheng serve --database`).
    ///
    /// - Throws: `StoreError.cannotOpen` (one line: the server's answer or
    ///   why it could not be reached), `StoreError.newerSchema`.
    public static func openPostgres(
        _ location: PostgresLocation, logger: Logger, noticeLinks: LetterNoticeLinks = .localDefault, maximumConnections: Int = 20
    ) async throws -> AppDatabase {
        let postgres = try await PostgresBackend.connect(to: location, logger: logger, maximumConnections: maximumConnections)
        return .postgres(postgres, noticeLinks: noticeLinks)
    }
}
