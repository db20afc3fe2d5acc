import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer
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
            for path in ["/letters/new?lang=\(language)", "/events/\(day.id)?lang=\(language)"] {
                let page = try await day.server.test { client in
                    try await client.execute(uri: path, method: .get) { response in
                        (response.status, String(buffer: response.body))
                    }
                }
                #expect(page.0 == .ok, "\(path)")
                #expect(page.1.contains(#"data-testid="privacy-notice""#), "\(path)")
                for (key, text) in notice {
                    // As the page escapes it.
                    let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
                        .replacingOccurrences(of: "'", with: "&#39;")
                    #expect(page.1.contains(escaped), "\(path): \(key)")
                }
            }
        }
    }
}
