import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client written out byte by byte, for what a well-behaved
/// client library will not send: unmasked frames, a handshake read as raw
/// HTTP, a peer that stops reading. Blocking calls run on a dispatch queue,
/// not on the test's cooperative threads.
final class RawWebSocket: @unchecked Sendable {
    let descriptor: Int32
    private var received: [UInt8] = []
    private var isOpen = true

    /// Connects to 127.0.0.1:`port` with a receive timeout, and a small
    /// receive buffer when asked (a client that never reads fills it fast).
    init(port: Int, timeout seconds: Int = 10, receiveBuffer: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    /// A viewer that completes the handshake and then never reads.
    static func stalled(port: Int, path: String) throws -> RawWebSocket {
        let socket = try RawWebSocket(port: port, receiveBuffer: 4096)
        socket.handshake(path, port: port)
        return socket
    }

    deinit { close() }

    func close() {
        guard isOpen else { return }
        isOpen = false
        _ = Glibc.close(descriptor)
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends a handshake for `path` with extra header lines.
    func handshake(_ path: String, port: Int, headers: [String] = []) {
        let lines =
            ["GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"] + headers
        send(Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8))
    }

    /// The HTTP response to a handshake: status code, header block, and for
    /// a refusal its body (read until the server closes).
    func readResponse() async -> (status: Int, head: String, body: String)? {
        await blocking { [self] in
            while true {
                if let end = findHeaderEnd() {
                    let head = String(decoding: received[..<end], as: UTF8.self)
                    received.removeFirst(end + 4)
                    let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                    if status != 101 {
                        while readMore() {}
                        let body = String(decoding: received, as: UTF8.self)
                        received = []
                        return (status, head, body)
                    }
                    return (status, head, "")
                }
                guard readMore() else { return nil }
            }
        }
    }

    /// A frame from the server: opcode and payload; nil when the
    /// connection ends first.
    func readFrame() async -> (opcode: UInt8, payload: [UInt8])? {
        await blocking { [self] in
            while true {
                if let frame = parseFrame() { return frame }
                guard readMore() else { return nil }
            }
        }
    }

    /// Reads frames until a close frame; returns its code (nil if the
    /// connection ended without one).
    func readCloseCode() async -> Int? {
        while let frame = await readFrame() {
            if frame.opcode == 0x8 {
                return frame.payload.count >= 2 ? Int(frame.payload[0]) << 8 | Int(frame.payload[1]) : 1005
            }
        }
        return nil
    }

    /// A client frame; masked unless told otherwise (RFC 6455 §5.3).
    static func frame(opcode: UInt8, _ payload: [UInt8], masked: Bool = true, fin: Bool = true) -> [UInt8] {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(maskBit | UInt8(payload.count))
        } else {
            frame.append(maskBit | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        }
        guard masked else { return frame + payload }
        let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        return frame + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    }

    private func findHeaderEnd() -> Int? {
        guard received.count >= 4 else { return nil }
        for index in 0...(received.count - 4)
        where received[index] == 13 && received[index + 1] == 10 && received[index + 2] == 13 && received[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func parseFrame() -> (opcode: UInt8, payload: [UInt8])? {
        guard received.count >= 2 else { return nil }
        var length = Int(received[1] & 0x7f)
        var offset = 2
        if length == 126 {
            guard received.count >= 4 else { return nil }
            length = Int(received[2]) << 8 | Int(received[3])
            offset = 4
        } else if length == 127 {
            guard received.count >= 10 else { return nil }
            length = (2..<10).reduce(0) { $0 << 8 | Int(received[$1]) }
            offset = 10
        }
        guard received.count >= offset + length else { return nil }
        let frame = (opcode: received[0] & 0x0f, payload: Array(received[offset..<(offset + length)]))
        received.removeFirst(offset + length)
        return frame
    }

    /// Reads what is there; false at end of stream or timeout.
    private func readMore() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        received += buffer[..<count]
        return true
    }

    private func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }
}
