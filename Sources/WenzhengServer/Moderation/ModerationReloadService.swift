import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the moderation data on SIGHUP, the way daemons reload their
/// configuration. A broken file is logged with its line and the lists in
/// force stay.
struct ModerationReloadService: Service {
    let library: ModerationLibrary
    let channel: ModerationChannel
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                let loaded = try library.reload()
                let terms = loaded.summary.reduce(0) { $0 + $1.terms }
                logger.notice("moderation lists reloaded on SIGHUP", metadata: ["terms": "\(terms)"])
                channel.announceReload(terms: terms)
            } catch {
                logger.error("moderation reload failed; previous lists stay in force: \(error)")
            }
        }
    }
}
