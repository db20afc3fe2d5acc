/// Who may read what citizens wrote before masking, and the contact details
/// they left (issue 9, item 6).
///
/// Everyone else on the staff (moderators, guests, hosts of other
/// interviews) sees the masked text, with the masked spans marked by kind,
/// and no contact details.
public enum PersonalInformationAccess {
    /// Admins always; a host only for the text they answer, which the
    /// feature that owns the text says (an interview's host answers its
    /// deferred questions; an interview without a host has no host who may).
    public static func mayReadUnmasked(_ role: Role, answersTheText: Bool = false) -> Bool {
        switch role {
        case .admin: true
        case .host: answersTheText
        case .moderator, .guest, .handler, .reviewer: false
        }
    }
}
