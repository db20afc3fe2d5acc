import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengTestFixtures

/// The surveys' part of the OpenAPI document (`Web/api/openapi.surveys.json`)
/// against real responses: every key a response has is declared in the
/// schema its operation names, every required key is there, and strings
/// with an enum or const take one of its values. Not a JSON Schema
/// validator: formats, patterns, bounds and number types are not checked.
@Suite struct SurveyOpenAPITests {
    /// Another browser's answer, with a ranking (so its results have an
    /// average position).
    static let rankedAnswers = #"""
        {"answers": {"used": {"choice": "no"}, "priorities": {"ranking": ["quality", "speed", "access", "cost"]},
         "aspects": {"matrix": {"staff": "good", "process": "good", "info": "fair"}}}}
        """#

    @Test func surveyResponsesHaveOnlyTheKeysTheDocumentDeclares() async throws {
        // Not anonymous, so the receipt carries its response id too.
        var definition = SurveyFixtures.legalAidSurvey()
        definition.isAnonymous = false
        let (server, id) = try await SurveyHTTPTests.openSurvey(definition)
        let schemas = try await server.prepare { client in
            let document = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            let schemas = try DeclaredKeys(document: Data(buffer: document.body))

            let answered = try await client.postJSON("/api/v1/surveys/\(id)/responses", SurveyHTTPTests.validAnswers)
            try schemas.expectFits(answered, "post", "/api/v1/surveys/{id}/responses", 201)
            let cookie = try #require(answered.headers[.setCookie]).split(separator: ";")[0]
            let again = try await client.postJSON(
                "/api/v1/surveys/\(id)/responses", SurveyHTTPTests.validAnswers, headers: [.cookie: String(cookie)])
            try schemas.expectFits(again, "post", "/api/v1/surveys/{id}/responses", 409, media: "application/problem+json")
            let ranked = try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.rankedAnswers)
            try schemas.expectFits(ranked, "post", "/api/v1/surveys/{id}/responses", 201)

            try schemas.expectFits(try await client.execute(uri: "/api/v1/surveys", method: .get), "get", "/api/v1/surveys", 200)
            try schemas.expectFits(try await client.execute(uri: "/api/v1/surveys/\(id)", method: .get), "get", "/api/v1/surveys/{id}", 200)

            let admin = try await client.logIn("admin")
            let staffSurvey = try await client.execute(uri: "/api/v1/surveys/\(id)", method: .get, headers: admin.headers())
            try schemas.expectFits(staffSurvey, "get", "/api/v1/surveys/{id}", 200)
            let staffKeys = try #require(try JSONSerialization.jsonObject(with: Data(buffer: staffSurvey.body)) as? [String: Any]).keys
            #expect(staffKeys.contains("invitations") && staffKeys.contains("invitationsUsed"))
            let results = try await client.execute(uri: "/api/v1/surveys/\(id)/results", method: .get, headers: admin.headers())
            try schemas.expectFits(results, "get", "/api/v1/surveys/{id}/results", 200)
            let export = try await client.execute(uri: "/api/v1/surveys/\(id)/export?format=json", method: .get, headers: admin.headers())
            try schemas.expectFits(export, "get", "/api/v1/surveys/{id}/export", 200)
            return schemas
        }
        server.clock.set(SurveyFixtures.closesAt)
        try await server.test { client in
            let late = try await client.postJSON("/api/v1/surveys/\(id)/responses", Self.rankedAnswers)
            try schemas.expectFits(late, "post", "/api/v1/surveys/{id}/responses", 409, media: "application/problem+json")
        }
    }
}

/// Which keys an OpenAPI schema declares: `properties` (merged over
/// `allOf`), `additionalProperties` for maps, `items`, and `oneOf`/`anyOf`
/// (one variant must fit), following `$ref`s into `components`.
struct DeclaredKeys: @unchecked Sendable {
    /// The parsed document, never mutated.
    let document: [String: Any]

    init(document data: Data) throws {
        document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The schema of an operation's response, following a `$ref` to
    /// `components/responses`.
    func schema(path: String, method: String, status: Int, media: String) -> [String: Any]? {
        let paths = document["paths"] as? [String: Any]
        let operation = (paths?[path] as? [String: Any])?[method] as? [String: Any]
        guard var response = (operation?["responses"] as? [String: Any])?[String(status)] as? [String: Any] else { return nil }
        if let target = response["$ref"] as? String, let resolved = lookUp(target) { response = resolved }
        return ((response["content"] as? [String: Any])?[media] as? [String: Any])?["schema"] as? [String: Any]
    }

    /// Expects `response` to have `status` and a body that fits the schema
    /// the document gives for it.
    func expectFits(_ response: TestResponse, _ method: String, _ path: String, _ status: Int, media: String = "application/json")
        throws
    {
        #expect(response.status.code == status, "\(method) \(path): \(response.text)")
        let expected = try #require(schema(path: path, method: method, status: status, media: media), "\(method) \(path) \(status)")
        let found = issues(try JSONSerialization.jsonObject(with: Data(buffer: response.body)), expected)
        #expect(found.isEmpty, "\(method) \(path) \(status): \(found)")
    }

    func lookUp(_ reference: String) -> [String: Any]? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any = document
        for part in reference.dropFirst(2).split(separator: "/") {
            guard let next = (node as? [String: Any])?[String(part)] else { return nil }
            node = next
        }
        return node as? [String: Any]
    }

    func resolved(_ schema: [String: Any]) -> [String: Any] {
        var schema = schema
        while let reference = schema["$ref"] as? String, let target = lookUp(reference) { schema = target }
        return schema
    }

    /// What `value` has that `schema` does not declare, what it lacks that
    /// `schema` requires, and strings outside an enum or const, as
    /// JSON-path-like strings; empty when it fits.
    func issues(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
        let schema = resolved(schema)
        if let variants = (schema["oneOf"] ?? schema["anyOf"]) as? [[String: Any]] {
            let tries = variants.map { issues(value, $0, at: path) }
            if tries.contains(where: \.isEmpty) { return [] }
            return ["\(path): no variant fits; the closest: \(tries.min { $0.count < $1.count } ?? [])"]
        }
        let (properties, required, additional, allowed) = declared(schema)
        switch value {
        case let object as [String: Any]:
            var found: [String] = []
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if let property = properties[key] {
                    found += issues(member, property, at: "\(path).\(key)")
                } else if let additional {
                    found += issues(member, additional, at: "\(path).\(key)")
                } else {
                    found.append("\(path).\(key) is not declared")
                }
            }
            for key in required.sorted() where object[key] == nil {
                found.append("\(path).\(key) is required but missing")
            }
            return found
        case let array as [Any]:
            guard let items = schema["items"] as? [String: Any] else { return [] }
            return array.enumerated().flatMap { issues($1, items, at: "\(path)[\($0)]") }
        case let string as String:
            if let allowed, !allowed.contains(string) { return ["\(path) is \(string), not one of \(allowed.sorted())"] }
            return []
        default:
            return []
        }
    }

    /// Properties, required keys, the schema of other keys, and the
    /// strings an enum or const allows; `allOf` members merged, later ones
    /// winning (a property a later member declares again replaces the
    /// earlier one: the `const` type of `OutsideWindowProblem` stands in for
    /// `Problem`'s enum of types, where JSON Schema would demand both).
    func declared(_ schema: [String: Any]) -> (
        properties: [String: [String: Any]], required: Set<String>, additional: [String: Any]?, allowed: Set<String>?
    ) {
        let schema = resolved(schema)
        var properties = schema["properties"] as? [String: [String: Any]] ?? [:]
        var required = Set(schema["required"] as? [String] ?? [])
        var additional = schema["additionalProperties"] as? [String: Any]
        var allowed = (schema["enum"] as? [Any]).map { Set($0.compactMap { $0 as? String }) }
        if let constant = schema["const"] as? String { allowed = [constant] }
        for member in schema["allOf"] as? [[String: Any]] ?? [] {
            let inner = declared(member)
            properties.merge(inner.properties) { _, new in new }
            required.formUnion(inner.required)
            additional = inner.additional ?? additional
            allowed = inner.allowed ?? allowed
        }
        return (properties, required, additional, allowed)
    }
}
