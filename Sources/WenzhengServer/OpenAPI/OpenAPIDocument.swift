import Foundation

/// The hand-written OpenAPI 3.1 document: `Web/api/openapi.json` with the
/// `paths` and `components.schemas` of each feature's
/// `Web/api/openapi.<feature>.json` merged in. A test compares it with the
/// router's API routes in both directions, so it cannot drift from the code.
enum OpenAPIDocument {
    enum LoadError: Error, CustomStringConvertible {
        case missingFile(String)
        case notAnObject(String)

        var description: String {
            switch self {
            case .missingFile(let path): "missing file: \(path)"
            case .notAnObject(let path): "the OpenAPI document is not a JSON object: \(path)"
            }
        }
    }

    /// The merged document, encoded once. Refuses to start with a broken
    /// file rather than serve it.
    static func load(webRoot: String) throws -> Data {
        let folder = URL(fileURLWithPath: webRoot).appendingPathComponent("api")
        var document = try object(at: folder.appendingPathComponent("openapi.json").path)
        let fragments = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasPrefix("openapi.") && $0.hasSuffix(".json") && $0 != "openapi.json" }.sorted()
        for name in fragments {
            let fragment = try object(at: folder.appendingPathComponent(name).path)
            var paths = document["paths"] as? [String: Any] ?? [:]
            paths.merge(fragment["paths"] as? [String: Any] ?? [:]) { _, new in new }
            document["paths"] = paths
            var components = document["components"] as? [String: Any] ?? [:]
            var schemas = components["schemas"] as? [String: Any] ?? [:]
            schemas.merge((fragment["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]) { _, new in new }
            components["schemas"] = schemas
            document["components"] = components
        }
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func object(at path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.missingFile(path) }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw LoadError.notAnObject(path) }
        return object
    }
}
