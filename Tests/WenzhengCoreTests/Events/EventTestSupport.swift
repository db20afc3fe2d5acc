import Foundation
import WenzhengCore

/// A Beijing time such as `2027-03-16T09:30`; a test with a bad literal
/// stops at once.
func officeTime(_ text: String) -> Date {
    do {
        return try OfficeTimeText.parse(text)
    } catch {
        fatalError("bad test time \(text): \(error)")
    }
}

/// SplitMix64: a small, well-known generator, seeded so random cases fail
/// the same way on every run and machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
