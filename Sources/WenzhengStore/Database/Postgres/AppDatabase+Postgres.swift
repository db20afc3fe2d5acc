import Foundation
import Logging
import WenzhengCore

extension AppDatabase {
    /// The PostgreSQL stores over one connection pool. Features not yet on
    /// PostgreSQL take theirs from `standIns` (tests only, while issue 16
    /// is under way; the server does not open PostgreSQL until every
    /// feature has its store).
    static func postgresStores(_ postgres: PostgresBackend, noticeLinks: LetterNoticeLinks, standIns: Stores) -> Stores {
        var stores = standIns
        stores.accounts = PostgresAccountsStore(backend: postgres)
        stores.audit = PostgresAuditStore(backend: postgres)
        stores.secrets = PostgresServerSecretStore(backend: postgres)
        let interviews = PostgresInterviewsStore(backend: postgres)
        let mailbox = PostgresMailboxStore(backend: postgres, links: noticeLinks)
        let surveys = PostgresSurveysStore(backend: postgres)
        let consultations = PostgresConsultationsStore(backend: postgres)
        stores.interviews = interviews
        stores.mailbox = mailbox
        stores.surveys = surveys
        stores.consultations = consultations
        stores.events = PostgresEventsStore(backend: postgres)
        stores.moderation = PostgresModerationStore(backend: postgres, subjects: [interviews, mailbox, surveys, consultations])
        // wiring: PostgresCalendarStore(backend: postgres, dependents: [interviews, mailbox])
        return stores
    }

    /// A database on PostgreSQL whose missing features stand in from
    /// `standIns` (see `postgresStores`).
    static func postgres(_ postgres: PostgresBackend, noticeLinks: LetterNoticeLinks = .localDefault, standIns: AppDatabase) -> AppDatabase {
        let sqliteStores = Stores(
            accounts: standIns.accounts, audit: standIns.audit, calendar: standIns.calendar, moderation: standIns.moderation,
            interviews: standIns.interviews, mailbox: standIns.mailbox, surveys: standIns.surveys,
            consultations: standIns.consultations, notifications: standIns.notifications, events: standIns.events,
            secrets: standIns.secrets, privacy: standIns.privacy)
        return AppDatabase(
            backend: .postgres(postgres), stores: postgresStores(postgres, noticeLinks: noticeLinks, standIns: sqliteStores),
            commitTiming: CommitTiming())
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
        // merge: every feature on PostgreSQL — the stand-ins go.
        return .postgres(postgres, noticeLinks: noticeLinks, standIns: try .inMemory(noticeLinks: noticeLinks))
    }
}
