import Hummingbird
import WenzhengCore
import WenzhengStore

/// The public front page: what a citizen can take part in now. Its three
/// sections (upcoming interviews, open consultations, recent replies) are
/// filled by the features that own them as they land; until a feature has
/// data the section shows its empty state, never placeholder content.
struct HomeController {
    typealias Context = AppRequestContext
    let pages: PageRenderer
    let database: AppDatabase

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: home)
    }

    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let interviews = try await database.interviews.interviews(publicOnly: true)
            .filter { $0.status == .open || $0.status == .live }
            .reversed()
            .prefix(5)
            .map { interview -> [String: Any] in
                [
                    "url": "/interviews/\(interview.id)", "title": interview.title,
                    "when": OfficeTime.minute(interview.scheduledStart) + " · "
                        + pages.translate("interviews.statuses.\(interview.status.rawValue)", language: language),
                ]
            }
        let replies = try await database.mailbox.publishedLetters(limit: 5).map { letter -> [String: Any] in
            ["url": "/letters/\(letter.id)", "subject": letter.subject, "department": letter.replyDepartment, "repliedOn": letter.repliedOn]
        }
        let sections: [String: Any] = [
            "interviews": Array(interviews),
            "surveys": [[String: Any]](),
            "replies": replies,
        ]
        return try pages.render("home", titleKey: "home.title", data: sections, request: request, context: context)
    }
}
