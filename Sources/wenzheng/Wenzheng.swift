import ArgumentParser

/// `wenzheng`: the server and every office tool, in one executable.
@main
struct Wenzheng: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wenzheng",
        abstract: "Wenzheng (问政): public participation and online interviews for government offices.",
        discussion: """
            Every subcommand works on the database named by --db or WENZHENG_DB \
            (default ./var/wenzheng.sqlite). The server and the command-line tools can \
            use the same database at the same time.
            """,
        subcommands: [
            ServeCommand.self, UsersCommand.self, DepartmentsCommand.self, NotificationsCommand.self, ModerationCommand.self, AuditCommand.self, CalendarCommand.self, DeadlinesCommand.self,
            SurveyCommand.self, ScheduleCommand.self, EventsCommand.self, PlanCommand.self, ExportCommand.self, BackupCommand.self,
            MigrateToPostgresCommand.self,
            PrivacyCommand.self, DemoCommand.self,
        ]
    )
}
