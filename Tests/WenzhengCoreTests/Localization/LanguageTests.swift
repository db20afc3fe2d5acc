import Foundation
import Testing
import WenzhengCore

@Suite("Language negotiation")
struct LanguageTests {
    @Test func chineseIsTheDefault() {
        #expect(Language.negotiate(explicit: nil, cookie: nil, acceptLanguage: nil) == .zh)
        #expect(Language.negotiate(explicit: nil, cookie: nil, acceptLanguage: "fr-FR,de;q=0.8") == .zh)
    }

    @Test func explicitChoiceThenCookieThenHeader() {
        #expect(Language.negotiate(explicit: "en", cookie: "zh-CN", acceptLanguage: "zh") == .en)
        #expect(Language.negotiate(explicit: "xx", cookie: "en", acceptLanguage: "zh") == .en)
        #expect(Language.negotiate(explicit: nil, cookie: nil, acceptLanguage: "en-GB,en;q=0.9") == .en)
    }

    @Test func acceptLanguageQualityWins() {
        #expect(Language.negotiate(explicit: nil, cookie: nil, acceptLanguage: "en;q=0.5, zh-CN;q=0.9") == .zh)
        #expect(Language.negotiate(explicit: nil, cookie: nil, acceptLanguage: "zh;q=0, en;q=0.1") == .en)
    }
}

@Suite("Clock")
struct ClockTests {
    @Test func manualClockMovesOnlyWhenTold() {
        let start = Date(timeIntervalSince1970: 0)
        let clock = ManualClock(start)
        #expect(clock.now() == start)
        clock.advance(by: 60)
        #expect(clock.now() == start.addingTimeInterval(60))
    }
}
