import Foundation
import Testing
import WenzhengCore
import WenzhengTestFixtures

@Suite("Survey charts and exports")
struct SurveyChartExportTests {
    typealias F = SurveyFixtures
    let survey = F.legalAidSurvey()

    func results(_ answers: [[String: SurveyAnswer]]) throws -> SurveyResults {
        var tally = SurveyTally(definition: survey)
        for answers in answers { tally.add(try SurveyAnswering.response(to: survey, answers: answers)) }
        return tally.results()
    }

    @Test("every question with counts has a well-formed, accessible chart; text questions have none")
    func charts() throws {
        let results = try results([SurveyAnsweringTests.complete, SurveyAnsweringTests.complete.merging(["used": .choice("no")]) { $1 }])
        for question in results.questions {
            let chart = SurveyChart.chart(for: question, language: .zh)
            if question.type == .shortText || question.type == .longText {
                #expect(chart == nil)
                continue
            }
            let svg = try #require(chart).svg()
            checkWellFormedXML(svg)
            #expect(svg.contains("role=\"img\""))
            #expect(svg.contains("<title>\(question.prompt)</title>"))
        }
        let used = try #require(SurveyChart.chart(for: results.questions[0], language: .zh))
        #expect(used.caption == "2 人回答")
        #expect(used.groups[0].bars.map(\.valueText) == ["1 (50.0%)", "1 (50.0%)"])
        #expect(used.groups[0].bars.map(\.lengthPermille) == [500, 500])
        let rating = try #require(SurveyChart.chart(for: results.questions[2], language: .en))
        #expect(rating.caption == "1 answer, mean 4.00")
        let matrix = try #require(SurveyChart.chart(for: results.questions[5], language: .zh))
        #expect(matrix.groups.map(\.heading) == ["工作人员态度", "办理流程", "信息公开"])
    }

    @Test("ranking bars are longest for the best average position")
    func rankingChart() throws {
        var answers = SurveyAnsweringTests.complete
        answers["priorities"] = .ranking(["speed", "quality", "access", "cost"])
        let chart = try #require(SurveyChart.chart(for: try results([answers]).questions[4], language: .zh))
        #expect(chart.groups[0].bars.map(\.lengthPermille) == [1000, 750, 500, 250])
        #expect(chart.groups[0].bars[0].valueText == "平均名次 1.00")
    }

    @Test("the CSV opens with the BOM and one column per answer, options and rows spread out")
    func csv() throws {
        let response = try SurveyAnswering.response(
            to: survey, answers: SurveyAnsweringTests.complete.merging(["suggestion": .text("=HYPERLINK(\"http://evil\")")]) { $1 })
        let records = [
            SurveyResponseRecord(id: "ffff", submittedOn: CivilDate("2026-11-02")!, response: response),
            SurveyResponseRecord(id: "0000", submittedOn: CivilDate("2026-11-03")!, response: SurveyResponse(answers: ["used": .choice("no")])),
            SurveyResponseRecord(id: "aaaa", submittedOn: CivilDate("2026-11-02")!, response: response),
        ]
        let document = SurveyExport.csv(definition: survey, records: records, language: .zh)
        #expect(document.header.count == 2 + 1 + 5 + 1 + 1 + 4 + 3 + 1 + 1 + 1 + 4)
        #expect(document.header.prefix(4) == ["编号", "提交日期", "used 您是否使用过法律援助服务？", "channels.tv 您通过哪些渠道了解到法律援助？（最多选三项） — 电视广播"])
        #expect(document.rows.map { $0[0] } == ["aaaa", "ffff", "0000"])
        let row = document.rows[0]
        #expect(row.count == document.header.count)
        #expect(Array(row[2...7]) == ["是", "1", "1", "", "", ""])
        #expect(row[8] == "4")
        #expect(Array(row[10...13]) == ["", "", "", ""])
        #expect(Array(row[14...16]) == ["好", "一般", "好"])
        // Questions not shown or not answered are empty cells.
        #expect(document.rows[2][2] == "否")
        #expect(document.rows[2][3...].allSatisfy { $0.isEmpty })
        let bytes = document.encoded()
        #expect(Array(bytes.prefix(3)) == CSVWriter.byteOrderMark)
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","))
        #expect(text.hasSuffix("\r\n"))
    }

    @Test("non-anonymous exports add the time in Beijing time")
    func csvWithTimes() {
        let record = SurveyResponseRecord(
            id: "1", submittedOn: CivilDate("2026-11-02")!, submittedAt: Date(timeIntervalSince1970: 1_793_583_000),
            response: SurveyResponse(answers: [:]))
        let document = SurveyExport.csv(definition: survey, records: [record], language: .en)
        #expect(document.header.prefix(3) == ["id", "submitted_on", "submitted_at"])
        #expect(document.rows[0][2] == "2026-11-02T09:30:00+08:00")
    }

    @Test("the JSON export is deterministic and carries definition, results and responses")
    func json() throws {
        let response = try SurveyAnswering.response(to: survey, answers: SurveyAnsweringTests.complete)
        let records = [
            SurveyResponseRecord(id: "b", submittedOn: CivilDate("2026-11-02")!, response: response),
            SurveyResponseRecord(id: "a", submittedOn: CivilDate("2026-11-02")!, response: response),
        ]
        let generatedAt = Date(timeIntervalSince1970: 1_794_000_000)
        let data = try SurveyExport.json(definition: survey, state: .closed, records: records, generatedAt: generatedAt)
        #expect(data == (try SurveyExport.json(definition: survey, state: .closed, records: records.reversed(), generatedAt: generatedAt)))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"submittedOn\" : \"2026-11-02\""))
        #expect(text.contains("\"state\" : \"closed\""))
        #expect(text.contains("\"percent\" : 100"))
        let decoded = try JSONDecoder.exportDecoder.decode(SurveyExport.Document.self, from: data)
        #expect(decoded.responses.map(\.id) == ["a", "b"])
        #expect(decoded.results.questions[0].options[0].count == 2)
        #expect(decoded.survey == survey)
    }
}

extension JSONDecoder {
    static var exportDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
