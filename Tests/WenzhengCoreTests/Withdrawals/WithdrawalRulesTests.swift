import Foundation
import Testing
import WenzhengCore

@Suite("Withdrawing published text: the shared rule (item 23)")
struct WithdrawalRulesTests {
    let inForce = PublicationWithdrawal(withdrawnById: 1, withdrawnBy: "管理员", withdrawnAt: Date(), reason: "含身份证号")

    @Test("only admins withdraw and republish")
    func onlyAdmins() {
        #expect(WithdrawalRules.roles == [.admin])
        for role in Role.allCases where role != .admin {
            #expect(WithdrawalRules.refusalToWithdraw(by: role, published: true, inForce: nil) == .notAllowed)
            #expect(WithdrawalRules.refusalToRepublish(by: role, inForce: inForce) == .notAllowed)
        }
        #expect(WithdrawalRules.refusalToWithdraw(by: .admin, published: true, inForce: nil) == nil)
        #expect(WithdrawalRules.refusalToRepublish(by: .admin, inForce: inForce) == nil)
    }

    @Test("only what is public can be withdrawn, once; only what is withdrawn can be republished")
    func states() {
        #expect(WithdrawalRules.refusalToWithdraw(by: .admin, published: false, inForce: nil) == .notPublished)
        #expect(WithdrawalRules.refusalToWithdraw(by: .admin, published: true, inForce: inForce) == .alreadyWithdrawn)
        #expect(WithdrawalRules.refusalToRepublish(by: .admin, inForce: nil) == .notWithdrawn)
        #expect(inForce.state == .withdrawn)
        var republished = inForce
        republished.republishedAt = Date()
        #expect(republished.state == .republished)
    }

    @Test("a reason is required, trimmed, and at most 500 characters")
    func reason() {
        var errors: [FieldError] = []
        #expect(WithdrawalRules.reason("  含手机号  ", into: &errors) == "含手机号")
        #expect(errors.isEmpty)
        _ = WithdrawalRules.reason("   ", into: &errors)
        #expect(errors.map(\.code) == ["required"])
        errors = []
        _ = WithdrawalRules.reason(nil, into: &errors)
        #expect(errors.map(\.code) == ["required"])
        errors = []
        _ = WithdrawalRules.reason(String(repeating: "因", count: 500), into: &errors)
        #expect(errors.isEmpty)
        _ = WithdrawalRules.reason(String(repeating: "因", count: 501), into: &errors)
        #expect(errors.map(\.code) == ["too_long"] && errors.first?.field == "reason")
    }

    @Test("a corrected text is masked like citizens' text, the author's name too, and measured once masked")
    func correctedTextIsMasked() {
        var errors: [FieldError] = []
        let masked = WithdrawalRules.correctedText(
            "张三的电话是13812345678", field: "body", maxLength: 100, authorName: "张三", into: &errors)
        #expect(errors.isEmpty)
        #expect(masked.text == "张*的电话是138****5678")
        #expect(Set(masked.spans.map(\.kind)) == [.name, .mobile])
        _ = WithdrawalRules.correctedText(" ", field: "body", maxLength: 100, authorName: nil, into: &errors)
        #expect(errors.map(\.code) == ["required"])
        errors = []
        // 15 characters, but masking an e-mail address makes it longer.
        _ = WithdrawalRules.correctedText("a@bcdefghij.com", field: "body", maxLength: 15, authorName: nil, into: &errors)
        #expect(errors.map(\.code) == ["too_long"])
    }
}
