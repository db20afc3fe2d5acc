import Foundation
import WenzhengCore
import WenzhengStore

/// The year's plan of interviews and open days, as `wenzheng plan check`
/// reports it: the same store query, the same Core check
/// (`AnnualPlan.check`) and the same targets (`AppConfiguration.planTargets`,
/// from the same `WENZHENG_PLAN_MIN_…` variables), so the command and the
/// pages cannot disagree.
///
/// It lives apart from `Server/Events` (the open days' pages) because two
/// other features' pages show it: the office dashboard (`/office/dashboard`:
/// admins, handlers, reviewers) and the interview organisers' list
/// (`/staff/interviews`: admins and hosts).
struct AnnualPlanReader: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let targets: PlanTargets

    /// The plan of the current year (Beijing time).
    func report() async throws -> PlanReport {
        let now = clock.now()
        let year = CivilDate(now).year
        return AnnualPlan.check(
            year: year, events: try await database.events.plannedEvents(year: year), targets: targets,
            calendar: try await database.calendar.workingDayCalendar(), now: now)
    }
}

/// The plan panel (partial `annual-plan`): counts against the targets, met
/// or not, the quarters, and each failure and warning in the reader's
/// language (translated by the finding's kind, `plan.findings.<kind>`).
struct AnnualPlanPanel {
    struct Target {
        let label: String
        let planned: Int
        let required: Int
        let met: Bool
        let kind: String
    }

    struct Quarter {
        let name: String
        let range: String
        let interviews: Int
        let openDays: Int
        /// No interview: the row is marked, as the warning says.
        let empty: Bool
    }

    struct Finding {
        let kind: String
        let text: String
    }

    let year: Int
    let heading: String
    let passes: Bool
    let verdict: String
    let targets: [Target]
    let quarters: [Quarter]
    let failures: [Finding]
    let hasFailures: Bool
    let warnings: [Finding]
    let hasWarnings: Bool
    /// The same report on the command line.
    let command: String

    init(_ report: PlanReport, text: PageText) {
        year = report.year
        heading = text.format("plan.heading", ["year": String(report.year)])
        passes = report.passes
        verdict = text(report.passes ? "plan.met" : "plan.notMet")
        targets = [
            Target(
                label: text("plan.interviews"), planned: report.interviews, required: report.targets.interviews,
                met: report.interviews >= report.targets.interviews, kind: "interviews"),
            Target(
                label: text("plan.openDays"), planned: report.openDays, required: report.targets.openDays,
                met: report.openDays >= report.targets.openDays, kind: "open-days"),
        ]
        quarters = report.quarters.map { quarter in
            Quarter(
                name: text("plan.quarters.q\(quarter.quarter)"), range: "\(quarter.firstDay) – \(quarter.lastDay)",
                interviews: quarter.interviews, openDays: quarter.openDays, empty: quarter.interviews == 0)
        }
        let events = Dictionary(
            report.quarters.flatMap(\.events).map { ("\($0.kind.rawValue):\($0.id)", $0) }, uniquingKeysWith: { first, _ in first })
        func finding(_ finding: PlanFinding) -> Finding {
            let event = finding.eventKind.flatMap { kind in finding.eventID.flatMap { events["\(kind.rawValue):\($0)"] } }
            let values: [String: String] = [
                "year": String(report.year),
                "count": String(finding.kind == .tooFewOpenDays ? report.openDays : report.interviews),
                "required": String(finding.kind == .tooFewOpenDays ? report.targets.openDays : report.targets.interviews),
                "quarter": finding.quarter.map { text("plan.quarters.q\($0)") } ?? "",
                "kind": finding.eventKind.map { text("plan.kinds.\($0.rawValue)") } ?? "",
                "title": event?.title ?? "",
                "date": event?.date ?? "",
                "day": event.map { $0.holiday ?? text("plan.days.\($0.day)") } ?? "",
                "notice": event?.noticeDays.map(String.init) ?? "",
                "minimum": String(report.targets.minimumNoticeDays),
            ]
            let key = "plan.findings.\(finding.kind.rawValue)"
            let translated = text.format(key, values)
            return Finding(kind: finding.kind.rawValue, text: translated == key ? finding.message : translated)
        }
        failures = report.failures.map(finding)
        hasFailures = !failures.isEmpty
        warnings = report.warnings.map(finding)
        hasWarnings = !warnings.isEmpty
        command = "wenzheng plan check --year \(report.year)"
    }
}
