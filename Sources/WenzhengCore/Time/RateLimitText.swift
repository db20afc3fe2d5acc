import Foundation

/// Rate limits as people type them on a command line: `5/10m` is five in
/// any ten minutes; a count from 1, a slash, and a window of at least a
/// second written as `DurationText` reads it.
public enum RateLimitText {
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var description: String {
            "'\(text)' is not a rate limit; write a count, a slash and a window of at least 1s, for example 5/10m or 60/1h"
        }
    }

    /// The limit `text` names; throws `Invalid` with an example otherwise.
    public static func parse(_ text: String) throws(Invalid) -> RateLimitPolicy {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let limit = Int(parts[0].trimmingCharacters(in: .whitespaces)), (1...1_000_000).contains(limit),
            let window = try? DurationText.parse(String(parts[1])), window >= .seconds(1)
        else { throw Invalid(text: text) }
        let milliseconds = window.components.seconds * 1000 + window.components.attoseconds / 1_000_000_000_000_000
        return RateLimitPolicy(limit: limit, window: TimeInterval(milliseconds) / 1000)
    }

    /// The text `parse` reads back as `policy` (whole milliseconds).
    public static func format(_ policy: RateLimitPolicy) -> String {
        "\(policy.limit)/\(DurationText.format(.milliseconds(Int64((policy.window * 1000).rounded()))))"
    }
}
