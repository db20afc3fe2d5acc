import Foundation
import Testing

/// `wenzheng serve --plan-min-…`: the dashboard's plan targets, read as
/// `wenzheng plan check` reads them.
@Suite("wenzheng serve: plan targets")
struct ServePlanTargetsTests {
    @Test("serve refuses a bad plan target by its option's name")
    func serveTargets() throws {
        let result = try CLI.run(["serve", "--plan-min-interviews", "400"])
        #expect(result.status != 0 && result.error.contains("--plan-min-interviews must be a whole number from 0 to 366"))
        let variable = try CLI.run(["serve"], environment: ["WENZHENG_PLAN_MIN_NOTICE_DAYS": "-1"])
        #expect(variable.status != 0 && variable.error.contains("WENZHENG_PLAN_MIN_NOTICE_DAYS must be a whole number"))
    }
}
