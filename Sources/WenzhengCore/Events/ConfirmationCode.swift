import Foundation

/// The code a visitor gets when registering for an open day, shows at the
/// door, and uses to cancel. Written `K7QM-3XPA`.
///
/// **Alphabet**: the 32 symbols `23456789ABCDEFGHJKLMNPQRSTUVWXYZ`, digits
/// and capitals without `0`, `1`, `I` and `O`, the pairs people misread on
/// a phone screen or mishear when a code is read out at the door. With 32
/// symbols each is exactly 5 bits.
///
/// **Length and entropy**: 8 symbols, 40 bits, about 1.1 × 10¹² codes. An
/// open day has at most a few hundred live codes, so one blind guess hits
/// one with a probability below 10⁻⁹; the HTTP layer's rate limit keeps
/// guesses to a handful a minute per client. The code is a bearer secret
/// for cancelling, so it is never shown to anyone but the registrant (see
/// `OpenDayRoster.registering` on a repeated phone).
///
/// Generation takes the random source as a parameter, so tests are
/// deterministic; production passes `SystemRandomNumberGenerator`, which is
/// the operating system's cryptographic generator.
public struct ConfirmationCode: Sendable, Hashable, CheckedStringValue, CustomStringConvertible {
    /// The 8 symbols, without the dash.
    public let symbols: String

    public static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    public static let length = 8
    public static let bitsOfEntropy = 40

    /// Reads a code as a visitor or a clerk types it: lower case, spaces,
    /// dashes and full-width forms are accepted. `nil` for anything that is
    /// not 8 symbols of the alphabet.
    public init?(_ text: String) {
        var symbols = ""
        // NFKC turns full-width forms into ASCII; only ASCII letters are
        // upper-cased (`ß`.uppercased() would be `SS`).
        for scalar in text.precomposedStringWithCompatibilityMapping.unicodeScalars {
            if scalar == " " || scalar == "-" { continue }
            let upper = ("a"..."z").contains(scalar) ? Unicode.Scalar(scalar.value - 32)! : scalar
            guard Self.alphabet.contains(Character(upper)) else { return nil }
            symbols.unicodeScalars.append(upper)
        }
        guard symbols.count == Self.length else { return nil }
        self.symbols = symbols
    }

    /// A fresh code, uniform over the alphabet. Pass `avoiding` the event's
    /// existing codes; a clash (once in about 10⁹ draws for a full event)
    /// draws again.
    public static func generate(
        avoiding existing: Set<ConfirmationCode> = [], using generator: inout some RandomNumberGenerator
    ) -> ConfirmationCode {
        while true {
            let symbols = String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
            let code = ConfirmationCode(validSymbols: symbols)
            if !existing.contains(code) { return code }
        }
    }

    private init(validSymbols: String) {
        self.symbols = validSymbols
    }

    public var canonicalText: String { symbols }

    /// `K7QM-3XPA`: two groups of four are easier to read out and copy.
    public var description: String { "\(symbols.prefix(4))-\(symbols.suffix(4))" }
}
