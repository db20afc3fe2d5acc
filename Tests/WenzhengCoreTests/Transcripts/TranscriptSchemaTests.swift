import Foundation
import Testing
import WenzhengCore
import WenzhengTestFixtures

@Suite("Transcript JSON and its schema")
struct TranscriptSchemaTests {
    func exported(_ document: TranscriptDocument, exportedAt: Date? = nil) throws -> JSONValue {
        try JSONValue.parse(TranscriptExport.render(document, as: .json, exportedAt: exportedAt))
    }

    @Test("the schema requires every property it names, in order, and allows no others, at every level")
    func schemaIsClosed() throws {
        let schema = try TranscriptSchema.load()
        let validator = SchemaValidator(root: schema)
        let objects = validator.objectSchemas(schema)
        #expect(objects.map(\.0) == ["$", "$.interview", "$.interview.guests[]", "$.entries[]", "$.deferredReplies[]"])
        for (path, object) in objects {
            #expect((object["required"]?.items ?? []).compactMap(\.string) == object["properties"]?.keys, "\(path)")
            #expect(object["additionalProperties"] == .bool(false), "\(path)")
        }
    }

    @Test("the export's keys are the schema's, in the schema's order, and it validates, plain and hostile")
    func exportMatchesSchema() throws {
        let schema = try TranscriptSchema.load()
        let validator = SchemaValidator(root: schema)
        for document in [TranscriptFixtures.small, TranscriptFixtures.everywhereHostile] {
            for exportedAt in [nil, beijing("2027-04-01T08:00")] {
                let json = try exported(document, exportedAt: exportedAt)
                #expect(validator.validate(json, schema) == [])
                #expect(validator.keyOrderProblems(json, schema) == [])
            }
        }
    }

    @Test("the validator itself catches a missing key, an extra key, a wrong type, a bad time and a wrong order")
    func validatorCatches() throws {
        let schema = try TranscriptSchema.load()
        let validator = SchemaValidator(root: schema)
        guard case .object(var members) = try exported(TranscriptFixtures.small) else { Issue.record("not an object"); return }
        members.append(.init(key: "extra", value: .number(1)))
        members.removeAll { $0.key == "exportedAt" }
        let index = try #require(members.firstIndex { $0.key == "interview" })
        guard case .object(var interview) = members[index].value else { Issue.record("no interview"); return }
        interview[0].value = .string("12")
        interview[5].value = .string("2027-03-16 09:30")
        interview.swapAt(1, 2)
        members[index].value = .object(interview)
        let json = JSONValue.object(members)
        #expect(validator.validate(json, schema).count == 4)
        #expect(validator.keyOrderProblems(json, schema).count == 2)
    }

    @Test("values: office times with +08:00, nulls for what is absent, masked askers, corrections flagged, texts cleaned")
    func values() throws {
        let json = try exported(TranscriptFixtures.small)
        #expect(json["format"] == .string("wenzheng-transcript") && json["version"] == .number(1))
        #expect(json["exportedAt"] == .null)
        let entries = json["entries"]?.items ?? []
        #expect(entries.map { $0["seq"] } == [1, 2, 3, 4, 5].map { .number($0) })
        #expect(entries[2]["author"] == .string("张*"))
        #expect(entries[2]["body"] == .string("如何申请法律援助？\n需要什么材料？"))
        #expect(entries[2]["time"] == .string("2027-03-16T09:32:00+08:00"))
        #expect(entries[3]["corrected"] == .bool(true) && entries[3]["version"] == .number(2))
        #expect(entries[0]["authorTitle"] == .null && entries[0]["questionId"] == .null)
        let reply = try #require(json["deferredReplies"]?.items.first)
        #expect(reply["receivedOn"] == .string("2027-03-16") && reply["repliedOn"] == .string("2027-03-19"))
        #expect(reply["department"] == .string("法律援助处") && reply["corrected"] == .bool(false))
    }

    @Test("JSON text: fixed layout, HTML-significant characters and line separators escaped, everything else as UTF-8")
    func jsonText() throws {
        var document = TranscriptFixtures.small
        let remark = try #require(document.entries.firstIndex { $0.seq == 2 })
        document.entries[remark].body = "<b>&\"\\ \u{2028}\t中文 é 😀"
        let text = TranscriptExport.render(document, as: .json)
        #expect(text.hasPrefix("{\n  \"format\": \"wenzheng-transcript\",\n  \"version\": 1,\n  \"interview\": {\n    \"id\": 12,"))
        // U+2028 became a line break when the text was cleaned, and the
        // space before it went with the line's end.
        #expect(text.contains(#""body": "\u003cb\u003e\u0026\"\\\n\t中文 é 😀","#))
        #expect(try JSONValue.parse(text)["entries"]?.items[1]["body"] == .string("<b>&\"\\\n\t中文 é 😀"))
        #expect(text.hasSuffix("}\n"))
        let hostile = TranscriptExport.render(TranscriptFixtures.everywhereHostile, as: .json)
        #expect(!hostile.contains("<") && !hostile.contains(">") && !hostile.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }
}
