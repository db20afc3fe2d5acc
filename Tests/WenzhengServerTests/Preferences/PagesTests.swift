import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Pages, language and large text")
struct PagesTests {
    @Test func homePageIsChineseByDefault() async throws {
        try await TestServer().test { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.text.contains(#"<html lang="zh-CN""#))
            #expect(response.text.contains("欢迎参与问政"))
            #expect(response.text.contains("近期暂无在线访谈安排"))
            #expect(response.headers[.cacheControl] == "no-store")
        }
    }

    @Test func englishByQueryCookieOrAcceptLanguage() async throws {
        try await TestServer().test { client in
            let byQuery = try await client.execute(uri: "/?lang=en", method: .get)
            #expect(byQuery.text.contains(#"<html lang="en""#))
            #expect(byQuery.text.contains("Take part in government"))
            let byCookie = try await client.execute(uri: "/", method: .get, headers: [.cookie: "lang=en"])
            #expect(byCookie.text.contains("Upcoming online interviews"))
            let byHeader = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "en-US,en;q=0.9"])
            #expect(byHeader.text.contains(#"<html lang="en""#))
            let chinesePreferred = try await client.execute(
                uri: "/", method: .get, headers: [.acceptLanguage: "en;q=0.5,zh-CN"])
            #expect(chinesePreferred.text.contains(#"<html lang="zh-CN""#))
        }
    }

    @Test func preferencesSetCookiesAndRedirectOnlyLocally() async throws {
        try await TestServer().test { client in
            let response = try await client.execute(uri: "/preferences?lang=en&next=/login", method: .get)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/login")
            #expect(response.headers[.setCookie]?.contains("lang=en") == true)
            let large = try await client.execute(uri: "/preferences?text=large&next=//evil.example/", method: .get)
            #expect(large.headers[.location] == "/")
            #expect(large.headers[.setCookie]?.contains("text=large") == true)
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: "text=large"])
            #expect(page.text.contains(#"class="large-text""#))
            for trick in ["/%09/evil.example", "/%5Cevil.example", "/%0D%0ASet-Cookie:x=1"] {
                let response = try await client.execute(uri: "/preferences?text=large&next=\(trick)", method: .get)
                #expect(response.headers[.location] == "/", "\(trick)")
            }
            let bad = try await client.execute(uri: "/preferences?lang=fr", method: .get)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func titlesNamePageSectionAndSite() async throws {
        try await TestServer().test { client in
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.text.contains("<title>首页 – 问政</title>"))
            // The switch names English in English and says so.
            #expect(home.text.contains(#"lang="en" hreflang="en" data-testid="switch-language">English</a>"#))
            let login = try await client.execute(uri: "/login?lang=en", method: .get)
            #expect(login.text.contains(#"lang="zh-CN" hreflang="zh-CN" data-testid="switch-language">中文</a>"#))
            // A section page: "<page> – <section> – <site>", a part that
            // repeats the one before it left out.
            let statistics = try await client.execute(uri: "/letters/statistics", method: .get)
            let title = statistics.text.components(separatedBy: "<title>").dropFirst().first?.components(separatedBy: "</title>").first
            #expect(title?.hasSuffix(" – 领导信箱 – 问政") == true, "\(title ?? "no title")")
            #expect(title?.hasPrefix(" – ") == false)
            let interviews = try await client.execute(uri: "/interviews", method: .get)
            #expect(interviews.text.contains("<title>在线访谈 – 问政</title>"))
            let english = try await client.execute(uri: "/letters/statistics?lang=en", method: .get)
            #expect(english.text.contains(" – Leader&#39;s mailbox – Wenzheng</title>"))
        }
    }

    @Test func translationFilesHaveTheSameKeys() throws {
        func keys(_ language: String) throws -> Set<String> {
            let folder = "\(webRoot)/i18n"
            let files = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { $0 == "\(language).json" || ($0.hasPrefix("\(language).") && $0.hasSuffix(".json")) }
            var result = Set<String>()
            func walk(_ node: Any, _ prefix: String) {
                if let object = node as? [String: Any] {
                    for (key, value) in object { walk(value, prefix.isEmpty ? key : "\(prefix).\(key)") }
                } else {
                    result.insert(prefix)
                }
            }
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(file)"))
                walk(try JSONSerialization.jsonObject(with: data), "")
            }
            return result
        }
        let chinese = try keys("zh-CN")
        let english = try keys("en")
        #expect(chinese.subtracting(english).isEmpty, "missing in en: \(chinese.subtracting(english).sorted())")
        #expect(english.subtracting(chinese).isEmpty, "missing in zh-CN: \(english.subtracting(chinese).sorted())")
    }
}
