import ArgumentParser
import Foundation
import WenzhengCore

/// How `wenzheng serve` reads each setting: the option, else its
/// environment variable, else the default. A bad value is refused with the
/// option's name, whichever of the two it came from.
struct ServeSettings {
    var environment: [String: String]

    /// The option's text, else the variable's; nil when neither is set.
    func text(_ option: String?, _ variable: String) -> String? {
        option ?? environment[variable]
    }

    /// A switch: the flag, or the variable set to `1`.
    func flag(_ option: Bool, _ variable: String) -> Bool {
        option || environment[variable] == "1"
    }

    /// A duration (`250ms`, `20s`, `1h30m`), at least 10 ms.
    func duration(_ option: String?, name: String, variable: String, default value: Duration) throws -> Duration {
        guard let text = text(option, variable) else { return value }
        let duration: Duration
        do {
            duration = try DurationText.parse(text)
        } catch {
            throw ValidationError("--\(name): \(error.description)")
        }
        guard duration >= .milliseconds(10) else { throw ValidationError("--\(name) must be at least 10ms, not '\(text)'") }
        return duration
    }

    /// A whole number within `range`.
    func count(_ option: String?, name: String, variable: String, range: ClosedRange<Int>, default value: Int) throws -> Int {
        guard let text = text(option, variable) else { return value }
        guard let count = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(count) else {
            throw ValidationError("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return count
    }

    /// A rate limit: a count in a window (`5/10m`).
    func rateLimit(_ option: String?, name: String, variable: String, default value: RateLimitPolicy) throws -> RateLimitPolicy {
        guard let text = text(option, variable) else { return value }
        do {
            return try RateLimitText.parse(text)
        } catch {
            throw ValidationError("--\(name): \(error.description)")
        }
    }

    /// `--trusted-proxy` (repeated), else the variable's comma-separated list.
    func trustedProxies(_ options: [String], _ variable: String) throws -> [IPNetwork] {
        let texts = options.isEmpty ? (environment[variable] ?? "").split(separator: ",").map(String.init) : options
        var networks: [IPNetwork] = []
        for text in texts where !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                networks.append(try IPNetwork(parsing: text))
            } catch {
                throw ValidationError("--trusted-proxy: \(error.description)")
            }
        }
        return networks
    }
}
