import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
import WenzhengStore

@Suite("Staff sign-in, sessions and CSRF")
struct AuthenticationTests {
    @Test(arguments: ServerTestBackend.underTest) func loginSetsAHardenedCookieAndReturnsTheSession(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .moderator, department: "宣传处")
        try await server.test { client in
            let response = try await client.postJSON("/api/v1/session", #"{"username":"Chen","password":"password-12345"}"#)
            #expect(response.status == .ok)
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("wz_session="))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"))
            #expect(response.text.contains(#""department":"宣传处""#))

            let credentials = try await client.logIn("chen")
            let me = try await client.execute(uri: "/api/v1/session", method: .get, headers: credentials.headers())
            #expect(me.status == .ok)
            #expect(me.text.contains(#""role":"moderator""#))
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func secureCookiesWhenConfiguredForTLS(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend) { $0.secureCookies = true }
        try await server.addStaff("chen", role: .moderator)
        try await server.test { client in
            let response = try await client.postJSON("/api/v1/session", #"{"username":"chen","password":"password-12345"}"#)
            #expect(response.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func wrongUserAndWrongPasswordGiveTheSame401(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .moderator)
        try await server.test { client in
            let wrongPassword = try await client.postJSON("/api/v1/session", #"{"username":"chen","password":"nope-nope-nope"}"#)
            let wrongUser = try await client.postJSON("/api/v1/session", #"{"username":"ghost","password":"nope-nope-nope"}"#)
            #expect(wrongPassword.status == .unauthorized)
            #expect(wrongUser.status == .unauthorized)
            #expect(wrongPassword.text == wrongUser.text)
            #expect(try wrongUser.problem().type == "urn:wenzheng:problem:invalid-credentials")
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func disabledAccountsCannotSignIn(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .moderator)
        try await server.database.accounts.disableStaffUser(username: "chen", actor: .commandLine(osUser: "t"), at: testStart)
        try await server.test { client in
            let response = try await client.postJSON("/api/v1/session", #"{"username":"chen","password":"password-12345"}"#)
            #expect(response.status == .unauthorized)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func missingFieldsAre422WithEachField(_ backend: ServerTestBackend) async throws {
        try await TestServer(on: backend).test { client in
            let response = try await client.postJSON("/api/v1/session", "{}")
            #expect(response.status == .unprocessableContent)
            let problem = try response.problem()
            #expect(problem.type == "urn:wenzheng:problem:validation-failed")
            #expect(problem.errors?.map(\.field) == ["username", "password"])
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func repeatedFailuresAreThrottledPerAccountAndAddress(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .moderator)
        try await server.test { client in
            for _ in 0..<5 {
                let response = try await client.postJSON("/api/v1/session", #"{"username":"chen","password":"wrong-wrong"}"#)
                #expect(response.status == .unauthorized)
            }
            // Even the right password is refused while throttled.
            let throttled = try await client.postJSON("/api/v1/session", #"{"username":"chen","password":"password-12345"}"#)
            #expect(throttled.status == .tooManyRequests)
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try throttled.problem().type == "urn:wenzheng:problem:too-many-requests")
            // After the back-off it works again.
            server.clock.advance(by: LoginThrottlePolicy.staffSignIn.perAccountAndAddress.firstDelay)
            let later = try await client.postJSON("/api/v1/session", #"{"username":"chen","password":"password-12345"}"#)
            #expect(later.status == .ok)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func parallelGuessesAreThrottledToo(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .moderator)
        try await server.test { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<15 {
                    group.addTask { try await client.postJSON("/api/v1/session", #"{"username":"chen","password":"wrong-wrong"}"#).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 5)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 10)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func theLastAdminCannotBeDisabled(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("root", role: .admin)
        await #expect(throws: StoreError.conflict("'root' is the last active admin")) {
            try await server.database.accounts.disableStaffUser(username: "root", actor: .commandLine(osUser: "t"), at: testStart)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func repeatedFailuresAreThrottledPerAddress(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend) {
            $0.loginThrottle = LoginThrottlePolicy(
                window: 900, perAccountAndAddress: FailureBackoff(freeFailures: 100, firstDelay: 30, maxDelay: 900),
                perAddress: FailureBackoff(freeFailures: 3, firstDelay: 30, maxDelay: 900))
        }
        try await server.test { client in
            for name in ["a1", "a2", "a3"] {
                let response = try await client.postJSON("/api/v1/session", #"{"username":"\#(name)","password":"wrong-wrong"}"#)
                #expect(response.status == .unauthorized)
            }
            let next = try await client.postJSON("/api/v1/session", #"{"username":"a4","password":"wrong-wrong"}"#)
            #expect(next.status == .tooManyRequests)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func unsafeRequestsWithASessionNeedTheCSRFToken(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("root", role: .admin)
        try await server.test { client in
            let credentials = try await client.logIn("root")
            let body = ByteBuffer(string: #"{"username":"new.user","role":"guest","password":"password-12345"}"#)
            let without = try await client.execute(
                uri: "/api/v1/staff/users", method: .post, headers: credentials.headers(json: true), body: body)
            #expect(without.status == .forbidden)
            #expect(try without.problem().type == "urn:wenzheng:problem:csrf-failed")
            var wrong = credentials
            wrong.csrfToken = "forged"
            let forged = try await client.execute(
                uri: "/api/v1/staff/users", method: .post, headers: wrong.headers(csrf: true, json: true), body: body)
            #expect(forged.status == .forbidden)
            let with = try await client.execute(
                uri: "/api/v1/staff/users", method: .post, headers: credentials.headers(csrf: true, json: true), body: body)
            #expect(with.status == .created)
            // Nothing was created by the refused attempts.
            #expect(try await server.database.accounts.staffUsers().count == 2)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func logoutEndsTheSessionForGood(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .host)
        try await server.test { client in
            let credentials = try await client.logIn("chen")
            let logout = try await client.execute(uri: "/api/v1/session", method: .delete, headers: credentials.headers(csrf: true))
            #expect(logout.status == .noContent)
            #expect(logout.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.execute(uri: "/api/v1/session", method: .get, headers: credentials.headers())
            #expect(after.status == .unauthorized)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func sessionsExpire(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .host)
        try await server.test { client in
            let credentials = try await client.logIn("chen")
            server.clock.advance(by: server.configuration.sessionLifetime + 1)
            let after = try await client.execute(uri: "/api/v1/session", method: .get, headers: credentials.headers())
            #expect(after.status == .unauthorized)
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func formLoginRedirectsLocallyAndFormLogoutNeedsTheToken(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .admin)
        try await server.test { client in
            let failed = try await client.postForm("/login", "username=chen&password=wrong&next=%2Fadmin%2Fusers")
            #expect(failed.status == .unauthorized)
            #expect(failed.text.contains("用户名或密码错误"))
            #expect(failed.text.contains(#"value="chen""#))

            let offsite = try await client.postForm("/login", "username=chen&password=password-12345&next=%2F%2Fevil.example")
            #expect(offsite.status == .seeOther)
            #expect(offsite.headers[.location] == "/staff")

            let ok = try await client.postForm("/login", "username=chen&password=password-12345&next=%2Fadmin%2Fusers")
            #expect(ok.headers[.location] == "/admin/users")
            let cookie = String(try #require(ok.headers[.setCookie]).split(separator: ";")[0])
            let page = try await client.execute(uri: "/admin/users", method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok)
            #expect(page.text.contains("data-testid=\"users-table\""))
            let csrf = try #require(page.text.firstMatch(of: /name="_csrf" value="([^"]+)"/)?.1)

            let noToken = try await client.postForm("/logout", "", headers: [.cookie: cookie])
            #expect(noToken.status == .forbidden)
            let logout = try await client.postForm("/logout", "_csrf=\(csrf)", headers: [.cookie: cookie])
            #expect(logout.status == .seeOther)
            let after = try await client.execute(uri: "/staff", method: .get, headers: [.cookie: cookie])
            #expect(after.status == .unauthorized)
            #expect(after.text.contains("data-testid=\"login-form\""))
        }
    }

    @Test("the sign-in form comes back with why: missing fields marked, a wrong password, too many tries", arguments: ServerTestBackend.underTest)
    func signInFormShowsWhyItWasRefused(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("chen", role: .admin)
        try await server.test { client in
            let missing = try await client.postForm("/login", "username=&password=&next=%2Fstaff")
            #expect(missing.status == .unprocessableContent)
            #expect(missing.text.contains("请填写用户名和密码"))
            #expect(missing.text.components(separatedBy: #"aria-invalid="true""#).count == 3)
            for _ in 0..<5 {
                let wrong = try await client.postForm("/login", "username=chen&password=wrong-wrong")
                #expect(wrong.status == .unauthorized)
                #expect(!wrong.text.contains("aria-invalid"))
            }
            let throttled = try await client.postForm("/login", "username=chen&password=password-12345")
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] != nil)
            #expect(throttled.text.contains("登录失败次数过多"))
            #expect(throttled.text.contains(#"value="chen""#))
        }
    }

    @Test(arguments: ServerTestBackend.underTest) func userTextIsEscapedInPages(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.database.accounts.createStaffUser(
            NewStaffUser(
                username: "xss", displayName: "<script>alert(1)</script>", role: .admin, department: "<b>部</b>",
                passwordHash: try await TestServer.hasher.hash("password-12345")),
            actor: .commandLine(osUser: "t"), at: testStart)
        try await server.test { client in
            let credentials = try await client.logIn("xss")
            let page = try await client.execute(uri: "/admin/users", method: .get, headers: credentials.headers())
            #expect(!page.text.contains("<script>alert(1)</script>"))
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.text.contains("<b>部</b>"))
        }
    }
}

@Suite("Staff administration API")
struct StaffAdministrationTests {
    @Test(arguments: ServerTestBackend.underTest) func adminCreatesListsDisablesAndEnablesAccounts(_ backend: ServerTestBackend) async throws {
        let server = try await TestServer(on: backend)
        try await server.addStaff("root", role: .admin)
        try await server.test { client in
            let admin = try await client.logIn("root")
            let created = try await client.execute(
                uri: "/api/v1/staff/users", method: .post, headers: admin.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"username":"Wang.Wu","displayName":"王五","role":"handler","department":"法律援助处","password":"password-12345"}"#))
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/api/v1/staff/users/wang.wu")
            #expect(!created.text.contains("password"))

            let duplicate = try await client.execute(
                uri: "/api/v1/staff/users", method: .post, headers: admin.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"username":"wang.wu","role":"handler","password":"password-12345"}"#))
            #expect(duplicate.status == .conflict)

            let invalid = try await client.execute(
                uri: "/api/v1/staff/users", method: .post, headers: admin.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"username":"王","role":"boss","password":"short"}"#))
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(try invalid.problem().errors?.map(\.field) ?? []) == ["role", "password"])

            let handler = try await client.logIn("wang.wu")
            let disabled = try await client.execute(
                uri: "/api/v1/staff/users/wang.wu/disable", method: .post, headers: admin.headers(csrf: true))
            #expect(disabled.status == .ok)
            #expect(disabled.text.contains(#""disabled":true"#))
            let handlerAfter = try await client.execute(uri: "/api/v1/session", method: .get, headers: handler.headers())
            #expect(handlerAfter.status == .unauthorized)

            let selfDisable = try await client.execute(
                uri: "/api/v1/staff/users/root/disable", method: .post, headers: admin.headers(csrf: true))
            #expect(selfDisable.status == .conflict)
            let missing = try await client.execute(
                uri: "/api/v1/staff/users/nobody/disable", method: .post, headers: admin.headers(csrf: true))
            #expect(missing.status == .notFound)

            let enabled = try await client.execute(
                uri: "/api/v1/staff/users/wang.wu/enable", method: .post, headers: admin.headers(csrf: true))
            #expect(enabled.text.contains(#""disabled":false"#))
            let list = try await client.execute(uri: "/api/v1/staff/users", method: .get, headers: admin.headers())
            #expect(list.text.contains("王五"))
        }
        let actions = try await server.database.audit.auditEntries().map(\.action)
        #expect(actions.contains("staff_user.disable"))
        #expect(actions.contains("staff_user.enable"))
    }
}
