import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WenzhengCore

/// The scrape endpoint's own small application: `GET /metrics` and
/// nothing else, on `--metrics-address` (loopback by default), never on
/// the public port. A scraper sends no session cookie, so the address is
/// the access rule: only what can reach it may read the figures
/// (docs/operations.md, "Who can reach /metrics").
public func buildMetricsApplication(
    _ dependencies: AppDependencies, address: ListenAddress
) -> some Service {
    var logger = dependencies.logger
    logger[metadataKey: "listener"] = "metrics"
    return MetricsListener(
        application: Application(
            router: buildMetricsRouter(dependencies),
            configuration: .init(
                address: .hostname(address.host, port: address.port), serverName: dependencies.configuration.serverName),
            logger: logger),
        address: address)
}

/// The metrics application, whose failure to listen names the option that
/// chose the address. Two servers on one machine both default to
/// 127.0.0.1:9464, and a bare "bind(…): Address already in use" printed
/// after the start-up banner does not say which of the two listeners, or
/// which option, to change.
struct MetricsListener<App: ApplicationProtocol>: Service {
    let application: App
    let address: ListenAddress

    func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EADDRNOTAVAIL || error.errnoCode == EACCES {
            throw MetricsListenerError(address: address, reason: String(cString: strerror(error.errnoCode)))
        }
    }
}

/// The metrics listener could not listen; the server stops.
public struct MetricsListenerError: Error, CustomStringConvertible {
    public var address: ListenAddress
    public var reason: String
    public var description: String {
        "the metrics listener cannot listen on \(address) (\(reason)); give another address with --metrics-address, or turn it off with --metrics-address off"
    }
}

/// The metrics listener's router (tests drive it without a socket).
public func buildMetricsRouter(_ dependencies: AppDependencies) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    let metrics = dependencies.metrics
    router.get("/metrics") { _, context -> Response in
        let text = await metrics.collect(
            database: dependencies.database, hub: dependencies.hub, clock: dependencies.clock, logger: context.logger)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }
    return router
}
