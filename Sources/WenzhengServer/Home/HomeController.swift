import Foundation
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
    let clock: any WallClock

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
        // Consultations open for comment now (or opening soon), soonest closing first.
        let now = clock.now()
        let consultations = try await database.consultations.publicConsultations()
            .filter { $0.state == .open && $0.closesAt > now }
            .sorted { $0.closesAt < $1.closesAt }
            .map { consultation -> [String: Any] in
                [
                    "url": "/consultations/\(consultation.id)", "title": consultation.title,
                    "closes": pages.translate("consultations.home.closes", language: language)
                        .replacingOccurrences(of: "{date}", with: OfficeTime.minute(consultation.closesAt)),
                ]
            }
        let sections: [String: Any] = [
            "interviews": Array(interviews),
            "surveys": [[String: Any]](),
            "consultations": consultations,
            "replies": replies,
        ]
        return try pages.render("home", titleKey: "home.title", data: sections, request: request, context: context)
    }
}
