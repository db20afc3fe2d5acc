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
///
/// Lock rule: `state` is only ever held to read or change the subscriber
/// table. No continuation is yielded to, finished or resumed, and no
/// callback runs, while it is held.
public final class Broadcaster: Sendable {
    /// Thrown at the end of a subscriber's stream when its queue overflowed.
    public struct Overflow: Error {}

    /// One encoded event, shared by every subscriber.
    public struct Frame: Sendable {
        /// The event's sequence number, or 0 for events that have none.
        public var seq: Int64
        public var bytes: ByteBuffer

        public init(seq: Int64 = 0, bytes: ByteBuffer) {
            self.seq = seq
            self.bytes = bytes
        }
    }

    public struct Subscription: Sendable {
        public let id: Int
        public let frames: AsyncThrowingStream<Frame, any Error>
    }

    private struct Subscriber {
        var continuation: AsyncThrowingStream<Frame, any Error>.Continuation
        /// Called (outside the lock) when the subscriber is cut off, so the
        /// connection can be closed even while a write is blocked.
        var onOverflow: (@Sendable () -> Void)?
    }

    private struct State {
        var nextID = 0
        var subscribers: [Int: Subscriber] = [:]
    }

    private let state = Mutex(State())
    /// Frames a subscriber may have queued before it is cut off.
    public let queueLimit: Int

    public init(queueLimit: Int = 256) {
        self.queueLimit = queueLimit
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    public func subscribe(onOverflow: (@Sendable () -> Void)? = nil) -> Subscription {
        let (stream, continuation) = AsyncThrowingStream<Frame, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(queueLimit))
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(continuation: continuation, onOverflow: onOverflow)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.remove(id)
        }
        return Subscription(id: id, frames: stream)
    }

    public func unsubscribe(_ subscription: Subscription) {
        let subscriber = state.withLock { $0.subscribers.removeValue(forKey: subscription.id) }
        subscriber?.continuation.finish()
    }

    /// Runs in a stream's termination handler, possibly under the
    /// runtime's task status lock: it must only take our lock, which is
    /// never held while calling out.
    private func remove(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    /// Hands `frame` to every subscriber. Returns how many took it; the
    /// ones whose queues were full are cut off.
    ///
    /// The subscriber list is copied out of the lock (a retain: the
    /// dictionary is copy-on-write) and every `yield` runs outside it. A
    /// `yield` can resume a waiting task, which takes that task's status
    /// lock inside the runtime; the runtime holds the same lock while it
    /// runs a cancelled stream's termination handler, which takes our lock
    /// in `remove`. Yielding under our lock deadlocked whole rooms when
    /// viewers left during a publish (docs/live-protocol.md, "Locks and
    /// continuations").
    @discardableResult
    public func publish(_ frame: Frame) -> Int {
        let subscribers = state.withLock { $0.subscribers }
        var delivered = 0
        var gone: [Int] = []
        var overflowed: [Subscriber] = []
        for (id, subscriber) in subscribers {
            switch subscriber.continuation.yield(frame) {
            case .enqueued:
                delivered += 1
            case .dropped:
                gone.append(id)
                overflowed.append(subscriber)
            case .terminated:
                gone.append(id)
            @unknown default:
                break
            }
        }
        if !gone.isEmpty {
            state.withLock { state in
                for id in gone { state.subscribers.removeValue(forKey: id) }
            }
        }
        for subscriber in overflowed {
            subscriber.continuation.finish(throwing: Overflow())
            subscriber.onOverflow?()
        }
        return delivered
    }

    @discardableResult
    public func publish(_ bytes: ByteBuffer) -> Int {
        publish(Frame(bytes: bytes))
    }

    /// Ends every subscription (server shutdown).
    public func finishAll() {
        let all = state.withLock { state in
            let all = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return all
        }
        for subscriber in all { subscriber.continuation.finish() }
    }
}
