import Hummingbird
import WenzhengCore
import WenzhengStore

/// The public front page: what a citizen can take part in now. Its three
/// sections (upcoming interviews; open surveys, drafts for comment and open
/// days taking registrations; recent replies) are
/// filled by the features that own them as they land; until a feature has
/// data the section shows its empty state, never placeholder content.
struct HomePagesController {
    typealias Context = AppRequestContext
    let pages: PageRenderer
    let database: AppDatabase
    let clock: any WallClock

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: home)
    }

    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let interviews = try await database.interviews.interviews(publicOnly: true)
            .filter { $0.status == .open || $0.status == .live }
            .reversed()
            .prefix(5)
        let now = clock.now()
        let surveys = try await database.surveys.surveys(states: [.open])
            .filter { $0.opensAt <= now && now < $0.closesAt }
            .map { HomeView.Participation($0, text: text) }
        let consultations = try await database.consultations.publicConsultations()
            .filter { $0.state == .open && $0.opensAt <= now && now < $0.closesAt }
            .map { HomeView.Participation($0, text: text) }
        // Open days while visitors may register: like a survey, something
        // to do now before a deadline (the registration's end).
        let openDays = try await database.events.openDays(year: nil, at: now)
            .filter { $0.openDay.registrationWindow(at: now) == .open }
            .map { HomeView.Participation($0, text: text) }
        let view = HomeView(
            interviews: interviews.map { HomeView.Interview($0, text: text) },
            participation: (surveys + consultations + openDays).sorted { $0.closesAt < $1.closesAt },
            replies: try await database.mailbox.publishedLetters(limit: 5).map(HomeView.Reply.init))
        return try pages.render(view, title: text("home.title"), request: request, context: context)
    }
}
