import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// An anonymous browser's identity: a random id in a cookie, used to allow
/// one vote per question and to rate-limit questions. It identifies a
/// browser, not a person, and is never shown.
///
/// The server issues every id and signs it (HMAC-SHA256 with a secret kept
/// in the database, `AppDatabase.serverSecret`), so a made-up cookie is not
/// a browser: it gets a fresh signed one instead and its vote is not
/// counted (docs/security.md, "Votes").
struct BrowserKeys: Sendable {
    static let cookieName = "wz_browser"
    /// What the database stores for the secret.
    static let secretPurpose = "browser-key"
    /// Separates these MACs from any other use of the same secret.
    static let context = "wz_browser.v1."

    /// Keyed once: each MAC starts from a copy of this state instead of
    /// hashing the key's pads again.
    private let keyed: HMAC<SHA256>

    init(secret: [UInt8]) {
        var keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
        keyed.update(data: Array(Self.context.utf8))
        self.keyed = keyed
    }

    /// The request's browser id when its cookie carries a valid signature;
    /// otherwise a new id with the cookie to set (a browser without one, or
    /// with one we did not sign).
    func resolve(_ request: Request, secure: Bool) -> (id: String, cookie: Cookie?) {
        if let value = request.cookies[Self.cookieName]?.value, let id = verify(value) {
            return (id, nil)
        }
        let id = SessionToken.generate()
        let cookie = Cookie(
            name: Self.cookieName, value: sign(id), maxAge: 365 * 24 * 3600, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
        return (id, cookie)
    }

    /// `ID.MAC`, both base64url.
    func sign(_ id: String) -> String {
        id + "." + mac(id)
    }

    /// The id a cookie value names, if we signed it.
    func verify(_ value: String) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 43, parts[1].count == 43 else { return nil }
        let id = String(parts[0])
        return SessionToken.constantTimeEquals(mac(id), String(parts[1])) ? id : nil
    }

    private func mac(_ id: String) -> String {
        var hmac = keyed
        hmac.update(data: Array(id.utf8))
        return SessionToken.base64URL(Array(hmac.finalize()))
    }
}
