import NIOCore
import NIOWebSocket
import Testing

@testable import WenzhengServer

/// How a viewer socket answers the client's close frame
/// (docs/live-protocol.md; found by Tests/interop/test_ws_fuzz.py, where the
/// server echoed codes such as 1005 and 58552 that no endpoint may send).
@Suite("Viewer close answer")
struct ViewerCloseAnswerTests {
    static func body(_ code: UInt16?, _ reason: [UInt8] = []) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let code { buffer.writeInteger(code) }
        buffer.writeBytes(reason)
        return buffer
    }

    @Test("A valid code is echoed; no body is answered with 1000")
    func echoes() {
        #expect(ViewerConnection.answer(toClose: Self.body(nil)) == .normalClosure)
        #expect(ViewerConnection.answer(toClose: Self.body(1000, Array("bye".utf8))) == .normalClosure)
        #expect(ViewerConnection.answer(toClose: Self.body(1001)) == .goingAway)
        #expect(ViewerConnection.answer(toClose: Self.body(3000)) == WebSocketErrorCode(codeNumber: 3000))
        #expect(ViewerConnection.answer(toClose: Self.body(4999, Array("再见".utf8))) == WebSocketErrorCode(codeNumber: 4999))
    }

    @Test("A one-byte body or a code no endpoint may send is answered with 1002", arguments: [
        0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 58552, 65535,
    ] as [UInt16])
    func reservedCodes(code: UInt16) {
        #expect(ViewerConnection.answer(toClose: Self.body(code)) == .protocolError)
        var oneByte = ByteBuffer()
        oneByte.writeInteger(UInt8(3))
        #expect(ViewerConnection.answer(toClose: oneByte) == .protocolError)
    }

    @Test("A reason that is not UTF-8 is answered with 1007")
    func invalidReason() {
        #expect(ViewerConnection.answer(toClose: Self.body(1000, [0xFF, 0xFE])) == .dataInconsistentWithMessage)
        #expect(ViewerConnection.answer(toClose: Self.body(1000, [0xE9, 0x95])) == .dataInconsistentWithMessage)
    }
}
