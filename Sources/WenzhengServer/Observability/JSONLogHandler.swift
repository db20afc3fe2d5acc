import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line (`wenzheng
/// serve --log-format json`), for a log collector rather than a terminal:
///
///     {"timestamp":"2026-12-01T02:23:48.123456Z","level":"info","label":"wenzheng","message":"request",
///      "request_id":"…","method":"GET","route":"/api/v1/interviews/{id}","status":"200","duration_ms":"1.84","client":"10.0.0.7"}
///
/// The fixed fields come first; the logger's metadata follows, flattened
/// to top-level keys (a key that would shadow a fixed field gets a `_`
/// prefix). Every string is escaped, so no message or header a citizen
/// sends can break a line or forge a field.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: JSONLogOutput
    private let now: @Sendable () -> Date

    /// The fields every line has, in this order.
    static let fixedFields: Set<String> = ["timestamp", "level", "label", "message", "error"]

    public init(
        label: String, output: JSONLogOutput = .standardError, metadataProvider: Logger.MetadataProvider? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.label = label
        self.output = output
        self.metadataProvider = metadataProvider
        self.now = now
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = JSONLine()
        line.field("timestamp", string: Self.timestamp(now()))
        line.field("level", string: event.level.rawValue)
        line.field("label", string: label)
        line.field("message", string: event.message.description)
        if let error = event.error { line.field("error", string: String(describing: error)) }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        // Sorted, so that two lines with the same fields read alike.
        for key in merged.keys.sorted() {
            let name = Self.fixedFields.contains(key) ? "_" + key : key
            line.field(name, value: merged[key]!)
        }
        output.write(line.finish())
    }

    /// ISO 8601 in UTC with microseconds: `2026-12-01T02:23:48.123456Z`.
    static func timestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        var micros = Int(((interval - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(Int(parts.tm_year) + 1900, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2))"
            + "T\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2)):\(padded(Int(parts.tm_sec), 2))"
            + ".\(padded(micros, 6))Z"
    }
}

/// Where JSON lines go: a file descriptor, whole lines at a time.
public final class JSONLogOutput: Sendable {
    private let sink: Mutex<@Sendable ([UInt8]) -> Void>

    /// Lines go to `write`, one call per line, never two at once.
    public init(write: @escaping @Sendable ([UInt8]) -> Void) {
        sink = Mutex(write)
    }

    /// Standard error, where swift-log's text handler also writes.
    public static let standardError = JSONLogOutput { bytes in
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return  // Nowhere left to report a failed log write.
                }
            }
        }
    }

    /// Writes one line under the lock, so lines from several threads never
    /// interleave, even past the pipe's atomic-write size.
    func write(_ line: [UInt8]) {
        sink.withLock { $0(line) }
    }
}

/// One JSON object being written, field by field.
struct JSONLine {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    init() {
        bytes.reserveCapacity(256)
    }

    mutating func field(_ name: String, string: String) {
        key(name)
        Self.appendString(string, to: &bytes)
    }

    mutating func field(_ name: String, value: Logger.Metadata.Value) {
        key(name)
        Self.append(value, to: &bytes)
    }

    private mutating func key(_ name: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        Self.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// The object, closed, with its newline.
    consuming func finish() -> [UInt8] {
        bytes.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
        return bytes
    }

    /// Strings stay strings (`.stringConvertible` too: `status` is "200"
    /// as it was given), arrays and dictionaries become JSON ones.
    static func append(_ value: Logger.Metadata.Value, to bytes: inout [UInt8]) {
        switch value {
        case .string(let text):
            appendString(text, to: &bytes)
        case .stringConvertible(let value):
            appendString(value.description, to: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(value, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let entries):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                append(entries[key]!, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string (RFC 8259 §7): quotes, backslashes and every control
    /// character escaped; DEL and U+2028/U+2029 too, which some readers
    /// of "JSON lines" treat as line ends, and U+FEFF, which some readers
    /// drop. Other characters as UTF-8.
    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])  // \"
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])  // \\
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20, 0x7F, 0x2028, 0x2029, 0xFEFF:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u")])
                for shift in stride(from: 12, through: 0, by: -4) { bytes.append(hex[Int(scalar.value >> UInt32(shift)) & 0xF]) }
            default:
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
