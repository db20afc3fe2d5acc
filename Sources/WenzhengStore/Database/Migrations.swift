import GRDB

/// The schema's history, in the order it happened. Each feature defines its
/// migrations beside its feature (`<Feature>/<Feature>Schema.swift`); this
/// list is the one place that orders them. Append new migrations at the
/// end; never edit one that has landed, because deployed databases have
/// already run it.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts-sessions-audit", migrate: AccountsSchema.createAccountsSessionsAudit)
        migrator.registerMigration("v2-moderation-queue", migrate: ModerationSchema.createModerationQueue)
        migrator.registerMigration("v3-interviews", migrate: InterviewsSchema.createInterviews)
        migrator.registerMigration("v4-working-day-calendar", migrate: CalendarSchema.createWorkingDayCalendar)
        migrator.registerMigration("v5-mailbox", migrate: MailboxSchema.createMailbox)
        migrator.registerMigration("v6-letter-search", migrate: MailboxSchema.createLetterSearch)
        migrator.registerMigration("v7-letter-attachments", migrate: MailboxSchema.createLetterAttachments)
        migrator.registerMigration("v8-interview-answer-departments", migrate: InterviewsSchema.addInterviewAnswerDepartments)
        migrator.registerMigration("v9-reply-clock", migrate: MailboxSchema.extendMailboxForTheReplyClock)
        migrator.registerMigration("v10-letter-query-failures", migrate: AccountsSchema.createLetterQueryFailures)
        migrator.registerMigration("v11-server-secrets", migrate: ServerSecretSchema.createServerSecrets)
        migrator.registerMigration("v12-withdrawals", migrate: WithdrawalsSchema.createWithdrawals)
        migrator.registerMigration("v13-surveys", migrate: SurveysSchema.createSurveys)
        migrator.registerMigration("v14-consultations", migrate: ConsultationsSchema.createConsultations)
        migrator.registerMigration("v15-outbox", migrate: NotificationsSchema.createOutbox)
        migrator.registerMigration("v16-events", migrate: EventsSchema.createEvents)
        migrator.registerMigration(
            "v17-interview-cancellation", foreignKeyChecks: .deferred, migrate: InterviewsSchema.addInterviewCancellation)
        migrator.registerMigration("v18-notification-addresses", migrate: NotificationsSchema.addNotificationAddresses)
        migrator.registerMigration("v19-retention", migrate: PrivacySchema.allowErasedLetterContacts)
        migrator.registerMigration("v20-rate-limits", migrate: RateLimitSchema.createRateLimits)
        migrator.registerMigration("v21-rate-limit-counts", migrate: RateLimitSchema.countStoredAttempts)
        return migrator
    }
}
