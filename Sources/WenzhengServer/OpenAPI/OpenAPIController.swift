import Foundation
import HTTPTypes
import Hummingbird

/// Serves the hand-written OpenAPI 3.1 document (Web/api/openapi.json).
/// A test compares it with the router's API routes in both directions, so
/// it cannot drift from the code.
struct OpenAPIController {
    typealias Context = AppRequestContext
    let document: Data

    /// Reads `api/openapi.json` and merges the `paths` and
    /// `components.schemas` of each feature's `api/openapi.<feature>.json`.
    init(webRoot: String) throws {
        let folder = URL(fileURLWithPath: webRoot).appendingPathComponent("api")
        let path = folder.appendingPathComponent("openapi.json").path
        func load(_ path: String) throws -> [String: Any] {
            guard let data = FileManager.default.contents(atPath: path) else { throw PageRendererError.missingFile(path) }
            // Refuse to start with a broken document rather than serve it.
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw PageRendererError.invalidTranslations(path)
            }
            return object
        }
        var document = try load(path)
        let fragments = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasPrefix("openapi.") && $0.hasSuffix(".json") && $0 != "openapi.json" }.sorted()
        for name in fragments {
            let fragment = try load(folder.appendingPathComponent(name).path)
            var paths = document["paths"] as? [String: Any] ?? [:]
            paths.merge(fragment["paths"] as? [String: Any] ?? [:]) { _, new in new }
            document["paths"] = paths
            var components = document["components"] as? [String: Any] ?? [:]
            var schemas = components["schemas"] as? [String: Any] ?? [:]
            schemas.merge((fragment["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]) { _, new in new }
            components["schemas"] = schemas
            document["components"] = components
        }
        self.document = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
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
