import Foundation

/// Who a request came from, when a reverse proxy may stand in front of the
/// server. Every throttle, rate limit, access-log line and audit entry keys
/// on the one address this returns (docs/security.md, "Client address").
///
/// The forwarding headers are believed only when the TCP peer is one of the
/// trusted proxies. Then the chain `X-Forwarded-For` (or, when that header
/// is absent, the `for=` values of `Forwarded`, RFC 7239) is read from the
/// right, skipping addresses that are themselves trusted proxies: the first
/// address that is not is the client. Everything to its left was written
/// by the client or a proxy we do not know, and is never read, so a client
/// cannot choose its own address by sending the header itself.
///
/// `X-Forwarded-For` is preferred because it is what nginx, HAProxy and most
/// proxies append to; a client's own `Forwarded` header passes through them
/// untouched and must not be believed. A malformed or unusable entry where
/// the client should be (`unknown`, an obfuscated name, garbage) gives the
/// peer's address.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    /// The most entries read from a chain; a longer chain is malformed.
    public static let maxHops = 32

    /// - Parameters:
    ///   - peer: the TCP peer's address as the socket reports it.
    ///   - forwardedFor: every `X-Forwarded-For` field value, in order.
    ///   - forwarded: every `Forwarded` field value, in order.
    /// - Returns: the client's address in its canonical spelling, or the
    ///   peer's when the peer is not trusted or the headers do not say.
    public func resolve(peer: String, forwardedFor: [String], forwarded: [String]) -> String {
        guard let peerAddress = IPAddress(peer) else { return peer }
        guard isTrusted(peerAddress) else { return peerAddress.description }
        let chain: [String]?
        if !forwardedFor.isEmpty {
            chain = forwardedFor.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        } else if !forwarded.isEmpty {
            chain = Self.forwardedForValues(forwarded.joined(separator: ","))
        } else {
            return peerAddress.description
        }
        guard let chain, !chain.isEmpty, chain.count <= Self.maxHops else { return peerAddress.description }
        var client = peerAddress
        for entry in chain.reversed() {
            guard let hop = Self.node(entry) else { return peerAddress.description }
            client = hop
            if !isTrusted(hop) { break }
        }
        return client.description
    }

    func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`,
    /// `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
    static func node(_ text: String) -> IPAddress? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || Self.isPort(rest) else { return nil }
            return IPAddress(text[text.index(after: text.startIndex)..<close])
        }
        let colons = text.count { $0 == ":" }
        if colons == 1, let colon = text.firstIndex(of: ":") {
            guard Self.isPort(text[colon...]) else { return nil }
            return IPAddress(text[..<colon]).flatMap { $0.isIPv4 ? $0 : nil }
        }
        return IPAddress(text)
    }

    /// `:` and a port number.
    static func isPort(_ text: Substring) -> Bool {
        let digits = text.dropFirst()
        guard text.first == ":", (1...5).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return Int(digits).map { $0 <= 65535 } ?? false
    }

    /// The `for=` value of each element of a `Forwarded` header, in order;
    /// nil when the header is malformed or an element has no `for=`.
    static func forwardedForValues(_ header: String) -> [String]? {
        var elements: [[String: String]] = [[:]]
        var pair = ""
        var quoted = false
        var escaped = false
        func endPair() -> Bool {
            let text = pair.trimmingCharacters(in: .whitespaces)
            pair = ""
            if text.isEmpty { return true }
            guard let equals = text.firstIndex(of: "=") else { return false }
            let name = text[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else { return false }
                value = String(value.dropFirst().dropLast())
            }
            guard !name.isEmpty, elements[elements.count - 1][name] == nil else { return false }
            elements[elements.count - 1][name] = value
            return true
        }
        for character in header {
            if escaped {
                pair.append(character)
                escaped = false
            } else if quoted && character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                pair.append(character)
            } else if !quoted && (character == ";" || character == ",") {
                guard endPair() else { return nil }
                if character == "," { elements.append([:]) }
            } else {
                pair.append(character)
            }
        }
        guard !quoted, !escaped, endPair() else { return nil }
        var values: [String] = []
        for element in elements {
            guard let value = element["for"] else { return nil }
            values.append(value)
        }
        return values
    }
}
