import Foundation

/// What a staff member may do. Citizens have no account and no role: the
/// public side of Wenzheng is usable anonymously.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Manages accounts, settings and word lists; sees the audit log.
    case admin
    /// Approves or rejects citizens' text before it is public (先审后发).
    case moderator
    /// Runs a live interview: picks questions, posts remarks.
    case host
    /// The official being interviewed; posts answers.
    case guest
    /// Department staff who draft replies to letters.
    case handler
    /// The leader who signs off replies before they are sent.
    case reviewer

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses a role name as typed on the command line or in a form.
    public init(parsing text: String) throws(FieldError) {
        guard let role = Role(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw FieldError.invalid(
                "role", "unknown role '\(text)'; expected one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = role
    }
}
