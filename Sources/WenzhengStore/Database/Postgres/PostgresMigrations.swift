/// One step of the PostgreSQL schema's history: its identifier (recorded in
/// the database once applied) and its SQL statements, run one by one in
/// order. One statement per element because the extended query protocol
/// refuses several in one string (a PL/pgSQL body is one statement).
struct PostgresMigration: Sendable {
    let identifier: String
    let statements: [String]
}

/// The PostgreSQL schema's history, in order. It starts at the SQLite
/// schema as it was after `v19-retention` (no PostgreSQL deployment existed
/// before), one migration per feature in the order their foreign keys need:
/// accounts first (departments, users, and the helper functions every later
/// step uses), moderation before the interviews, mailbox, surveys and
/// consultations that link to its items, interviews before the withdrawals
/// of transcript entries. Each feature's statements live beside the feature
/// (`<Feature>/<Feature>PostgresSchema.swift`). Append new migrations at
/// the end; never edit one that has landed.
enum PostgresMigrations {
    static let all: [PostgresMigration] = [
        .init(identifier: "pg1-accounts", statements: AccountsPostgresSchema.create),
        .init(identifier: "pg2-moderation", statements: ModerationPostgresSchema.create),
        .init(identifier: "pg3-interviews", statements: InterviewsPostgresSchema.create),
        .init(identifier: "pg4-calendar", statements: CalendarPostgresSchema.create),
        .init(identifier: "pg5-mailbox", statements: MailboxPostgresSchema.create),
        .init(identifier: "pg6-server-secrets", statements: ServerSecretPostgresSchema.create),
        .init(identifier: "pg7-withdrawals", statements: WithdrawalsPostgresSchema.create),
        .init(identifier: "pg8-surveys", statements: SurveysPostgresSchema.create),
        .init(identifier: "pg9-consultations", statements: ConsultationsPostgresSchema.create),
        .init(identifier: "pg10-notifications", statements: NotificationsPostgresSchema.create),
        .init(identifier: "pg11-events", statements: EventsPostgresSchema.create),
        .init(identifier: "pg12-rate-limits", statements: RateLimitPostgresSchema.create),
        .init(identifier: "pg13-calendar-shipped-years", statements: CalendarPostgresSchema.seedShippedYears),
        .init(identifier: "pg14-default-reply-periods", statements: MailboxPostgresSchema.seedDefaultPeriods),
        .init(identifier: "pg15-rate-limit-counts", statements: RateLimitPostgresSchema.countStoredAttempts),
    ]
}
