import Foundation
import Testing

@testable import WenzhengServer

/// The document's list of problem types is the server's: a client that
/// validates responses against the document must accept every problem the
/// server can send, and only those.
@Suite struct OpenAPIProblemTypesTests {
    @Test func theProblemSchemaListsExactlyTheServersProblemTypes() throws {
        let data = try OpenAPIDocument.load(webRoot: webRoot)
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let problem = try #require(schemas["Problem"] as? [String: Any])
        let type = try #require((problem["properties"] as? [String: Any])?["type"] as? [String: Any])
        let listed = try #require(type["enum"] as? [String])
        #expect(listed == Problem.Kind.allCases.map(\.typeURI))
    }
}
