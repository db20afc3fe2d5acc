import Crypto
import Foundation

/// Random bearer secrets for sessions and CSRF tokens.
enum SessionToken {
    /// 256 random bits, base64url without padding (cookie-safe).
    static func generate() -> String {
        // Four 64-bit draws, not 32 of one byte each: every draw is a call
        // into the system's generator (a new browser key per first-time
        // visitor made this a measurable part of a question's CPU).
        var generator = SystemRandomNumberGenerator()
        var bytes = Data(capacity: 32)
        for _ in 0..<4 {
            withUnsafeBytes(of: generator.next().littleEndian) { bytes.append(contentsOf: $0) }
        }
        return base64URL(bytes)
    }

    /// base64url without padding (RFC 4648 §5), written out: Foundation's
    /// base64 and three `replacingOccurrences` went through `NSString`
    /// three times, and every question from a new browser pays two of these.
    static func base64URL(_ bytes: some Collection<UInt8>) -> String {
        let count = bytes.count
        return String(unsafeUninitializedCapacity: (count * 4 + 2) / 3) { output in
            var written = 0
            var iterator = bytes.makeIterator()
            while let first = iterator.next() {
                let second = iterator.next()
                let third = iterator.next()
                let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
                let characters = third != nil ? 4 : second != nil ? 3 : 2
                for position in 0..<characters {
                    output[written] = base64URLAlphabet[Int(group >> (18 - 6 * UInt32(position)) & 0x3F)]
                    written += 1
                }
            }
            return written
        }
    }

    private static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// What the database stores instead of the token.
    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares secrets in time independent of where they first differ.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
