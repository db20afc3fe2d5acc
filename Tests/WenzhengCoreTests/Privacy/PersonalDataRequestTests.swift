import Foundation
import Testing

@testable import WenzhengCore

@Suite("Personal data requests and retention rules")
struct PersonalDataRequestTests {
    @Test("a phone number is its digits, with or without the country code; other text is refused")
    func phones() {
        #expect(PersonalDataRequest.phone("138 1234 5678") == .phone(digits: "13812345678"))
        #expect(PersonalDataRequest.phone("+86 138-1234-5678") == .phone(digits: "13812345678"))
        #expect(PersonalDataRequest.phone("(025) 8888-1234") == .phone(digits: "02588881234"))
        #expect(PersonalDataRequest.phone("1234") == nil)
        #expect(PersonalDataRequest.phone("138 1234 567x") == nil)
        let request = PersonalDataRequest.phone("13812345678")!
        #expect(request.matchesPhone("0086 13812345678"))
        #expect(request.matchesPhone("138（1234）5678") == true)
        #expect(!request.matchesPhone("13812345679"))
        #expect(!request.matchesPhone(nil))
        #expect(request.isNamed(in: "电话 138-1234-5678，晚上打"))
        #expect(!request.isNamed(in: "zhang@example.cn"))
    }

    @Test("an e-mail address is compared without regard to case")
    func emails() {
        let request = PersonalDataRequest.email(" Zhang@Example.CN ")!
        #expect(request == .email(address: "zhang@example.cn"))
        #expect(request.matchesEmail("ZHANG@example.cn"))
        #expect(!request.matchesEmail("zhang@example.com"))
        #expect(request.isNamed(in: "邮箱 Zhang@example.cn"))
        #expect(PersonalDataRequest.email("not an address") == nil)
        #expect(PersonalDataRequest.email("a@b") == nil)
    }

    @Test("retention years: 1 to 30, or 0 / never to keep; cutoffs are calendar years back")
    func retentionYears() {
        #expect(RetentionPolicy.years("3") == .some(3))
        #expect(RetentionPolicy.years("0") == .some(nil))
        #expect(RetentionPolicy.years("never") == .some(nil))
        #expect(RetentionPolicy.years("31") == nil)
        #expect(RetentionPolicy.years("-1") == nil)
        #expect(RetentionPolicy.years("three") == nil)
        let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18
        let policy = RetentionPolicy(letterPersonalYears: 3, registrationPersonalYears: nil)
        let cutoff = policy.letterCutoff(now: now)!
        #expect(abs(now.timeIntervalSince(cutoff) - 3 * 365.25 * 86400) < 2 * 86400)
        #expect(policy.registrationCutoff(now: now) == nil)
        #expect(ErasedPersonalData.name.count <= LetterRules.nameMaxLength)
    }
}
