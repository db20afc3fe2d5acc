import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
@testable import WenzhengServer
import WenzhengStore

/// The privacy notice (Web/templates/privacy-notice.mustache, PIPL arts. 17
/// and 44–47) on the forms that collect personal data, in both languages.
@Suite("Privacy notice on forms")
struct PrivacyNoticeTests {
    static func strings(_ language: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: webRoot).appendingPathComponent("i18n/\(language).json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return ((json?["privacy"] as? [String: Any])?["notice"] as? [String: String]) ?? [:]
    }

    @Test("the letter form and the open-day registration form show the whole notice, in Chinese and in English")
    func noticeOnForms() async throws {
        let day = try await OpenDayHTTP()
        for language in ["zh-CN", "en"] {
            let notice = try Self.strings(language)
            #expect(notice.count == 6)
            let renderer = try await PageRenderer(webRoot: webRoot)
            let retention = renderer.privacyRetention(language == "en" ? .en : .zh)
            for path in ["/letters/new?lang=\(language)", "/events/\(day.id)?lang=\(language)"] {
                let page = try await day.server.test { client in
                    try await client.execute(uri: path, method: .get) { response in
                        (response.status, String(buffer: response.body))
                    }
                }
                #expect(page.0 == .ok, "\(path)")
                #expect(page.1.contains(#"data-testid="privacy-notice""#), "\(path)")
                // The retention sentence is filled in with the server's periods.
                for (key, text) in notice.filter({ $0.key != "retention" }) + [("retention (filled in)", retention)] {
                    // As the page escapes it.
                    let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
                        .replacingOccurrences(of: "'", with: "&#39;")
                    #expect(page.1.contains(escaped), "\(path): \(key)")
                }
            }
        }
    }

    @Test("the notice states the retention periods the server keeps, in both languages, and says so when it keeps them")
    func retentionSentenceFollowsTheOptions() async throws {
        let defaults = try await PageRenderer(webRoot: webRoot)
        #expect(
            defaults.privacyRetention(.zh)
                == "保存期限：事项办结3年后，来信中的姓名、联系方式、网络地址和附件即予删除，来信正文和答复保留；开放日报名信息在活动结束一年后删除。系统日志按《网络安全法》第二十一条保存不少于六个月。")
        #expect(
            defaults.privacyRetention(.en)
                == "How long: A letter's name, contact details, network address and attachments are deleted 3 years after the matter is closed; the letter's text and reply are kept. Open-day registrations are deleted one year after the day. System logs are kept for at least six months (Cybersecurity Law art. 21).")
        let configured = try await PageRenderer(
            webRoot: webRoot, retention: RetentionPolicy(letterPersonalYears: 1, registrationPersonalYears: nil))
        #expect(configured.privacyRetention(.zh).contains("事项办结一年后"))
        #expect(configured.privacyRetention(.zh).contains("开放日报名信息按本单位档案规定保存。"))
        #expect(configured.privacyRetention(.en).contains("deleted one year after the matter is closed"))
        #expect(configured.privacyRetention(.en).contains("Open-day registrations are kept under this office's records rules."))
        // No placeholder is left unfilled in either language.
        for language in [Language.zh, .en] {
            for renderer in [defaults, configured] { #expect(!renderer.privacyRetention(language).contains("{")) }
        }
    }

    @Test("a served letter form states the periods of the server's own retention options")
    func servedNoticeFollowsTheConfiguration() async throws {
        let server = try await TestServer {
            $0.retention = RetentionPolicy(letterPersonalYears: 7, registrationPersonalYears: 2)
        }
        let page = try await server.test { client in
            try await client.execute(uri: "/letters/new?lang=zh-CN", method: .get) { String(buffer: $0.body) }
        }
        #expect(page.contains("事项办结7年后"))
        #expect(page.contains("开放日报名信息在活动结束2年后删除。"))
    }
}
