import ArgumentParser
import Foundation
import WenzhengCore

/// How `wenzheng serve` reads each setting: the option, else its
/// environment variable (`--heartbeat-interval`: `WENZHENG_HEARTBEAT_INTERVAL`),
/// else the default. A bad value is refused with the option's name,
/// whichever of the two it came from.
struct ServeSettings {
    var environment: [String: String]

    /// `WENZHENG_` and the option's long name in capitals.
    static func variable(_ name: String) -> String {
        "WENZHENG_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The option's text, else the variable's; nil when neither is set.
    func text(_ option: String?, _ name: String) -> String? {
        option ?? environment[Self.variable(name)]
    }

    /// A switch: the flag, or its variable set to `1`.
    func flag(_ option: Bool, _ name: String) -> Bool {
        option || environment[Self.variable(name)] == "1"
    }

    /// How one kind of setting is read from its text.
    struct Reader<Value> {
        /// Reads `text`, given for the option `--name`.
        let read: (_ text: String, _ name: String) throws -> Value

        /// A duration (`250ms`, `20s`, `1h30m`), at least 10 ms.
        static var duration: Reader<Duration> {
            Reader<Duration> { text, name in
                let duration: Duration
                do {
                    duration = try DurationText.parse(text)
                } catch {
                    throw ValidationError("--\(name): \(error)")
                }
                guard duration >= .milliseconds(10) else { throw ValidationError("--\(name) must be at least 10ms, not '\(text)'") }
                return duration
            }
        }

        /// A whole number within `range`.
        static func count(_ range: ClosedRange<Int>) -> Reader<Int> {
            Reader<Int> { text, name in
                guard let count = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(count) else {
                    throw ValidationError("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
                }
                return count
            }
        }

        /// A count in a window (`5/10m`).
        static var rateLimit: Reader<RateLimitPolicy> {
            Reader<RateLimitPolicy> { text, name in
                do {
                    return try RateLimitText.parse(text)
                } catch {
                    throw ValidationError("--\(name): \(error)")
                }
            }
        }
    }

    /// Sets `value` from the option `--name` or its variable; leaves the
    /// default in place when neither is set.
    func read<Value>(_ value: inout Value, _ option: String?, _ name: String, as reader: Reader<Value>) throws {
        if let text = text(option, name) { value = try reader.read(text, name) }
    }

    /// `--trusted-proxy` (repeated), else `WENZHENG_TRUSTED_PROXIES`, comma-separated.
    func trustedProxies(_ options: [String]) throws -> [IPNetwork] {
        let texts = options.isEmpty ? (environment["WENZHENG_TRUSTED_PROXIES"] ?? "").split(separator: ",").map(String.init) : options
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
