import WenzhengCore
import WenzhengStore

/// The front page's three sections; an empty list shows the section's
/// empty state.
struct HomeView: PageView {
    static let template = "home"

    /// An interview open for questions or live now.
    struct Interview {
        let url: String
        let title: String
        /// `2026-12-03 10:00 · 征集问题中`: when, and its status.
        let when: String

        init(_ interview: WenzhengStore.Interview, text: PageText) {
            url = "/interviews/\(interview.id)"
            title = interview.title
            when = OfficeTime.minute(interview.scheduledStart) + " · " + text("interviews.statuses.\(interview.status.rawValue)")
        }
    }

    /// A survey or public consultation open now (none until that feature lands).
    struct Survey {
        let url: String
        let title: String
        let closes: String
    }

    /// A recently published reply to a letter.
    struct Reply {
        let url: String
        let subject: String
        let department: String
        let repliedOn: CivilDate?

        init(_ letter: PublishedLetter) {
            url = "/letters/\(letter.id)"
            subject = letter.subject
            department = letter.replyDepartment
            repliedOn = CivilDate("\(letter.repliedOn)")
        }
    }

    let interviews: [Interview]
    let surveys: [Survey]
    let replies: [Reply]
}
