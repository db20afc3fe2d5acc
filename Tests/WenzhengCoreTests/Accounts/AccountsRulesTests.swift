import Foundation
import Testing
import WenzhengCore

@Suite("Staff account rules")
struct AccountsRulesTests {
    @Test("usernames are normalised to lowercase ASCII", arguments: [("Admin", "admin"), (" li.ming ", "li.ming"), ("zhang_san-2", "zhang_san-2")])
    func normalizesUsernames(input: String, expected: String) throws {
        #expect(try StaffAccountRules.normalizedUsername(input) == expected)
    }

    @Test("malformed usernames are refused with a reason", arguments: ["", "a", "张三", "-admin", "a b", String(repeating: "x", count: 33), "admin\n"])
    func refusesBadUsernames(input: String) {
        #expect(throws: FieldError.self) { try StaffAccountRules.normalizedUsername(input) }
    }

    @Test func passwordRules() throws {
        #expect(throws: FieldError.self) { try StaffAccountRules.validatePassword("short") }
        // bcrypt reads only 72 bytes: 25 Chinese characters are 75 bytes.
        #expect(throws: FieldError.self) { try StaffAccountRules.validatePassword(String(repeating: "密", count: 25)) }
        #expect(throws: FieldError.self) { try StaffAccountRules.validatePassword("long enough\nbut two lines") }
        try StaffAccountRules.validatePassword("correct horse battery")
        try StaffAccountRules.validatePassword(String(repeating: "密", count: 24))
    }

    @Test func roleParsingNamesTheChoices() throws {
        #expect(try Role(parsing: " Moderator ") == .moderator)
        do {
            _ = try Role(parsing: "boss")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("admin, moderator, host, guest, handler, reviewer"))
        }
    }

    @Test func departmentAndDisplayNames() throws {
        #expect(try StaffAccountRules.validateDepartmentName(" 法律援助处 ") == "法律援助处")
        #expect(throws: FieldError.self) { try StaffAccountRules.validateDepartmentName("  ") }
        #expect(throws: FieldError.self) { try StaffAccountRules.validateDisplayName(String(repeating: "名", count: 65)) }
    }
}

@Suite("Text validation")
struct TextRulesTests {
    @Test func countsCharactersNotBytes() {
        var errors: [FieldError] = []
        let text = TextRules.requiredText(" 你好世界 ", field: "body", maxLength: 4, into: &errors)
        #expect(text == "你好世界")
        #expect(errors.isEmpty)
        _ = TextRules.requiredText("你好世界！", field: "body", maxLength: 4, into: &errors)
        #expect(errors == [.tooLong("body", max: 4)])
    }

    @Test func blankIsMissing() {
        var errors: [FieldError] = []
        _ = TextRules.requiredText(" \n ", field: "subject", maxLength: 10, into: &errors)
        #expect(errors.map(\.code) == ["required"])
        #expect(TextRules.optionalText("  ", field: "nickname", maxLength: 10, into: &errors) == nil)
        #expect(throws: ValidationFailure.self) { try ValidationFailure.check(errors) }
    }
}
