import Foundation
import HTTPTypes
import Hummingbird

/// Serves the hand-written OpenAPI 3.1 document (Web/api/openapi.json).
/// A test compares it with the router's API routes in both directions, so
/// it cannot drift from the code.
struct OpenAPIController {
    typealias Context = AppRequestContext
    let document: Data

    init(webRoot: String) throws {
        let path = URL(fileURLWithPath: webRoot).appendingPathComponent("api/openapi.json").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PageRendererError.missingFile(path)
        }
        // Refuse to start with a broken document rather than serve it.
        _ = try JSONSerialization.jsonObject(with: data)
        self.document = data
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
