import Foundation

/// The languages the interface is written in. Chinese comes first: it is
/// the default for anyone who does not ask for another.
public enum Language: String, Sendable, CaseIterable, Codable {
    case zh = "zh-CN"
    case en = "en"

    public static let fallback = Language.zh

    /// The value of `<html lang>`.
    public var htmlTag: String { rawValue }

    /// Accepts the short codes people type (`zh`, `en`, `zh-cn`, `en-GB`).
    public init?(code: String) {
        let primary = code.trimmingCharacters(in: .whitespaces).lowercased()
            .split(separator: "-").first.map(String.init) ?? ""
        switch primary {
        case "zh": self = .zh
        case "en": self = .en
        default: return nil
        }
    }

    /// Picks the language for a request: an explicit choice (query or cookie)
    /// wins, then the browser's Accept-Language by quality, then Chinese.
    public static func negotiate(explicit: String?, cookie: String?, acceptLanguage: String?) -> Language {
        if let explicit, let language = Language(code: explicit) { return language }
        if let cookie, let language = Language(code: cookie) { return language }
        if let acceptLanguage { return fromAcceptLanguage(acceptLanguage) ?? fallback }
        return fallback
    }

    /// RFC 9110 §12.5.4: the highest-quality supported range; ties keep
    /// header order.
    static func fromAcceptLanguage(_ header: String) -> Language? {
        var best: (language: Language, quality: Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let range = pieces.first, let language = Language(code: range) else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            guard quality > 0 else { continue }
            if best == nil || quality > best!.quality { best = (language, quality) }
        }
        return best?.language
    }
}
