import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengServer

/// Letter notices (docs/notifications.md, "Letters"): the address their
/// links point to and when the daily digest is made.
struct ServeLetterNoticeOptions: ParsableArguments {
    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "The site's public address, for the links in notices, e.g. https://wenzheng.sft.example.cn/. [env: WENZHENG_BASE_URL, default: \(LetterNoticeLinks.localDefault.base)]",
            valueName: "url"))
    var baseURL: String?

    @Option(
        name: .customLong("digest-time"),
        help: ArgumentHelp(
            "When departments get the daily digest of letters due within 2 working days and overdue, Beijing time, on working days; off for none. [env: WENZHENG_DIGEST_TIME, default: \(LetterDigestSchedule.standard)]",
            valueName: "HH:MM|off"))
    var digestTime: String?

    func apply(to configuration: inout AppConfiguration, settings: ServeSettings) throws {
        if let text = settings.text(baseURL, "base-url").flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let links = LetterNoticeLinks(base: text) else {
                throw ValidationError("--base-url must be an http or https address like https://wenzheng.example.gov.cn/, not '\(text)'")
            }
            configuration.noticeLinks = links
        }
        if let text = settings.text(digestTime, "digest-time").flatMap({ $0.isEmpty ? nil : $0 }) {
            if text.trimmingCharacters(in: .whitespaces).lowercased() == "off" {
                configuration.letterDigest = nil
            } else if let schedule = LetterDigestSchedule(parsing: text) {
                configuration.letterDigest = schedule
            } else {
                throw ValidationError("--digest-time must be a time of day like 08:30 (Beijing time) or off, not '\(text)'")
            }
        }
    }
}
