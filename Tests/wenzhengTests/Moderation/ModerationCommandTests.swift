import Testing

/// `wenzheng moderation`: what the word filter finds, and the word lists.
@Suite("wenzheng moderation", .serialized)
struct ModerationCommandTests {
    @Test func checkAndLists() throws {
        let check = try CLI.run(["moderation", "check", "加 微 信，电话13812345678"])
        #expect(check.status == 0, "\(check.error)")
        #expect(check.output.contains("verdict: reject"))
        #expect(check.output.contains("138****5678"))
        let lists = try CLI.run(["moderation", "lists"])
        #expect(lists.output.contains("CC-BY-4.0"))
        let empty = try CLI.run(["moderation", "check", "   "])
        #expect(empty.status != 0)
    }
}
