import Hummingbird
import WenzhengCore

/// Reader preferences kept in cookies, set by plain links so they work
/// without JavaScript: interface language, and large text (适老化) for
/// older readers.
struct PreferencesPagesController {
    typealias Context = AppRequestContext
    let secureCookies: Bool

    func addRoutes(to router: Router<Context>) {
        router.get("/preferences", use: update)
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        var response = Response.seeOther(localRedirectTarget(query.get("next")))
        let oneYear = 365 * 24 * 3600
        if let code = query.get("lang") {
            guard let language = Language(code: code) else {
                throw Problem(kind: .badRequest, detail: "unsupported language '\(code)'; use zh or en")
            }
            response.setCookie(.init(name: "lang", value: language.rawValue, maxAge: oneYear, path: "/", secure: secureCookies, httpOnly: false, sameSite: .lax))
        }
        if let text = query.get("text") {
            guard text == "large" || text == "normal" else {
                throw Problem(kind: .badRequest, detail: "text must be large or normal")
            }
            response.setCookie(.init(name: "text", value: text, maxAge: oneYear, path: "/", secure: secureCookies, httpOnly: false, sameSite: .lax))
        }
        return response
    }
}
