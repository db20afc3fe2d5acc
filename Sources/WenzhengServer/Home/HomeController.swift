import Hummingbird
import WenzhengStore

/// The public front page: what a citizen can take part in now. Its three
/// sections (upcoming interviews, open consultations, recent replies) are
/// filled by the features that own them as they land; until a feature has
/// data the section shows its empty state, never placeholder content.
struct HomeController {
    typealias Context = AppRequestContext
    let pages: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: home)
    }

    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        let sections: [String: Any] = [
            "interviews": [[String: Any]](),
            "surveys": [[String: Any]](),
            "replies": [[String: Any]](),
        ]
        return try pages.render("home", titleKey: "home.title", data: sections, request: request, context: context)
    }
}
