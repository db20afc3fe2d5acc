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

/// xorshift64* (Vigna, 2016): a tiny generator, seeded so random cases
/// fail the same way on every run and machine. Zero is not a valid state,
/// so the seed is mixed with a constant.
struct XorShiftGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed ^ 0x2545_F491_4F6C_DD1D
        if state == 0 { state = 1 }
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
