import Hummingbird
import WenzhengCore
import WenzhengStore

/// The public front page: what a citizen can take part in now. Its three
/// sections (upcoming interviews, open consultations, recent replies) are
/// filled by the features that own them as they land; until a feature has
/// data the section shows its empty state, never placeholder content.
struct HomePagesController {
    typealias Context = AppRequestContext
    let pages: PageRenderer
    let database: AppDatabase

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: home)
    }

    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let interviews = try await database.interviews.interviews(publicOnly: true)
            .filter { $0.status == .open || $0.status == .live }
            .reversed()
            .prefix(5)
        let view = HomeView(
            interviews: interviews.map { HomeView.Interview($0, text: text) },
            surveys: [],
            replies: try await database.mailbox.publishedLetters(limit: 5).map(HomeView.Reply.init))
        return try pages.render(view, title: text("home.title"), request: request, context: context)
    }
}
