import Foundation
import HTTPTypes
import Hummingbird

/// Serves the API's own description at `/api/v1/openapi.json`
/// (`OpenAPIDocument`).
struct OpenAPIAPIController {
    typealias Context = AppRequestContext
    let document: Data

    init(webRoot: String) throws {
        document = try OpenAPIDocument.load(webRoot: webRoot)
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/api/v1/openapi.json", use: serve)
    }

    @Sendable func serve(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
            body: .init(byteBuffer: .init(bytes: document)))
    }
}
