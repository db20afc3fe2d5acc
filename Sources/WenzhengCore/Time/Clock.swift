import Foundation
import Synchronization

/// Where "now" comes from. Every rule that depends on time takes one of these
/// instead of calling `Date()`, so deadlines, session expiry and throttling
/// are deterministic under test.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The real clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to. For tests and for replaying
/// scenarios (`wenzheng` never uses it in production).
public final class ManualClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date) {
        self.current = Mutex(start)
    }

    public func now() -> Date {
        current.withLock { $0 }
    }

    public func advance(by interval: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(interval) }
    }

    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
