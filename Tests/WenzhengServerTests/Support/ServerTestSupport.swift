import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// The repository's Web/ folder, found from this file's location.
/// The repository: the first folder above this file that holds Package.swift.
let repositoryRoot: URL = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), folder.path != "/" {
        folder.deleteLastPathComponent()
    }
    return folder
}()

/// The repository's Web/ folder.
let webRoot = repositoryRoot.appendingPathComponent("Web").path

let moderationDirectory = URL(fileURLWithPath: webRoot).deletingLastPathComponent().appendingPathComponent("Moderation").path

let testStart = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18

/// One application over a fresh temporary SQLite file, with a manual clock
/// and cheap password hashing (cost 4) so the suite stays fast.
/// `Router` is a class that is not Sendable; it is complete before any test
/// request runs and never mutated afterwards.
struct TestServer: @unchecked Sendable {
    let directory: URL
    let database: AppDatabase
    let clock: ManualClock
    let router: Router<AppRequestContext>
    let configuration: AppConfiguration
    let moderation: ModerationLibrary
    let hub: LiveHub
    let dependencies: AppDependencies

    static let hasher = PasswordHasher(cost: 4)

    /// - Parameter backend: SQLite (a temporary file), or a new database in
    ///   the PostgreSQL test cluster (`ServerTestBackend`).
    init(on backend: ServerTestBackend = .sqlite, configure: (inout AppConfiguration) -> Void = { _ in }) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-server-\(UUID().uuidString)")
        switch backend {
        case .sqlite:
            database = try AppDatabase.openFile(atPath: directory.appendingPathComponent("test.sqlite").path)
        case .postgres:
            database = try await ServerTestBackend.newPostgresDatabase()
        }
        clock = ManualClock(testStart)
        var configuration = AppConfiguration(port: 0, webRoot: webRoot, passwordHashCost: 4, logLevel: .warning)
        // The full parallel suite (both backends) starves tasks for seconds:
        // a search's 2 s limit would turn slow scheduling into 503s. Tests of
        // the limit set their own.
        configuration.letterSearchTimeLimit = .seconds(30)
        configure(&configuration)
        self.configuration = configuration
        var logger = Logger(label: "wenzheng-test")
        logger.logLevel = .warning
        moderation = try ModerationLibrary(directory: moderationDirectory)
        hub = LiveHub(configuration: configuration)
        dependencies = AppDependencies(
            configuration: configuration, database: database, moderation: moderation, clock: clock, hub: hub, logger: logger)
        router = try await buildRouter(dependencies)
    }

    /// Runs `body` against the router in process (no sockets).
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await app.test(.router, body)
    }

    /// Runs `body` against the router and keeps the database, for setting up
    /// what a later `test` checks.
    func prepare<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.router, body)
    }

    /// Runs `body` against the whole application on a real socket (for
    /// WebSocket tests).
    func testLive<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let app = try await buildApplication(dependencies)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await app.test(.live, body)
    }

    /// Submits a citizen's text to the queue as a feature would.
    @discardableResult
    func submit(_ text: String, kind: ContentKind = .question, source: String = UUID().uuidString, author: String? = nil) async throws
        -> ModerationItem
    {
        try await database.moderation.submitForModeration(
            NewModerationItem(
                kind: kind, sourceType: "test", sourceID: source, authorName: author, text: text,
                check: moderation.filter.check(text)),
            at: clock.now())
    }

    /// Creates a staff account directly in the store.
    @discardableResult
    func addStaff(_ username: String, role: Role, password: String = "password-12345", department: String = "办公室") async throws
        -> StaffUserSummary
    {
        try await database.accounts.createStaffUser(
            NewStaffUser(
                username: username, displayName: username.capitalized, role: role, department: department,
                passwordHash: try await Self.hasher.hash(password)),
            actor: .commandLine(osUser: "test"), at: clock.now())
    }
}

/// A signed-in API client's credentials.
struct StaffCredentials: Sendable {
    var cookie: String
    var csrfToken: String

    /// Headers for a request made with this session; `csrf` adds the token.
    func headers(csrf: Bool = false, json: Bool = false) -> HTTPFields {
        var fields: HTTPFields = [.cookie: cookie]
        if csrf { fields[HTTPField.Name("X-CSRF-Token")!] = csrfToken }
        if json { fields[.contentType] = "application/json" }
        return fields
    }
}

extension TestClientProtocol {
    func postJSON(_ uri: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        fields[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(string: json))
    }

    func postForm(_ uri: String, _ form: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        fields[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(string: form))
    }

    func logIn(_ username: String, password: String = "password-12345") async throws -> StaffCredentials {
        let response = try await postJSON("/api/v1/session", #"{"username":"\#(username)","password":"\#(password)"}"#)
        #expect(response.status == .ok)
        let session = try JSONDecoder().decode(SessionBody.self, from: Data(buffer: response.body))
        let cookie = try #require(response.headers[.setCookie]).split(separator: ";")[0]
        return StaffCredentials(cookie: String(cookie), csrfToken: session.csrfToken)
    }
}

extension TestClientProtocol {
    /// Signs in as `moderator` and approves every pending queue item.
    func approvePending(as moderator: String) async throws {
        let credentials = try await logIn(moderator)
        let listed = try await execute(uri: "/api/v1/moderation/items", method: .get, headers: credentials.headers())
        for item in try JSONDecoder.iso.decode(ItemsBody.self, from: Data(buffer: listed.body)).items {
            let decided = try await execute(
                uri: "/api/v1/moderation/items/\(item.id)/decision", method: .post, headers: credentials.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"action":"approve"}"#))
            #expect(decided.status == .ok)
        }
    }
}

struct SessionBody: Decodable {
    var username: String
    var role: String
    var csrfToken: String
}

struct ProblemBody: Decodable {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var errors: [FieldErrorBody]?

    struct FieldErrorBody: Decodable {
        var field: String
        var code: String
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func problem() throws -> ProblemBody {
        #expect(headers[.contentType] == "application/problem+json")
        return try JSONDecoder().decode(ProblemBody.self, from: Data(buffer: body))
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}

/// The backends the HTTP smoke tests run on: SQLite always, PostgreSQL when
/// `WENZHENG_TEST_POSTGRES_URL` names the test cluster (script/test starts
/// one; the store tests fail under CI without it).
enum ServerTestBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var postgresURL: PostgresLocation? {
        guard let text = ProcessInfo.processInfo.environment["WENZHENG_TEST_POSTGRES_URL"], !text.isEmpty else { return nil }
        return try? PostgresLocation(url: text)
    }

    static let underTest: [ServerTestBackend] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]

    var testDescription: String { rawValue }

    static func newPostgresDatabase() async throws -> AppDatabase {
        guard let cluster = postgresURL else { throw StoreError.cannotOpen(path: "WENZHENG_TEST_POSTGRES_URL", reason: "not set") }
        let name = "wz_http_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        var logger = Logger(label: "wenzheng.tests.postgres")
        logger.logLevel = .warning
        try await PostgresBackend.createDatabase(named: name, on: cluster, logger: logger)
        return try await AppDatabase.openPostgres(cluster.database(name), logger: logger, maximumConnections: 8)
    }
}
