/// The periodic frames of every live room: viewer counts (sent only when
/// they change) and heartbeats. Intervals come from `AppConfiguration` (2 s
/// and 20 s by default; tests shorten them).
enum LiveTicker {
    static func services(hub: LiveHub, viewerCountInterval: Duration, heartbeatInterval: Duration) -> [PeriodicService] {
        [
            PeriodicService(interval: viewerCountInterval) {
                for room in hub.rooms() { room.publishViewerCountIfChanged() }
            },
            PeriodicService(interval: heartbeatInterval) {
                for room in hub.rooms() { room.ping() }
            },
        ]
    }
}
