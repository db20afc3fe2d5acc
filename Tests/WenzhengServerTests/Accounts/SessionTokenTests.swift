import Foundation
import Testing
import WenzhengCore

@testable import WenzhengServer

/// Tokens and browser keys are written without Foundation's base64 and
/// `NSString`; what they produce must not change.
@Suite("Tokens and browser keys")
struct SessionTokenTests {
    static func foundationBase64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test("base64url without padding, as Foundation's base64 with the URL alphabet gives it")
    func base64URL() {
        var random = SplitMix64(seed: 7)
        for length in 0..<70 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                #expect(SessionToken.base64URL(bytes) == Self.foundationBase64URL(bytes))
            }
        }
    }

    @Test("a token is 256 random bits: 43 characters of the URL alphabet, never the same twice")
    func tokens() {
        let tokens = (0..<1_000).map { _ in SessionToken.generate() }
        #expect(Set(tokens).count == tokens.count)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(tokens.allSatisfy { $0.count == 43 && $0.allSatisfy(alphabet.contains) })
    }

    @Test("a browser key's signature is HMAC-SHA256 of the context and the id, so cookies issued before stay valid")
    func browserKeySignature() {
        let secret = (0..<32).map { UInt8($0 * 7 % 256) }
        let keys = BrowserKeys(secret: secret)
        // Computed with Python's hmac module:
        // hmac.new(secret, b"wz_browser.v1." + id, sha256), base64url.
        let id = "Zm9vYmFyYmF6cXV4cXV1eHh5enp5MDEyMzQ1Njc4OTA"
        #expect(keys.sign(id) == id + ".SgBi-nEdSGoqOaARQLrBX1qi1KdunKRPSPIIKT2IAzM")
        #expect(keys.verify(keys.sign(id)) == id)
        let fresh = SessionToken.generate()
        #expect(keys.verify(keys.sign(fresh)) == fresh)
        #expect(keys.verify(id + "." + String(repeating: "A", count: 43)) == nil)
        #expect(BrowserKeys(secret: Array(secret.reversed())).verify(keys.sign(id)) == nil)
    }
}
