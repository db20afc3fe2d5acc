import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// Tests over the whole route table, so that a route added later cannot
/// slip past access control or the API document.
@Suite("Route table")
struct RouteTableTests {
    /// Who may use each route: the public pages and probes below, and each
    /// feature's list in its own folder (`accountsAccess` in Accounts/…).
    /// Every route the router has must be listed: a new route fails
    /// `everyRouteIsClassified` until someone decides who may call it.
    static let access: [String: Set<Role>?] = baseAccess.merging(accountsAccess) { $1 }.merging(auditAccess) { $1 }
        .merging(mailboxPublicAccess) { $1 }.merging(mailboxOfficeAccess) { $1 }.merging(withdrawalAccess) { $1 }
        .merging(moderationAccess) { $1 }.merging(interviewAccess) { $1 }
        .merging(consultationAccess) { $1 }.merging(surveyAccess) { $1 }.merging(eventAccess) { $1 }

    static let baseAccess: [String: Set<Role>?] = [
        // Public pages and probes (nil = no session needed)
        "GET /": nil,
        "GET /healthz": nil,
        "GET /readyz": nil,
        "GET /preferences": nil,
        "GET /api/v1/openapi.json": nil,
    ]

    static func routeKeys(_ router: Router<AppRequestContext>) -> Set<String> {
        Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    static func concretePath(_ template: String) -> String {
        template.replacing(/\{id\}/, with: "1").replacing(/\{[^}]+\}/, with: "someone")
    }

    @Test func everyRouteIsClassified() async throws {
        let server = try await TestServer()
        let routes = Self.routeKeys(server.router)
        #expect(routes.subtracting(Self.access.keys).isEmpty, "unclassified routes: \(routes.subtracting(Self.access.keys).sorted())")
        #expect(Set(Self.access.keys).subtracting(routes).isEmpty, "stale entries: \(Set(Self.access.keys).subtracting(routes).sorted())")
    }

    @Test("every staff route answers 401 without a session and 403 to a wrong role")
    func staffRoutesCheckSessionAndRole() async throws {
        let server = try await TestServer()
        for role in Role.allCases {
            try await server.addStaff("user-\(role.rawValue)", role: role)
        }
        let protected = Self.access.compactMapValues { $0 }
        try await server.test { client in
            var sessions: [Role: StaffCredentials] = [:]
            for role in Role.allCases {
                sessions[role] = try await client.logIn("user-\(role.rawValue)")
            }
            for (route, allowed) in protected.sorted(by: { $0.key < $1.key }) {
                let parts = route.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(String(parts[0]))!
                let uri = Self.concretePath(String(parts[1]))
                let anonymous = try await client.execute(uri: uri, method: method, headers: [.accept: "application/json"])
                #expect(anonymous.status == .unauthorized, "\(route) without a session gave \(anonymous.status)")
                for role in Role.allCases where !allowed.contains(role) {
                    let credentials = sessions[role]!
                    var headers = credentials.headers(csrf: true)
                    headers[.accept] = "application/json"
                    let response = try await client.execute(uri: uri, method: method, headers: headers)
                    #expect(response.status == .forbidden, "\(route) as \(role) gave \(response.status)")
                }
            }
        }
    }

    @Test("the OpenAPI document lists exactly the API routes")
    func openAPIMatchesTheRouter() async throws {
        let server = try await TestServer()
        let apiRoutes = Self.routeKeys(server.router).filter {
            $0.contains(" /api/") || $0.hasSuffix(" /healthz") || $0.hasSuffix(" /readyz")
        }
        let document = try await server.test { client in
            let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(response.status == .ok)
            return Data(buffer: response.body)
        }
        let json = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        #expect(json["openapi"] as? String == "3.1.0")
        let paths = try #require(json["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, operations) in paths {
            for method in operations.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(apiRoutes.subtracting(documented).isEmpty, "undocumented: \(apiRoutes.subtracting(documented).sorted())")
        #expect(documented.subtracting(apiRoutes).isEmpty, "documented but not routed: \(documented.subtracting(apiRoutes).sorted())")
    }
}
