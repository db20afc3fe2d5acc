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
        _ = noticeLinks
        stores.accounts = PostgresAccountsStore(backend: postgres)
        stores.audit = PostgresAuditStore(backend: postgres)
        stores.secrets = PostgresServerSecretStore(backend: postgres)
        stores.rateLimits = PostgresRateLimitStore(backend: postgres)
        stores.notifications = PostgresNotificationsStore(backend: postgres)
        stores.privacy = PostgresPrivacyStore(backend: postgres)
        // Features that react to another's changes do so in its transaction.
        // wiring: the interviews and mailbox stores (PostgresInterviewsStore,
        // PostgresMailboxStore, as PostgresCalendarDependent) join
        // `dependents` when they land, as in `sqliteStores`.
        stores.calendar = PostgresCalendarStore(backend: postgres, dependents: [])
        return stores
    }

    /// A database on PostgreSQL whose missing features stand in from
    /// `standIns` (see `postgresStores`).
    static func postgres(_ postgres: PostgresBackend, noticeLinks: LetterNoticeLinks = .localDefault, standIns: AppDatabase) -> AppDatabase {
        let sqliteStores = Stores(
            accounts: standIns.accounts, audit: standIns.audit, calendar: standIns.calendar, moderation: standIns.moderation,
            interviews: standIns.interviews, mailbox: standIns.mailbox, surveys: standIns.surveys,
            consultations: standIns.consultations, notifications: standIns.notifications, events: standIns.events,
            secrets: standIns.secrets, privacy: standIns.privacy, rateLimits: standIns.rateLimits)
        return AppDatabase(
            backend: .postgres(postgres), stores: postgresStores(postgres, noticeLinks: noticeLinks, standIns: sqliteStores),
            commitTiming: CommitTiming())
    }
}
