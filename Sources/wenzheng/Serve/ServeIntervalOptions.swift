import ArgumentParser
import WenzhengCore
import WenzhengServer

/// How often `wenzheng serve` does its periodic work.
struct ServeIntervalOptions: ParsableArguments {
    @Option(
        name: .customLong("viewer-count-interval"),
        help: ArgumentHelp(
            "How often interview rooms send their viewer count, e.g. 2s or 500ms. [env: WENZHENG_VIEWER_COUNT_INTERVAL, default: 2s]",
            valueName: "D"))
    var viewerCount: String?

    @Option(
        name: .customLong("heartbeat-interval"),
        help: ArgumentHelp("How often interview rooms send a ping frame. [env: WENZHENG_HEARTBEAT_INTERVAL, default: 20s]", valueName: "D"))
    var heartbeat: String?

    @Option(
        name: .customLong("overdue-sweep-interval"),
        help: ArgumentHelp(
            "How often open letters are checked for passed deadlines. [env: WENZHENG_OVERDUE_SWEEP_INTERVAL, default: 10m]", valueName: "D")
    )
    var overdueSweep: String?

    @Option(
        name: .customLong("survey-close-interval"),
        help: ArgumentHelp(
            "How often surveys past their closing time are closed (which destroys an anonymous survey's key). [env: WENZHENG_SURVEY_CLOSE_INTERVAL, default: 1m]",
            valueName: "D")
    )
    var surveyClose: String?

    @Option(
        name: .customLong("session-prune-interval"),
        help: ArgumentHelp(
            "How often expired sessions and old failed sign-ins are deleted. [env: WENZHENG_SESSION_PRUNE_INTERVAL, default: 1h]",
            valueName: "D"))
    var sessionPrune: String?

    @Option(
        name: .customLong("outbox-interval"),
        help: ArgumentHelp(
            "How often notices due in the outbox are sent (or logged). [env: WENZHENG_OUTBOX_INTERVAL, default: 30s]", valueName: "D"))
    var outbox: String?

    func apply(to configuration: inout AppConfiguration, settings: ServeSettings) throws {
        try settings.read(&configuration.viewerCountInterval, viewerCount, "viewer-count-interval", as: .duration)
        try settings.read(&configuration.heartbeatInterval, heartbeat, "heartbeat-interval", as: .duration)
        try settings.read(&configuration.overdueSweepInterval, overdueSweep, "overdue-sweep-interval", as: .duration)
        try settings.read(&configuration.surveyCloseInterval, surveyClose, "survey-close-interval", as: .duration)
        try settings.read(&configuration.sessionPruneInterval, sessionPrune, "session-prune-interval", as: .duration)
        try settings.read(&configuration.notifications.interval, outbox, "outbox-interval", as: .duration)
    }
}
