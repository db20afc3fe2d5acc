import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

/// What `AppConfiguration` says is what the running application does: the
/// limits, the letter password cost and the log level are read from it,
/// not fixed in the builders.
@Suite("Configuration reaches the application")
struct ConfigurationTests {
    static let letter =
        #"{"type":"consultation","subject":"法律援助怎么申请","body":"请问申请法律援助需要哪些材料？","authorName":"李四","email":"li@example.cn","mayPublish":false}"#

    @Test func defaultsAreDocumentedValues() {
        let configuration = AppConfiguration(webRoot: webRoot)
        #expect(configuration.questionLimitPerBrowser == RateLimitPolicy(limit: 5, window: 600))
        #expect(configuration.questionLimitPerAddress == RateLimitPolicy(limit: 30, window: 600))
        #expect(configuration.voteLimitPerAddress == RateLimitPolicy(limit: 60, window: 600))
        #expect(configuration.voteLimitPerQuestion == RateLimitPolicy(limit: 10, window: 3600))
        #expect(configuration.letterLimitPerAddress == RateLimitPolicy(limit: 20, window: 600))
        #expect(configuration.surveyAnswerLimit == RateLimitPolicy(limit: 60, window: 600))
        #expect(configuration.consultationCommentLimit == RateLimitPolicy(limit: 10, window: 600))
        #expect(configuration.eventRegistrationLimit == RateLimitPolicy(limit: 20, window: 600))
        #expect(configuration.eventCodeLimit == RateLimitPolicy(limit: 20, window: 600))
        #expect(configuration.passwordHashCost == 12)
        #expect(configuration.letterPasswordHashCost == 10)
        #expect(configuration.sessionPruneInterval == .seconds(3600))
        #expect(configuration.surveyCloseInterval == .seconds(60))
        #expect(configuration.logLevel == .info)
    }

    @Test("the letter password cost is 10, or the staff cost when that is lower, unless set")
    func letterPasswordCost() {
        #expect(AppConfiguration(webRoot: webRoot, passwordHashCost: 4).letterPasswordHashCost == 4)
        #expect(AppConfiguration(webRoot: webRoot, passwordHashCost: 12, letterPasswordHashCost: 11).letterPasswordHashCost == 11)
    }

    @Test("letters are hashed at the configured cost and limited per address as configured")
    func letterLimitAndCost() async throws {
        let server = try await TestServer {
            $0.letterLimitPerAddress = RateLimitPolicy(limit: 2, window: 600)
            $0.letterPasswordHashCost = 5
        }
        try await server.test { client in
            for _ in 0..<2 {
                #expect(try await client.postJSON("/api/v1/letters", Self.letter).status == .created)
            }
            let third = try await client.postJSON("/api/v1/letters", Self.letter)
            #expect(third.status == .tooManyRequests)
            #expect(third.headers[.retryAfter] != nil)
        }
        let hashes = try await server.database.writer.read { db in try String.fetchAll(db, sql: "SELECT password_hash FROM letter") }
        #expect(hashes.count == 2)
        #expect(hashes.allSatisfy { $0.hasPrefix("$2b$05$") })
    }

    @Test("letters are limited per browser as configured: the form page sets the cookie, a refused browser leaves its address's allowance alone, a browser without the cookie is held by the address limit only")
    func lettersAreLimitedPerBrowser() async throws {
        let server = try await TestServer {
            $0.letterLimitPerBrowser = RateLimitPolicy(limit: 2, window: 600)
            $0.letterLimitPerAddress = RateLimitPolicy(limit: 4, window: 600)
        }
        try await server.test { client in
            #expect(RateLimitPolicy(limit: 5, window: 600) == AppConfiguration(webRoot: webRoot).letterLimitPerBrowser)
            let form = try await client.execute(uri: "/letters/new", method: .get)
            let setCookie = try #require(form.headers[.setCookie], "the letter form should set the browser cookie")
            let browser: HTTPFields = [.cookie: String(setCookie.split(separator: ";")[0])]
            #expect(setCookie.hasPrefix("wz_browser="))
            for _ in 0..<2 {
                let sent = try await client.postJSON("/api/v1/letters", Self.letter, headers: browser)
                #expect(sent.status == .created, "\(sent.text)")
                #expect(sent.headers[.setCookie] == nil, "a known browser keeps its cookie")
            }
            let refused = try await client.postJSON("/api/v1/letters", Self.letter, headers: browser)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
            #expect(refused.text.contains("from this browser"))
            // The same browser through the plain form: refused too.
            let page = try await client.postForm("/letters", CitizenMailbox.form(CitizenMailbox.goodLetter), headers: browser)
            #expect(page.status == .tooManyRequests)
            // Without the cookie the address's allowance is what is left: 2 of 4.
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                let sent = try await client.postJSON("/api/v1/letters", Self.letter)
                #expect(sent.status != .created || sent.headers[.setCookie]?.hasPrefix("wz_browser=") == true)
                statuses.append(sent.status)
            }
            #expect(statuses == [.created, .created, .tooManyRequests])
        }
    }

    @Test("questions are limited per address as configured, whatever the browser")
    func questionsAreLimitedPerAddressAsConfigured() async throws {
        let server = try await TestServer { $0.questionLimitPerAddress = RateLimitPolicy(limit: 2, window: 600) }
        try await server.addStaff("host", role: .host)
        let statuses = try await server.test { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            #expect(try await host.status(id, "open").status == .ok)
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<3 {
                statuses.append(try await host.ask(id, "问题\(index)", headers: try await host.browser(id)).status)
            }
            return statuses
        }
        #expect(statuses == [.created, .created, .tooManyRequests])
    }

    @Test func theLoggerTakesTheConfiguredLevel() throws {
        var logger = Logger(label: "test")
        logger.logLevel = .trace
        let dependencies = AppDependencies(
            configuration: AppConfiguration(webRoot: webRoot, logLevel: .error), database: try AppDatabase.inMemory(),
            moderation: try ModerationLibrary(directory: moderationDirectory), logger: logger)
        #expect(dependencies.logger.logLevel == .error)
    }
}
