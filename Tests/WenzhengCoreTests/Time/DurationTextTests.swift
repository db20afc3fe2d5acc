import Testing
import WenzhengCore

@Suite("Durations typed on the command line")
struct DurationTextTests {
    @Test("units, combinations and the round trip", arguments: [
        ("90m", Duration.seconds(5400)), ("1h30m", .seconds(5400)), ("2s", .seconds(2)), ("250ms", .milliseconds(250)),
        ("3d", .seconds(259_200)), (" 20s ", .seconds(20)), ("1m5s", .seconds(65)),
    ])
    func parses(_ text: String, _ expected: Duration) throws {
        #expect(try DurationText.parse(text) == expected)
        #expect(try DurationText.parse(DurationText.format(expected)) == expected)
    }

    @Test("refuses what is not a duration, with an example", arguments: [
        "", "90", "m", "1.5h", "-5m", "5 m", "30m1h", "1h1h", "10x", "9999999999s", "１０s",
    ])
    func refuses(_ text: String) {
        let error = #expect(throws: DurationText.Invalid.self) { try DurationText.parse(text) }
        #expect(error?.description.contains("for example 90m") == true)
    }

    @Test("formats the largest units first")
    func formats() {
        #expect(DurationText.format(.seconds(5400)) == "1h30m")
        #expect(DurationText.format(.milliseconds(1500)) == "1s500ms")
        #expect(DurationText.format(.zero) == "0s")
    }
}
