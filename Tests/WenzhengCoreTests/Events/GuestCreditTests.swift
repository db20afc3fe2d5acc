import Testing
import WenzhengCore

@Suite("Guest specs 姓名|职务|部门")
struct GuestCreditTests {
    @Test(
        "name, post and department; the post and department may be left out or empty",
        arguments: [
            ("张明|副厅长|江苏省司法厅", GuestCredit(name: "张明", title: "副厅长", department: "江苏省司法厅")),
            (" 张明 | 副厅长 | 江苏省司法厅 ", GuestCredit(name: "张明", title: "副厅长", department: "江苏省司法厅")),
            ("张明｜副厅长｜江苏省司法厅", GuestCredit(name: "张明", title: "副厅长", department: "江苏省司法厅")),
            ("张明", GuestCredit(name: "张明")),
            ("张明|副厅长", GuestCredit(name: "张明", title: "副厅长")),
            ("张明||法律援助处", GuestCredit(name: "张明", department: "法律援助处")),
            ("欧阳娜娜|处长|", GuestCredit(name: "欧阳娜娜", title: "处长")),
        ])
    func parses(_ spec: String, _ expected: GuestCredit) throws {
        #expect(try GuestCredit.parse(spec) == expected)
        #expect(try GuestCredit.parse(expected.spec) == expected)
    }

    @Test("a missing name is refused with the form and an example")
    func missingName() {
        for spec in ["", "   ", "|副厅长|司法厅", "｜｜"] {
            let failure = #expect(throws: ValidationFailure.self) { try GuestCredit.parse(spec) }
            #expect(failure?.errors.map(\.field) == ["guest.name"])
            #expect(failure?.errors.first?.message.contains("张明|副厅长|江苏省司法厅") == true)
        }
    }

    @Test("more than three parts is refused, not guessed")
    func tooManyParts() {
        let failure = #expect(throws: ValidationFailure.self) { try GuestCredit.parse("张明|副厅长|司法厅|法律援助处") }
        #expect(failure?.errors.first?.message.contains("4 parts") == true)
    }

    @Test("long parts and control characters are refused, each named")
    func badParts() {
        let long = String(repeating: "长", count: InterviewRules.guestFieldMaxLength + 1)
        let failure = #expect(throws: ValidationFailure.self) { try GuestCredit.parse("张\u{1B}[31m明|\(long)|司法厅") }
        #expect(failure?.errors.map(\.field) == ["guest.name", "guest.title"])
        #expect(failure?.errors.map(\.code) == ["invalid", "too_long"])
        // Exactly the limit is fine; combining marks count as scalars.
        let limit = String(repeating: "长", count: InterviewRules.guestFieldMaxLength)
        #expect(throws: Never.self) { try GuestCredit.parse("张明|\(limit)") }
        #expect(throws: ValidationFailure.self) { try GuestCredit.parse("张明|" + String(repeating: "e\u{301}", count: 31)) }
    }

    @Test("several guests: every bad one reported, numbered from 1")
    func several() throws {
        let failure = #expect(throws: ValidationFailure.self) {
            try GuestCredit.parseAll(["张明|副厅长|司法厅", "|处长|", "a|b|c|d"])
        }
        #expect(failure?.errors.map(\.field) == ["guest[2].name", "guest[3]"])
        #expect(try GuestCredit.parseAll(["张明|副厅长|司法厅", "李华"]).map(\.name) == ["张明", "李华"])
        #expect(try GuestCredit.parseAll([]) == [])
        let crowd = Array(repeating: "张明", count: InterviewRules.maxGuests + 1)
        #expect(throws: ValidationFailure.self) { try GuestCredit.parseAll(crowd) }
    }
}
