import WenzhengCore

extension PageRenderer {
    /// The banner for a `?notice=` code after a form action: the fixed
    /// message `group.code` in the translations, or nil for anything else.
    /// The query's text is never shown, so a crafted link cannot put its own
    /// words on a staff page (docs/security.md).
    ///
    /// - Parameter group: e.g. `moderation.notices`.
    func notice(_ code: String?, in group: String, language: Language) -> String? {
        guard let code, !code.isEmpty, code.count <= 32, code.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        let key = "\(group).\(code)"
        let text = translate(key, language: language)
        // A missing key comes back as itself.
        return text == key ? nil : text
    }
}
