import Foundation
import Synchronization

/// How many anonymous viewer sockets one client address may hold open at
/// once, across all live rooms (interviews today). Generous by default: behind carrier NAT
/// thousands of phones share one address (docs/security.md).
///
/// A socket is reserved at the handshake, where a refusal can still be an
/// HTTP 429, and taken over by the socket once it is open; a reservation
/// whose upgrade never completed lapses after a few seconds, so a dropped
/// handshake cannot leak a place.
final class ViewerSocketLimiter: Sendable {
    let maxPerAddress: Int
    /// How long a handshake's reservation waits for its socket.
    let reservationLifetime: Duration

    private struct Places {
        var open = 0
        var reserved: [ContinuousClock.Instant] = []
    }
    private let state = Mutex<[String: Places]>([:])

    init(maxPerAddress: Int, reservationLifetime: Duration = .seconds(10)) {
        self.maxPerAddress = maxPerAddress
        self.reservationLifetime = reservationLifetime
    }

    /// Reserves a place for a socket from `address`; false when the address
    /// already has its maximum open or being opened.
    func reserve(_ address: String) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            var places = state[address] ?? Places()
            places.reserved.removeAll { now - $0 > reservationLifetime }
            guard places.open + places.reserved.count < maxPerAddress else {
                state[address] = places
                return false
            }
            places.reserved.append(now)
            state[address] = places
            return true
        }
    }

    /// The upgraded socket takes its reservation (or, if it lapsed, a place
    /// anyway: the socket exists and counts).
    func open(_ address: String) {
        state.withLock { state in
            var places = state[address] ?? Places()
            if !places.reserved.isEmpty { places.reserved.removeFirst() }
            places.open += 1
            state[address] = places
        }
    }

    /// The socket closed.
    func close(_ address: String) {
        state.withLock { state in
            guard var places = state[address] else { return }
            places.open = max(0, places.open - 1)
            state[address] = places.open == 0 && places.reserved.isEmpty ? nil : places
        }
    }

    /// Sockets open from `address` now.
    func openCount(_ address: String) -> Int {
        state.withLock { $0[address]?.open ?? 0 }
    }
}
