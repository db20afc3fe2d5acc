import Foundation
import Synchronization
import Testing
import WenzhengCore
import WenzhengTestFixtures

/// Not HMAC: a fake that records what it was asked and mixes key and
/// message into 32 bytes, enough to see that keys depend on both.
final class FakeHasher: DuplicateKeyHasher {
    let calls = Mutex<[(key: [UInt8], message: [UInt8])]>([])

    func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        calls.withLock { $0.append((key, message)) }
        var state: UInt64 = 0xCBF2_9CE4_8422_2325
        var output: [UInt8] = []
        for round in 0..<4 {
            for byte in key + [UInt8(round)] + message {
                state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            withUnsafeBytes(of: state.bigEndian) { output += $0 }
        }
        return output
    }
}

@Suite("Survey anonymity")
struct SurveyAnonymityTests {
    static func secret(_ fill: UInt8) -> SurveySecret { SurveySecret(bytes: Array(repeating: fill, count: 32))! }

    @Test("the duplicate key is the hasher's output under the survey's secret, in hex, over a separated message")
    func duplicateKey() {
        let hasher = FakeHasher()
        let key = SurveyAnonymity.duplicateKey(for: .browserToken("tok-123"), secret: Self.secret(7), hasher: hasher)
        #expect(key.count == 64)
        #expect(key.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let call = hasher.calls.withLock { $0.first! }
        #expect(call.key == Array(repeating: 7, count: 32))
        #expect(call.message == Array("wenzheng/survey-duplicate/v1\u{0}browser\u{0}tok-123".utf8))
    }

    @Test("same token and secret give the same key; another secret, token or kind another key")
    func keysSeparate() {
        let hasher = FakeHasher()
        func key(_ identity: RespondentIdentity, _ fill: UInt8) -> String {
            SurveyAnonymity.duplicateKey(for: identity, secret: Self.secret(fill), hasher: hasher)
        }
        #expect(key(.browserToken("a"), 1) == key(.browserToken("a"), 1))
        #expect(key(.browserToken("a"), 1) != key(.browserToken("a"), 2))
        #expect(key(.browserToken("a"), 1) != key(.browserToken("b"), 1))
        #expect(key(.browserToken("a"), 1) != key(.invitationToken("a"), 1))
    }

    @Test("secrets are exactly 32 bytes, random, and never printed")
    func secrets() {
        #expect(SurveySecret(bytes: Array(repeating: 0, count: 31)) == nil)
        #expect(SurveySecret(bytes: Array(repeating: 0, count: 33)) == nil)
        #expect(SurveySecret.random() != SurveySecret.random())
        let secret = Self.secret(0xAB)
        #expect("\(secret)" == "SurveySecret(redacted)")
        #expect(!String(reflecting: secret).contains("171"))
    }

    @Test("submission times are coarsened to the office's day, in Beijing time")
    func coarsening() {
        // 2026-11-01 15:59:59 UTC is 23:59:59 in Beijing; a second later it is the 2nd.
        let lastSecond = Date(timeIntervalSince1970: 1_793_548_799)
        #expect(SurveyAnonymity.submissionDay(lastSecond) == CivilDate("2026-11-01"))
        #expect(SurveyAnonymity.submissionDay(lastSecond.addingTimeInterval(1)) == CivilDate("2026-11-02"))
        // Midnight UTC is already 08:00 the same day in Beijing.
        #expect(SurveyAnonymity.submissionDay(Date(timeIntervalSince1970: 1_793_491_200)) == CivilDate("2026-11-01"))
    }

    @Test("response ids are 128 random bits, so their order says nothing about arrival")
    func responseIDs() {
        var random = FixtureRandom(seed: 9)
        let ids = (0..<1000).map { _ in SurveyAnonymity.responseID(using: &random) }
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
        #expect(Set(ids).count == 1000)
        #expect(ids.sorted() != ids)
        #expect(SurveyAnonymity.responseID() != SurveyAnonymity.responseID())
    }

    @Test("what a stored response may keep: never the address or browser token; time and invitation only when not anonymous")
    func recordingPolicy() {
        var survey = SurveyFixtures.legalAidSurvey()
        let anonymous = SurveyAnonymity.recordingPolicy(for: survey)
        #expect(!anonymous.keepsSubmissionTime && !anonymous.keepsInvitation && !anonymous.keepsAddress && !anonymous.keepsBrowserToken)
        survey.mode = .invitation
        #expect(!SurveyAnonymity.recordingPolicy(for: survey).keepsInvitation)
        survey.isAnonymous = false
        let named = SurveyAnonymity.recordingPolicy(for: survey)
        #expect(named.keepsSubmissionTime && named.keepsInvitation && !named.keepsAddress && !named.keepsBrowserToken)
        survey.mode = .open
        #expect(!SurveyAnonymity.recordingPolicy(for: survey).keepsInvitation)
    }
}

@Suite("Survey invitation tokens")
struct SurveyInvitationTokenTests {
    @Test("tokens are 16 base32 symbols in four groups, distinct, and normalize back")
    func generated() {
        var random = FixtureRandom(seed: 42)
        let tokens = SurveyInvitationTokens.generate(count: 2000, using: &random)
        #expect(Set(tokens).count == 2000)
        for token in tokens {
            #expect(token.count == 19)
            #expect(token.split(separator: "-").map(\.count) == [4, 4, 4, 4])
            #expect(!token.contains { "ILOU".contains($0) })
            #expect(SurveyInvitationTokens.normalized(token) == token.replacingOccurrences(of: "-", with: ""))
        }
    }

    @Test("typing is forgiving: case, spaces, dashes, O for 0 and I or L for 1")
    func normalization() {
        #expect(SurveyInvitationTokens.normalized("7k3m q9tx 2hd4 wz8b") == "7K3MQ9TX2HD4WZ8B")
        #expect(SurveyInvitationTokens.normalized("OIL0-0000-0000-0000") == "0110000000000000")
        #expect(SurveyInvitationTokens.normalized("7K3M\u{3000}Q9TX-2HD4-WZ8B") == "7K3MQ9TX2HD4WZ8B")
    }

    @Test("what cannot be a token is refused", arguments: [
        "", "7K3M-Q9TX-2HD4", "7K3M-Q9TX-2HD4-WZ8B-X", "7K3M-Q9TX-2HD4-WZ8U", "７K3M-Q9TX-2HD4-WZ8B", "7K3M-Q9TX-2HD4-WZ8\u{0301}",
        "7K3M;Q9TX-2HD4-WZ8B",
    ])
    func refused(_ typed: String) {
        #expect(SurveyInvitationTokens.normalized(typed) == nil)
    }
}
