import Foundation

/// An IPv4 or IPv6 address, parsed strictly, so that a malformed value in a
/// forwarding header is recognised as malformed rather than guessed at.
///
/// Both families live in one 128-bit space: IPv4 addresses as their
/// IPv4-mapped IPv6 form (`::ffff:a.b.c.d`), which is also how a dual-stack
/// socket reports an IPv4 peer. They are written back as dotted quads, so
/// one client has one spelling whichever way it arrived.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address as a 128-bit number, network byte order.
    public let value: UInt128

    static let mappedPrefix: UInt128 = 0xffff << 32

    /// Whether this is an IPv4 address (or IPv4-mapped IPv6 address).
    public var isIPv4: Bool { value >> 32 == 0xffff }

    init(value: UInt128) {
        self.value = value
    }

    /// Parses `192.0.2.1`, `2001:db8::1` or `::ffff:192.0.2.1`. Leading
    /// zeros in IPv4 parts (`010`: octal to some parsers) and IPv6 zone
    /// identifiers (`fe80::1%eth0`) are refused.
    public init?(_ text: some StringProtocol) {
        let text = Substring(text)
        if text.contains(":") {
            guard let value = Self.parseIPv6(text) else { return nil }
            self.value = value
        } else {
            guard let v4 = Self.parseIPv4(text) else { return nil }
            self.value = Self.mappedPrefix | UInt128(v4)
        }
    }

    public var description: String {
        if isIPv4 {
            let v4 = UInt32(truncatingIfNeeded: value)
            return [24, 16, 8, 0].map { String((v4 >> UInt32($0)) & 0xff) }.joined(separator: ".")
        }
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> UInt128(112 - 16 * $0)) }
        // RFC 5952: compress the longest run of two or more zero groups
        // (the first of equal runs) with "::"; lowercase, no leading zeros.
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > best.length { best = (index, end - index) }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || part.first != "0", let byte = UInt32(part), byte <= 255
            else { return nil }
            result = result << 8 | byte
        }
        return result
    }

    static func parseIPv6(_ text: Substring) -> UInt128? {
        guard !text.isEmpty, text.count <= 45 else { return nil }
        func groups(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4Tail, index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), piece.allSatisfy(\.isASCII),
                        let group = UInt16(piece, radix: 16)
                    else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        var all: [UInt16]
        if let gap = text.range(of: "::") {
            let head = text[..<gap.lowerBound]
            let tail = text[gap.upperBound...]
            guard !tail.contains("::"), let front = groups(head, allowIPv4Tail: false),
                let back = groups(tail, allowIPv4Tail: true), front.count + back.count <= 7
            else { return nil }
            all = front + Array(repeating: 0, count: 8 - front.count - back.count) + back
        } else {
            guard let parsed = groups(text, allowIPv4Tail: true), parsed.count == 8 else { return nil }
            all = parsed
        }
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }
}

/// A CIDR range such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is
/// the range of that one address.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range.
    public let address: IPAddress
    /// The prefix length in the address's own family (0…32 for IPv4).
    public let prefixLength: Int

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "'\(text)' is not a CIDR range: \(reason)" }
    }

    /// Parses `CIDR` or a bare address. A range with bits set after its
    /// prefix (`10.0.0.1/8`) is refused with the range that was probably
    /// meant, rather than silently widened.
    public init(parsing raw: String) throws(Invalid) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else {
            throw Invalid(text: raw, reason: "write an IPv4 or IPv6 address with an optional /prefix, for example 10.0.0.0/8 or fd00::/8")
        }
        let width = address.isIPv4 ? 32 : 128
        var length = width
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                let prefix = Int(parts[1]), prefix <= width
            else { throw Invalid(text: raw, reason: "the prefix must be a number from 0 to \(width)") }
            length = prefix
        }
        let mask = Self.mask(bits: length + (128 - width))
        // An IPv4 range's mask also covers the mapped prefix (`::ffff:`).
        guard address.value & ~mask == 0 else {
            let start = IPNetwork(address: IPAddress(value: address.value & mask), prefixLength: length)
            throw Invalid(text: raw, reason: "it has bits set after the /\(length) prefix; did you mean \(start)?")
        }
        self.address = address
        self.prefixLength = length
    }

    init(address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// The top `bits` of 128 set.
    static func mask(bits: Int) -> UInt128 {
        bits == 0 ? 0 : ~UInt128(0) << UInt128(128 - bits)
    }

    public func contains(_ other: IPAddress) -> Bool {
        let bits = prefixLength + (address.isIPv4 ? 96 : 0)
        let mask = Self.mask(bits: bits)
        return other.value & mask == address.value & mask
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
