import Foundation
import Hummingbird
import WenzhengCore

/// A page's own values, in a struct the compiler checks: one type per
/// template, named `<Something>View`, in its feature's `…Views.swift`.
/// Templates reach its properties as `{{page.name}}`.
///
/// - Values that may be absent are optionals (nil is false in a section);
///   empty strings are not used to mean "absent".
/// - Every string is escaped where it is shown (`HTMLEscaping`).
protocol PageView {
    /// The template under Web/templates, without `.mustache`.
    static var template: String { get }
}

/// What the layout shows around every page: language, translations, the
/// preference links, the signed-in staff member. Built by `PageRenderer`.
struct Page<Content> {
    let lang: String
    /// The interface strings of the page's language (`{{t.login.title}}`).
    let t: [String: Any]
    let title: String
    /// The `<title>`: "<page> – <section> – 问政", so that a tab, a bookmark
    /// and a screen reader's window list say which page it is (WCAG 2.4.2).
    let documentTitle: String
    let path: String
    let isHome: Bool
    let otherLanguageName: String
    let otherLanguageURL: String
    /// The other language's tag, for the switch link's `lang` and `hreflang`
    /// (its name is written in that language: "English", "中文").
    let otherLanguageTag: String
    let largeText: Bool
    let textToggleURL: String
    let staff: StaffFrame?
    let csrf: String?
    /// The privacy notice's retention sentence (`privacy-notice.mustache`).
    let privacyRetention: String
    /// The page's own view.
    let page: Content
}

/// What a fragment (a piece of a page swapped in by a script) has besides
/// its own view: its language's strings and the CSRF token for its forms.
struct Fragment<Content> {
    let lang: String
    let t: [String: Any]
    let csrf: String?
    let page: Content
}

/// The signed-in staff member as the layout shows them.
struct StaffFrame {
    let displayName: String
    let username: String
    let role: String
    let roleName: String
    let department: String
    let isAdmin: Bool
    let isModerator: Bool
    let onAirRole: Bool
    let officeRole: Bool
    /// Builds and runs surveys (`SurveyActions.organisers`).
    let organiserRole: Bool
}

/// The strings of one request's language, for building views: lookups,
/// `{name}` placeholders, field error messages.
struct PageText {
    let language: Language
    let renderer: PageRenderer

    func callAsFunction(_ key: String) -> String { renderer.translate(key, language: language) }

    /// A translation with `{name}` placeholders filled in: word order and
    /// punctuation (（）。 or ( ).) belong to the language.
    func format(_ key: String, _ values: [String: String]) -> String {
        var text = self(key)
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// A field error in the reader's language: `<prefix>.errors.<field>.<code>`,
    /// else `errors.fields.<code>`, else the English message.
    func fieldMessage(_ error: FieldError, prefix: String) -> String {
        for key in ["\(prefix).errors.\(error.field).\(error.code)", "errors.fields.\(error.code)"] {
            let text = self(key)
            if text != key { return text }
        }
        return error.message
    }
}

/// What a form shows after a refused submission: the summary at the top
/// (a list linking to each field), and one message beside each field.
struct FormErrors {
    struct Message {
        let field: String
        let text: String
    }

    /// The sentence above the list ("请修改以下内容").
    let summary: String
    /// Every message, in the order of the fields' errors.
    let messages: [Message]
    /// The first message of each field, for `{{page.errors.fields.subject}}`
    /// beside the input and its `aria-invalid`.
    let fields: [String: String]

    /// A line of a summary, with the field it is about when there is one:
    /// the summary links it to the field (`href="#field"`, resolved to the
    /// input by Web/static/js/forms.js, which also marks the input
    /// `aria-invalid` and describes it by the message).
    struct SummaryLine {
        let field: String?
        let text: String
    }

    /// `lines` (messages a page chose to list) with their fields.
    func summaryLines(_ lines: [String]) -> [SummaryLine] {
        lines.map { line in SummaryLine(field: messages.first { $0.text == line }?.field, text: line) }
    }

    /// The problem's field errors in the reader's language; a problem
    /// without field errors (409, 429…) shows its own translated message.
    init(_ problem: Problem, text: PageText, prefix: String) {
        let errors = problem.errors ?? []
        messages = errors.map { Message(field: $0.field, text: text.fieldMessage($0, prefix: prefix)) }
        var fields: [String: String] = [:]
        for message in messages where fields[message.field] == nil { fields[message.field] = message.text }
        self.fields = fields
        let key = errors.isEmpty ? "errors.\(problem.statusCode)" : "errors.fix"
        let translated = text(key)
        summary = translated == key ? (problem.detail ?? problem.title) : translated
    }
}

/// One way for every form handler: run the action; when it is refused for
/// a reason the reader can fix (the input, the item's state, a limit:
/// 400, 403, 409, 413, 422, 429), show the form again with the problem;
/// anything else goes to the error page.
enum FormSubmission {
    static let statusesShownInForm: Set<Int> = [400, 403, 409, 413, 422, 429]

    static func run(
        context: AppRequestContext, _ action: () async throws -> Response,
        showFormAgain: (Problem) async throws -> Response
    ) async throws -> Response {
        do {
            return try await action()
        } catch {
            let problem = ErrorMiddleware.problem(for: error, context: context)
            guard statusesShownInForm.contains(problem.statusCode) else { throw error }
            var response = try await showFormAgain(problem)
            response.status = problem.status
            response.headers.append(contentsOf: problem.headers)
            return response
        }
    }
}
