/// Who may read what citizens wrote before masking, and the contact details
/// they left (issue 9, item 6).
///
/// Everyone else on the staff (moderators, guests, hosts of other
/// interviews) sees the masked text, with the masked spans marked by kind,
/// and no contact details.
public enum PersonalInformationAccess {
    /// Admins always; a host only for the questions of the interview they
    /// host (they reply to its deferred questions). An interview without a
    /// host has no host who may.
    public static func mayReadUnmasked(_ role: Role, hostsTheInterview: Bool = false) -> Bool {
        switch role {
        case .admin: true
        case .host: hostsTheInterview
        case .moderator, .guest, .handler, .reviewer: false
        }
    }
}
