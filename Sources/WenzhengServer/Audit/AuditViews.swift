import WenzhengCore
import WenzhengStore

/// The audit log as admins read it, with the filter form's values.
struct AdminAuditView: PageView {
    static let template = "admin-audit"

    struct Entry {
        /// `2026-11-29 12:40`, Beijing time.
        let at: String
        let actor: String
        let action: String
        /// `letter 12`: the subject's type and id.
        let subject: String
        let before: String?
        let after: String?
        let client: String?
    }

    let entries: [Entry]
    let empty: Bool
    /// The filter's values as typed, shown again in the form.
    let since: String?
    let actor: String?

    init(entries: [AuditEntry], since: String?, actor: String?) {
        self.entries = entries.map { entry in
            Entry(
                at: OfficeTime.minute(entry.recordedAt), actor: entry.actorName, action: entry.action,
                subject: "\(entry.subjectType) \(entry.subjectId ?? "")", before: entry.beforeJson, after: entry.afterJson,
                client: entry.clientAddress)
        }
        empty = entries.isEmpty
        self.since = since
        self.actor = actor
    }
}
