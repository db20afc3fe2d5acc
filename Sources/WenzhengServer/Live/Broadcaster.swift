import NIOCore
import Synchronization

/// Fans encoded events out to many live connections without ever waiting
/// on one of them.
///
/// Each event is encoded once by the publisher into a `ByteBuffer`; every
/// subscriber gets the same buffer (copy-on-write, so no copy) in its own
/// bounded queue, with a non-suspending `yield`. Each connection's task
/// drains its own queue onto its socket, so one slow viewer never holds
/// back the room. When a subscriber's queue is full it is cut off: its
/// stream ends with `Overflow`, and the connection closes with a close
/// code telling the client to reconnect and resume from its last sequence
/// number, which the database can replay.
public final class Broadcaster: Sendable {
    /// Thrown at the end of a subscriber's stream when its queue overflowed.
    public struct Overflow: Error {}

    public struct Subscription: Sendable {
        public let id: Int
        public let frames: AsyncThrowingStream<ByteBuffer, any Error>
    }

    private struct State {
        var nextID = 0
        var subscribers: [Int: AsyncThrowingStream<ByteBuffer, any Error>.Continuation] = [:]
    }

    private let state = Mutex(State())
    /// Frames a subscriber may have queued before it is cut off.
    public let queueLimit: Int

    public init(queueLimit: Int = 256) {
        self.queueLimit = queueLimit
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    public func subscribe() -> Subscription {
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(queueLimit))
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.remove(id)
        }
        return Subscription(id: id, frames: stream)
    }

    public func unsubscribe(_ subscription: Subscription) {
        let continuation = state.withLock { $0.subscribers.removeValue(forKey: subscription.id) }
        continuation?.finish()
    }

    private func remove(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    /// Hands `frame` to every subscriber. Returns how many took it; the
    /// ones whose queues were full are cut off.
    @discardableResult
    public func publish(_ frame: ByteBuffer) -> Int {
        var overflowed: [AsyncThrowingStream<ByteBuffer, any Error>.Continuation] = []
        let delivered = state.withLock { state -> Int in
            var count = 0
            for (id, continuation) in state.subscribers {
                switch continuation.yield(frame) {
                case .enqueued:
                    count += 1
                case .dropped:
                    state.subscribers.removeValue(forKey: id)
                    overflowed.append(continuation)
                case .terminated:
                    state.subscribers.removeValue(forKey: id)
                @unknown default:
                    break
                }
            }
            return count
        }
        // Finishing outside the lock: termination handlers take it again.
        for continuation in overflowed {
            continuation.finish(throwing: Overflow())
        }
        return delivered
    }

    /// Ends every subscription (server shutdown).
    public func finishAll() {
        let all = state.withLock { state in
            let all = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return all
        }
        for continuation in all { continuation.finish() }
    }
}
