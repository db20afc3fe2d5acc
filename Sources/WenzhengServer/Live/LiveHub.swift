import Foundation
import NIOCore
import Synchronization

/// The live channels the server publishes on. One broadcaster per
/// audience; interviews add one per room.
public final class LiveHub: Sendable {
    /// Every change to the moderation queue, for moderators' consoles.
    public let moderation = Broadcaster(queueLimit: 1024)
    private let rooms = Mutex<[Int64: InterviewRoom]>([:])
    /// Interview viewer sockets per client address, across all rooms.
    let viewerSockets: ViewerSocketLimiter

    public init(maxViewerSocketsPerAddress: Int = AppConfiguration.defaultMaxViewerSocketsPerAddress) {
        viewerSockets = ViewerSocketLimiter(maxPerAddress: maxViewerSocketsPerAddress)
    }

    /// The live room of an interview, created on first use.
    func room(_ interviewID: Int64) -> InterviewRoom {
        rooms.withLock { rooms in
            if let room = rooms[interviewID] { return room }
            let room = InterviewRoom(id: interviewID)
            rooms[interviewID] = room
            return room
        }
    }

    var allRooms: [InterviewRoom] { rooms.withLock { Array($0.values) } }

    /// Viewers watching an interview now.
    public func viewerCount(interviewID: Int64) -> Int {
        rooms.withLock { $0[interviewID]?.viewers.subscriberCount ?? 0 }
    }

    /// Ends every live connection (server shutdown).
    public func finishAll() {
        moderation.finishAll()
        for room in allRooms {
            room.viewers.finishAll()
            room.console.finishAll()
        }
    }

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
}

/// The version every live frame carries, so clients can refuse a protocol
/// they do not know (docs/live-protocol.md).
let liveProtocolVersion = 1
