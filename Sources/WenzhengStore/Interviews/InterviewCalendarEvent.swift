import Foundation
import WenzhengCore

extension ICalendarEvent {
    /// An interview as a calendar event, the same for the command line's
    /// calendar export and the interview page's `.ics`, so a calendar that
    /// imports both keeps one event (same UID, SEQUENCE from the revision).
    public init(_ interview: Interview, host: String, url: String?) {
        self.init(
            interviewID: interview.id, host: host, title: interview.title, summary: interview.summary,
            start: interview.scheduledStart, durationMinutes: interview.plannedMinutes,
            guests: interview.guests.map { GuestCredit(name: $0.name, title: $0.title, department: $0.department) }, url: url,
            revision: interview.revision, cancelled: interview.status == .cancelled, cancellationReason: interview.cancellationReason)
    }
}
