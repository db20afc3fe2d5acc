import WenzhengCore
import WenzhengStore

/// The sign-in form.
struct LoginView: PageView {
    static let template = "login"

    /// Where to go after signing in (a local path).
    let next: String
    var username: String?
    /// Why the form is shown (a staff page needed a session).
    var notice: String?
    /// Why the last attempt failed.
    var error: String?
    /// The last attempt's field errors, marked beside the fields.
    var errors: FormErrors?
}

extension LoginView {
    /// The form again after a refused sign-in: why in one sentence, the
    /// fields that were missing, and the username kept.
    init(refused problem: Problem, next: String, username: String?, text: PageText) {
        let key =
            switch problem.statusCode {
            case 429: "login.throttled"
            case 422: "login.missing"
            default: "login.failed"
            }
        self.init(next: next, username: username, error: text(key), errors: FormErrors(problem, text: text, prefix: "login"))
    }
}

/// The staff area's landing page. It shows the signed-in staff member,
/// which the layout already has (`{{#staff}}`).
struct StaffHomeView: PageView {
    static let template = "staff-home"
}

/// Every staff account, for admins.
struct AdminUsersView: PageView {
    static let template = "admin-users"

    struct User {
        let username: String
        let displayName: String
        let roleName: String
        let department: String
        let disabled: Bool
    }

    let users: [User]

    init(_ users: [StaffUserSummary], text: PageText) {
        self.users = users.map { user in
            User(
                username: user.username, displayName: user.displayName, roleName: text("roles.\(user.role.rawValue)"),
                department: user.department, disabled: user.disabled)
        }
    }
}
