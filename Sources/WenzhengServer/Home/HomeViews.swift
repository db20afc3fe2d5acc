import Foundation
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

    /// A survey, a draft open for public comment or an open day taking
    /// registrations now, soonest closing first: what a citizen can still
    /// take part in.
    struct Participation {
        let url: String
        let title: String
        /// `问卷 · 2026-12-20 17:00 截止`: what it is and when it closes.
        let meta: String
        let closesAt: Date

        init(_ survey: SurveySummary, text: PageText) {
            url = "/surveys/\(survey.id)"
            title = survey.title
            closesAt = survey.closesAt
            meta = text("home.surveyLabel") + " · " + text.format("home.closes", ["date": OfficeTime.minute(survey.closesAt)])
        }

        init(_ consultation: ConsultationSummary, text: PageText) {
            url = "/consultations/\(consultation.id)"
            title = consultation.title
            closesAt = consultation.closesAt
            meta = text("home.consultationLabel") + " · " + text.format("home.closes", ["date": OfficeTime.minute(consultation.closesAt)])
        }

        /// `开放日 · 2026-12-05（周六）09:30 · 报名 2026-12-04 09:30 截止`.
        init(_ openDay: OpenDayView, text: PageText) {
            url = "/events/\(openDay.id)"
            title = openDay.openDay.title
            closesAt = EventActions.registrationWindow(openDay.openDay).closesAt
            meta =
                text("events.home.label") + " · " + EventsText.start(openDay.openDay, text: text) + " · "
                + text.format("events.home.closes", ["date": OfficeTime.minute(closesAt)])
        }
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
    let participation: [Participation]
    let replies: [Reply]
}
