/// An address and port a server listens on, given as `127.0.0.1:9464`,
/// `[::1]:9464` or `localhost:9464`. Only IP literals and `localhost`: a
/// listen address that needs a DNS lookup could change under the server.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host as given (`127.0.0.1`, `::1`, `localhost`), without brackets.
    public let host: String
    public let port: Int

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "'\(text)' is not a listen address: \(reason)" }
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; an IPv6 host is written in brackets.
    public init(parsing text: String) throws(Invalid) {
        let example = "write HOST:PORT, for example 127.0.0.1:9464 or [::1]:9464"
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Invalid(text: text, reason: example)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard host.contains(":"), IPAddress(host) != nil else {
                throw Invalid(text: text, reason: "'\(host)' in brackets is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw Invalid(text: text, reason: example) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw Invalid(text: text, reason: "put an IPv6 address in brackets: [::1]:9464") }
            guard host == "localhost" || IPAddress(host) != nil else {
                throw Invalid(text: text, reason: "the host must be an IP address or localhost, not '\(host)'")
            }
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
            port <= 65535
        else { throw Invalid(text: text, reason: "the port must be a number from 0 to 65535") }
        self.host = String(host)
        self.port = port
    }

    /// Whether only this machine can reach the address (127.0.0.0/8, ::1,
    /// localhost).
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        guard let address = IPAddress(host) else { return false }
        if address.isIPv4 { return UInt32(truncatingIfNeeded: address.value) >> 24 == 127 }
        return address.value == 1
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
