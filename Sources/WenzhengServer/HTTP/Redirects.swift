import HTTPTypes
import Hummingbird

/// A redirect target that stays on this site: only absolute paths, never
/// `//host` or a scheme, so a crafted `next=` cannot send a signed-in
/// official to another site.
func localRedirectTarget(_ candidate: String?, fallback: String = "/") -> String {
    // Browsers drop tabs and newlines from URLs and treat `\` as `/`, so
    // `/\t/evil.example` would become `//evil.example`: refuse them all.
    guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"),
        !candidate.contains(where: {
            $0.isWhitespace || $0 == "\\" || $0.unicodeScalars.contains { $0.properties.generalCategory == .control }
        })
    else { return fallback }
    return candidate
}

extension Response {
    /// 303 See Other: the answer to a form post (Post/Redirect/Get).
    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
