import ArgumentParser
import WenzhengCore
import WenzhengServer

/// The year's plan targets for the office dashboard's plan panel: the same
/// variables `wenzheng plan check` reads (`PlanTargetSettings`), so the
/// panel and the command show the same plan.
struct ServePlanOptions: ParsableArguments {
    @Option(
        name: .customLong("plan-min-interviews"),
        help: ArgumentHelp("Interviews the year's plan needs. [env: WENZHENG_PLAN_MIN_INTERVIEWS, default: 4]", valueName: "N"))
    var interviews: String?

    @Option(
        name: .customLong("plan-min-open-days"),
        help: ArgumentHelp("Open days the year's plan needs. [env: WENZHENG_PLAN_MIN_OPEN_DAYS, default: 1]", valueName: "N"))
    var openDays: String?

    @Option(
        name: .customLong("plan-min-notice-days"),
        help: ArgumentHelp(
            "Days an interview is announced ahead, at least. [env: WENZHENG_PLAN_MIN_NOTICE_DAYS, default: 3]", valueName: "N"))
    var noticeDays: String?

    func apply(to configuration: inout AppConfiguration, settings: ServeSettings) throws {
        do {
            configuration.planTargets = try PlanTargetSettings.read(
                interviews: (interviews, "--plan-min-interviews"), openDays: (openDays, "--plan-min-open-days"),
                noticeDays: (noticeDays, "--plan-min-notice-days"), environment: settings.environment)
        } catch let failure as ValidationFailure {
            throw ValidationError(failure.errors.map(\.message).joined(separator: "; "))
        }
    }
}
