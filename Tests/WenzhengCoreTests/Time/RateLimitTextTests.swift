import Testing
import WenzhengCore

@Suite("Rate limits typed on the command line")
struct RateLimitTextTests {
    @Test(
        "a count and a window, and the round trip",
        arguments: [
            ("5/10m", RateLimitPolicy(limit: 5, window: 600)), ("60/1h", .init(limit: 60, window: 3600)),
            (" 10 /1h30m", .init(limit: 10, window: 5400)), ("1/1s", .init(limit: 1, window: 1)),
        ])
    func parses(_ text: String, _ expected: RateLimitPolicy) throws {
        #expect(try RateLimitText.parse(text) == expected)
        #expect(try RateLimitText.parse(RateLimitText.format(expected)) == expected)
    }

    @Test(
        "refuses what is not a rate limit, with an example",
        arguments: [
            "", "5", "5/", "/10m", "0/10m", "-1/10m", "5/10", "5/500ms", "5/10m/1h", "five/10m", "2000000/1h",
        ])
    func refuses(_ text: String) {
        let error = #expect(throws: RateLimitText.Invalid.self) { try RateLimitText.parse(text) }
        #expect(error?.description.contains("for example 5/10m") == true)
    }

    @Test func formats() {
        #expect(RateLimitText.format(RateLimitPolicy(limit: 10, window: 3600)) == "10/1h")
        #expect(RateLimitText.format(RateLimitPolicy(limit: 20, window: 600)) == "20/10m")
    }
}
