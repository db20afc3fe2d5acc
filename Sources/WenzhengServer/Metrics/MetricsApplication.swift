import Hummingbird
import Logging
import NIOCore
import WenzhengCore

/// The scrape endpoint's own small application: `GET /metrics` and
/// nothing else, on `--metrics-address` (loopback by default), never on
/// the public port. A scraper sends no session cookie, so the address is
/// the access rule: only what can reach it may read the figures
/// (docs/operations.md, "Who can reach /metrics").
public func buildMetricsApplication(
    _ dependencies: AppDependencies, address: ListenAddress
) -> some ApplicationProtocol {
    var logger = dependencies.logger
    logger[metadataKey: "listener"] = "metrics"
    return Application(
        router: buildMetricsRouter(dependencies),
        configuration: .init(address: .hostname(address.host, port: address.port), serverName: dependencies.configuration.serverName),
        logger: logger)
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
