import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames as bytes on the wire (RFC 6455 §5.2):
/// the viewer engine writes these straight to the socket, so a frame that
/// thousands of viewers receive is framed once, not once per viewer.
/// Server frames are never masked (§5.1).
enum WebSocketWire {
    /// A complete, unfragmented text frame carrying `payload`.
    static func text(_ payload: ByteBuffer) -> ByteBuffer {
        frame(opcode: 0x1, payload: payload)
    }

    /// A close frame with `code` and a short reason (trimmed to fit the
    /// 125-byte limit of control frames).
    static func close(_ code: WebSocketErrorCode, reason: String = "") -> ByteBuffer {
        var payload = ByteBuffer()
        payload.writeInteger(UInt16(webSocketErrorCode: code))
        var reasonBytes = Array(reason.utf8.prefix(123))
        // Never cut a UTF-8 character in half: the reason must stay valid text.
        while !reasonBytes.isEmpty, String(validating: reasonBytes, as: UTF8.self) == nil { reasonBytes.removeLast() }
        payload.writeBytes(reasonBytes)
        return frame(opcode: 0x8, payload: payload)
    }

    /// The answer to a ping: a pong with the ping's payload (§5.5.3).
    static func pong(_ payload: ByteBuffer) -> ByteBuffer {
        frame(opcode: 0xA, payload: payload)
    }

    static func frame(opcode: UInt8, payload: ByteBuffer) -> ByteBuffer {
        let length = payload.readableBytes
        var frame = ByteBuffer()
        frame.reserveCapacity(length + 10)
        frame.writeInteger(0x80 | opcode)  // FIN, no extensions
        switch length {
        case ..<126:
            frame.writeInteger(UInt8(length))
        case ..<65536:
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
        var payload = payload
        frame.writeBuffer(&payload)
        return frame
    }
}
