import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import WenzhengCore
import WenzhengStore

/// Interface strings for one language, loaded from Web/i18n/<lang>.json.
/// The tree is built once at start and never mutated, which is why sharing
/// it across tasks is safe.
struct TranslationTable: @unchecked Sendable {
    let tree: [String: Any]

    /// Looks up a dotted key ("login.failed"); the key itself when missing,
    /// so a forgotten string is visible rather than blank.
    func string(_ key: String) -> String {
        var node: Any? = tree
        for part in key.split(separator: ".") {
            node = (node as? [String: Any])?[String(part)]
        }
        return node as? String ?? key
    }
}

/// Renders server-side pages: Mustache templates from Web/templates inside
/// the shared layout, with the request's language, the signed-in staff
/// member and the CSRF token in every page's context. Every `{{…}}` value
/// is escaped by `HTMLEscaping` (per Unicode scalar, not per character as
/// the library's own escaping does), so every user-written text is escaped
/// where it is shown; templates never use the unescaped `{{{…}}}` form.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let translations: [Language: TranslationTable]
    /// The periods the retention pass keeps (`serve --retention-…`), which
    /// the privacy notice states.
    let retention: RetentionPolicy

    public init(webRoot: String, retention: RetentionPolicy = .defaults) async throws {
        self.retention = retention
        let templates = URL(fileURLWithPath: webRoot).appendingPathComponent("templates").path
        guard FileManager.default.fileExists(atPath: templates) else {
            throw PageRendererError.missingFolder(templates)
        }
        self.library = try HTMLEscaping.loadTemplates(from: templates)
        var translations: [Language: TranslationTable] = [:]
        let folder = URL(fileURLWithPath: webRoot).appendingPathComponent("i18n")
        for language in Language.allCases {
            // `zh-CN.json`, then feature files `zh-CN.<feature>.json` merged
            // at the top level, so each feature keeps its own strings.
            let main = folder.appendingPathComponent("\(language.rawValue).json").path
            guard FileManager.default.fileExists(atPath: main) else { throw PageRendererError.missingFile(main) }
            let features = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            let files = [main] + features.filter { $0.hasPrefix(language.rawValue + ".") && $0.hasSuffix(".json") }.sorted()
                .map { folder.appendingPathComponent($0).path }
            var tree: [String: Any] = [:]
            for path in files {
                guard let data = FileManager.default.contents(atPath: path),
                    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { throw PageRendererError.invalidTranslations(path) }
                tree.merge(object) { _, new in new }
            }
            translations[language] = TranslationTable(tree: tree)
        }
        self.translations = translations
    }

    /// The language a request is served in.
    public func language(for request: Request) -> Language {
        Language.negotiate(
            explicit: request.uri.queryParameters.get("lang"),
            cookie: request.cookies["lang"]?.value,
            acceptLanguage: request.headers[.acceptLanguage])
    }

    func translate(_ key: String, language: Language) -> String {
        translations[language]?.string(key) ?? key
    }

    /// Renders a typed page inside the layout.
    ///
    /// - Parameters:
    ///   - title: the page's title, already in the reader's language (pages
    ///     name what they show: a letter's number, an interview's title).
    func render<View: PageView>(
        _ view: View, title: String, status: HTTPResponse.Status = .ok, request: Request, context: AppRequestContext
    ) throws -> Response {
        let language = language(for: request)
        let path = request.uri.path
        let next = Self.percentEncode(request.uri.description)
        let other: Language = language == .zh ? .en : .zh
        let largeText = request.cookies["text"]?.value == "large"
        let page = Page(
            lang: language.htmlTag, t: translations[language]?.tree ?? [:], title: title,
            documentTitle: documentTitle(title, path: path, language: language), path: path, isHome: path == "/",
            otherLanguageName: other == .en ? "English" : "中文",
            otherLanguageURL: "/preferences?lang=\(other == .en ? "en" : "zh")&next=\(next)", otherLanguageTag: other.htmlTag,
            largeText: largeText,
            textToggleURL: "/preferences?text=\(largeText ? "normal" : "large")&next=\(next)",
            staff: context.staff.map { staff in
                StaffFrame(
                    displayName: staff.displayName, username: staff.username, role: staff.role.rawValue,
                    roleName: translate("roles.\(staff.role.rawValue)", language: language), department: staff.department,
                    isAdmin: staff.role == .admin, isModerator: staff.role == .moderator || staff.role == .admin,
                    onAirRole: [.admin, .host, .guest, .moderator].contains(staff.role),
                    officeRole: [.admin, .handler, .reviewer].contains(staff.role),
                    organiserRole: [.admin, .host].contains(staff.role))
            },
            csrf: context.staff?.csrfToken, privacyRetention: privacyRetention(language), page: view)
        guard let html = library.render(page, withTemplate: View.template) else {
            throw PageRendererError.missingTemplate(View.template)
        }
        return Self.htmlResponse(html, status: status, language: language)
    }

    /// The privacy notice's "how long" sentence with the periods this server
    /// keeps, so that the notice never promises a period the retention pass
    /// does not keep (PIPL art. 17: the notice states the retention period).
    func privacyRetention(_ language: Language) -> String {
        let text = PageText(language: language, renderer: self)
        func period(_ years: Int) -> String {
            years == 1 ? text("privacy.retention.yearOne") : text.format("privacy.retention.years", ["years": String(years)])
        }
        let letters = retention.letterPersonalYears.map { text.format("privacy.retention.letters", ["period": period($0)]) }
            ?? text("privacy.retention.lettersKept")
        let registrations =
            retention.registrationPersonalYears.map { text.format("privacy.retention.registrations", ["period": period($0)]) }
            ?? text("privacy.retention.registrationsKept")
        return text.format("privacy.notice.retention", ["letters": letters, "registrations": registrations])
    }

    /// The sections of the site by path prefix (longest first), named as
    /// the navigation names them.
    static let sections: [(prefix: String, key: String)] = [
        ("/staff/interviews", "nav.staffInterviews"), ("/staff/surveys", "nav.staffSurveys"),
        ("/staff/consultations", "consultations.nav.office"), ("/staff/events", "events.nav.staff"),
        ("/admin/users", "nav.users"), ("/admin/moderation", "nav.moderationLists"), ("/admin/audit", "nav.audit"),
        ("/interviews", "nav.interviews"), ("/letters", "nav.letters"), ("/surveys", "nav.surveys"),
        ("/consultations", "consultations.nav.public"), ("/events", "events.nav.public"), ("/office", "nav.office"),
        ("/moderation", "nav.moderation"), ("/staff", "nav.staff"), ("/login", "nav.login"),
    ]

    /// "<page> – <section> – <site>", leaving out a part that repeats the
    /// one before it (the interviews list is titled 在线访谈 already).
    func documentTitle(_ title: String, path: String, language: Language) -> String {
        let site = translate("site.name", language: language)
        let section = Self.sections.first { path == $0.prefix || path.hasPrefix($0.prefix + "/") }
            .map { translate($0.key, language: language) }
        var parts: [String] = []
        for part in [title, section, site].compactMap({ $0 }) where !part.isEmpty && parts.last != part {
            parts.append(part)
        }
        return parts.joined(separator: " – ")
    }

    /// The strings of the request's language, for building its views.
    func text(for request: Request) -> PageText {
        PageText(language: language(for: request), renderer: self)
    }

    static func htmlResponse(_ html: String, status: HTTPResponse.Status, language: Language) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        // Pages can show a signed-in name or a CSRF token: never cache them
        // in shared caches.
        headers[.cacheControl] = "no-store"
        headers[.contentLanguage] = language.htmlTag
        headers[.vary] = "Cookie, Accept-Language"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: html)))
    }

    /// Renders a typed view without the layout: a piece of a page that a
    /// script swaps in (a moderation card after a live update).
    func renderFragment<View: PageView>(_ view: View, request: Request, context: AppRequestContext) throws -> Response {
        let language = language(for: request)
        let fragment = Fragment(
            lang: language.htmlTag, t: translations[language]?.tree ?? [:], csrf: context.staff?.csrfToken, page: view)
        guard let html = library.render(fragment, withTemplate: View.template) else {
            throw PageRendererError.missingTemplate(View.template)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: .init(string: html)))
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
    }
}

public enum PageRendererError: Error, CustomStringConvertible {
    case missingFolder(String)
    case missingFile(String)
    case invalidTranslations(String)
    case missingTemplate(String)
    case invalidTemplate(String, String)

    public var description: String {
        switch self {
        case .missingFolder(let path): "web templates folder not found: \(path)"
        case .missingFile(let path): "missing file: \(path)"
        case .invalidTranslations(let path): "translations file is not a JSON object: \(path)"
        case .missingTemplate(let name): "no template named '\(name)'"
        case .invalidTemplate(let path, let reason): "template \(path) does not parse: \(reason)"
        }
    }
}

extension HTTPField.Name {
    static let contentLanguage = Self("Content-Language")!
    static let requestID = Self("X-Request-Id")!
    static let csrfToken = Self("X-CSRF-Token")!
}
