import ServiceLifecycle

/// Sends viewer counts (when they change, every 2 s) and heartbeats (every
/// 20 s) to every interview room.
struct LiveTickerService: Service {
    let hub: LiveHub

    func run() async throws {
        var ticks = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
            } catch {
                return
            }
            ticks += 1
            for room in hub.allRooms {
                room.publishViewerCountIfChanged()
                if ticks % 10 == 0 { room.ping() }
            }
        }
    }
}
