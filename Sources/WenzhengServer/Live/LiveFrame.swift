import Foundation
import NIOCore

/// The version every live frame carries, so clients can refuse a protocol
/// they do not know (docs/live-protocol.md).
let liveProtocolVersion = 1

/// Encoding frames, and the frames every room sends whatever it streams.
enum LiveFrame {
    /// Encodes an event once, as the text frame every subscriber gets.
    static func encode(_ event: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Encoding our own value types cannot fail; if it ever did, an empty
        // object is better than a crash in the publisher.
        let data = (try? encoder.encode(event)) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    /// How many viewers a room has.
    struct Viewers: Encodable {
        var v = liveProtocolVersion
        var type = "viewers"
        var count: Int
    }

    /// A frame that is only its type: `ping`, or a signal to refetch.
    struct Signal: Encodable {
        var v = liveProtocolVersion
        var type: String
    }
}
