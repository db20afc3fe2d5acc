import ServiceLifecycle

/// Runs `work` every `interval` for as long as the server runs, and stops
/// at graceful shutdown. The one loop behind every periodic chore (viewer
/// counts, heartbeats, the overdue sweep, session pruning), so each chore
/// only says what it does and how often.
struct PeriodicService: Service {
    let interval: Duration
    /// Whether `work` also runs once at start, before the first interval.
    var runsAtStart = false
    let work: @Sendable () async -> Void

    func run() async throws {
        if runsAtStart { await work() }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            if Task.isCancelled { return }
            await work()
        }
    }
}
