import Foundation
import Testing
import WenzhengCore
import WenzhengServer

/// The shipped word lists against texts a moderator would expect them to
/// catch, nearly catch, or leave alone.
@Suite("Shipped word lists")
struct ModerationCorpusTests {
    let filter = try! ModerationLibrary(directory: moderationDirectory).filter

    func categories(_ text: String) -> Set<String> {
        Set(filter.check(text).flags.map(\.category))
    }

    @Test("positives", arguments: [
        ("你就是个傻逼", "abuse"), ("这帮人渣", "abuse"),
        ("想办事加微信 abc123", "advertising"), ("进QQ群领福利", "advertising"), ("详情点击 t.cn/abc", "advertising"),
        ("刷单返利，日赚五百", "fraud"), ("专业信用卡套现", "fraud"),
        ("再不解决我就弄死你", "violence"), ("大不了同归于尽", "violence"),
        ("这是内部资料请勿外传", "office"),
    ])
    func positives(text: String, category: String) {
        #expect(categories(text).contains(category), "\(text)")
    }

    @Test("evasions", arguments: [
        ("加 微 信", "advertising"), ("加.微.信", "advertising"), ("加\u{200B}微信", "advertising"), ("进ＱＱ群", "advertising"),
        ("进qq群", "advertising"), ("傻　逼", "abuse"), ("傻-逼", "abuse"), ("弄 死 你", "violence"),
    ])
    func evasions(text: String, category: String) {
        #expect(categories(text).contains(category), "\(text)")
    }

    @Test("near misses and innocent words do not fire", arguments: [
        "请问微信公众号怎么关注", "我被逼迫签了合同", "这是刑讯逼供", "形势倒逼改革", "性别一栏怎么填写", "他的性格很温和",
        "我妈妈的房子被强拆了", "我被骗了，对方冒充客服", "申请法律援助需要什么材料", "公证处几点上班",
        "我想去公安局办证，需要带什么", "加快推进法治政府建设",
    ])
    func falsePositives(text: String) {
        #expect(filter.check(text).flags.isEmpty, "\(text): \(filter.check(text).flags)")
    }

    @Test func actionsFollowTheRules() {
        #expect(filter.check("加微信").action == .reject)
        #expect(filter.check("傻逼").action == .hold)
        #expect(filter.check("内部资料").action == .flag)
        // Single characters never do more than flag.
        #expect(filter.check("真是个逼").action == .flag)
        #expect(filter.check("我的电话是13912345678").action == .flag)
        #expect(filter.check("谢谢领导关心").action == nil)
    }

    @Test func everyListNamesItsSourceAndLicence() throws {
        let library = try ModerationLibrary(directory: moderationDirectory)
        #expect(Set(library.loaded.summary.map(\.category)) == ["abuse", "advertising", "fraud", "violence", "office"])
        for list in library.loaded.summary {
            #expect(!list.source.isEmpty && !list.licence.isEmpty)
        }
        #expect(library.loaded.summary.first { $0.category == "abuse" }?.licence.contains("CC-BY-4.0") == true)
    }
}

@Suite("Reloading the word lists")
struct ModerationReloadTests {
    func copyOfModerationFolder() throws -> URL {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-moderation-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: moderationDirectory), to: target)
        return target
    }

    @Test func aBrokenFileKeepsTheOldListsAndNamesTheLine() throws {
        let folder = try copyOfModerationFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = try ModerationLibrary(directory: folder.path)
        let office = folder.appendingPathComponent("wordlists/office.txt")
        var bytes = try Data(contentsOf: office)
        let lines = bytes.filter { $0 == 0x0A }.count
        bytes.append(contentsOf: [0xFF, 0xFE, 0x0A])
        try bytes.write(to: office)

        do {
            try library.reload()
            Issue.record("expected the reload to fail")
        } catch {
            #expect(error.file == "wordlists/office.txt")
            #expect(error.line == lines + 1)
            #expect(error.message == "invalid UTF-8")
        }
        // The lists in force still work.
        #expect(library.filter.check("内部资料").action == .flag)
    }

    @Test func aGoodReloadTakesEffect() throws {
        let folder = try copyOfModerationFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = try ModerationLibrary(directory: folder.path)
        #expect(library.filter.check("绝密行动代号").flags.map(\.term) == ["绝密"])
        #expect(library.filter.check("专项整治会议纪要").flags.isEmpty)
        let office = folder.appendingPathComponent("wordlists/office.txt")
        try (String(contentsOf: office, encoding: .utf8) + "\n专项整治会议纪要\n").write(to: office, atomically: true, encoding: .utf8)
        try library.reload()
        #expect(library.filter.check("专项整治会议纪要").flags.map(\.category) == ["office"])
    }

    @Test func aCategoryMismatchIsRefused() throws {
        let folder = try copyOfModerationFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fraud = folder.appendingPathComponent("wordlists/fraud.txt")
        let text = try String(contentsOf: fraud, encoding: .utf8).replacingOccurrences(of: "# category: fraud", with: "# category: scams")
        try text.write(to: fraud, atomically: true, encoding: .utf8)
        #expect(throws: WordList.ParseError.self) { try ModerationLibrary(directory: folder.path) }
    }
}
