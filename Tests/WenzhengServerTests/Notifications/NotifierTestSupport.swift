import Foundation
import GRDB
import Logging
import NIOPosix
import Synchronization
import WenzhengCore
import WenzhengServer

@testable import WenzhengStore

/// The event loops of the notifier's tests, client and fake server alike:
/// their own, so that other suites keeping the shared loops busy do not
/// stall a connection here into a timeout.
let notifierTestLoops = MultiThreadedEventLoopGroup(numberOfThreads: 2)

/// An outbox on a temporary SQLite file with a manual clock.
struct TestOutbox {
    let directory: URL
    let database: AppDatabase
    let clock = ManualClock(testStart)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try AppDatabase.openFile(atPath: directory.appendingPathComponent("test.sqlite").path)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A notice written as a feature writes one, due now.
    @discardableResult
    func enqueue(
        to recipient: String? = "visitor@example.cn", subject: String = "开放日时间调整",
        body: String = "张三您好：\n您登记参加的开放日改在 2027-05-20 09:30。\n确认码：K7Q2M9。", kind: String = "open_day.rescheduled"
    ) async throws -> Int64 {
        let notice = OutgoingNotice(kind: kind, recipient: recipient, subject: subject, body: body, subjectType: "open_day", subjectID: "1")
        let now = clock.now()
        return try await database.writer.write { db in try GRDBNotificationsStore.enqueue(db, notice, at: now).id! }
    }

    func message(_ id: Int64) async throws -> OutboxMessage {
        try await database.writer.read { db in try OutboxMessage.fetchOne(db, key: id)! }
    }

    /// Settings for a fake server. The timeouts only bound a failing test;
    /// `.timeLimit` bounds the suites.
    func smtp(
        _ server: FakeSMTPServer, host: String = "127.0.0.1", security: SMTPSettings.Security = .plain, user: String? = nil,
        password: String? = nil, trustTestCertificate: Bool = true
    ) throws -> SMTPSettings {
        var settings = SMTPSettings(
            host: host, port: server.port, security: security, username: user, password: password,
            from: try MailAddress(parsing: "江苏省司法厅 <noreply@sft.example.cn>"), heloName: "wenzheng.test",
            caFile: security != .plain && trustTestCertificate ? try TestCertificate.caFile(in: directory) : nil)
        settings.connectTimeout = .seconds(10)
        settings.replyTimeout = .seconds(10)
        return settings
    }

    func sender(_ settings: SMTPSettings?, logs: CapturedLogs = CapturedLogs(), store: (any NotificationsStore)? = nil) throws
        -> NotificationSender
    {
        NotificationSender(
            store: store ?? database.notifications,
            mailer: try settings.map { try SMTPNotifier(settings: $0, clock: clock, group: notifierTestLoops) }, clock: clock,
            logger: logs.logger)
    }
}

/// Log lines kept in memory: level, message and metadata as text.
final class CapturedLogs: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
        var text: String { "\(message) \(metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))" }
    }

    private let store = Mutex<[Line]>([])
    var lines: [Line] { store.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "notify-test") { _ in Handler(logs: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: Line) { store.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            logs.append(Line(level: event.level, message: "\(event.message)", metadata: all.mapValues { "\($0)" }))
        }
    }
}

/// A mail taken apart again: unfolded headers with encoded-words decoded,
/// and the body decoded from its transfer encoding.
struct ReceivedMail {
    var headers: [String: String] = [:]
    var rawHeaders: [String: String] = [:]
    var body = ""

    init(_ text: String) {
        let parts = text.components(separatedBy: "\r\n\r\n")
        var unfolded: [String] = []
        for line in parts[0].components(separatedBy: "\r\n") {
            if line.hasPrefix(" "), !unfolded.isEmpty { unfolded[unfolded.count - 1] += line } else { unfolded.append(line) }
        }
        for line in unfolded {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            rawHeaders[name] = value
            headers[name] = Self.decodeWords(value)
        }
        let encoded = parts.dropFirst().joined(separator: "\r\n\r\n")
        switch rawHeaders["content-transfer-encoding"] {
        case "base64":
            body = String(decoding: Data(base64Encoded: encoded.replacingOccurrences(of: "\r\n", with: "")) ?? Data(), as: UTF8.self)
        case "quoted-printable":
            body = Self.decodeQuotedPrintable(encoded)
        default:
            body = encoded
        }
        if body.hasSuffix("\r\n") { body.removeLast() }
    }

    /// `=?UTF-8?B?…?=` words decoded; the space between two words dropped.
    static func decodeWords(_ value: String) -> String {
        let words = /=\?UTF-8\?B\?([A-Za-z0-9+\/=]+)\?=/
        return value.replacing(/\?= +=\?/, with: "?==?").replacing(words) { match in
            String(decoding: Data(base64Encoded: String(match.1)) ?? Data(), as: UTF8.self)
        }
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let lines = text.components(separatedBy: "\r\n")
        for (index, line) in lines.enumerated() {
            var chars = Array(line.utf8)
            let soft = chars.last == UInt8(ascii: "=")
            if soft { chars.removeLast() }
            var i = 0
            while i < chars.count {
                if chars[i] == UInt8(ascii: "="), i + 2 < chars.count + 0,
                    let value = UInt8(String(decoding: chars[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
                {
                    bytes.append(value)
                    i += 3
                } else {
                    bytes.append(chars[i])
                    i += 1
                }
            }
            if !soft && index < lines.count - 1 { bytes += [13, 10] }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
