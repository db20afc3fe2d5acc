import Hummingbird
import Logging
import WenzhengStore

/// Health probes for a supervisor or load balancer, in JSON: `/healthz` says the process
/// answers; `/readyz` says it can also reach its database.
struct OperationsAPIController {
    typealias Context = AppRequestContext
    let database: AppDatabase

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz", use: alive)
        router.get("/readyz", use: ready)
    }

    struct Status: ResponseEncodable {
        var status: String
    }

    @Sendable func alive(_ request: Request, context: Context) async throws -> Status {
        Status(status: "ok")
    }

    @Sendable func ready(_ request: Request, context: Context) async throws -> Status {
        do {
            try await database.ping()
        } catch {
            context.logger.error("readiness check failed: \(error)")
            throw Problem(kind: .serviceUnavailable, detail: "the database is not reachable")
        }
        return Status(status: "ready")
    }
}
