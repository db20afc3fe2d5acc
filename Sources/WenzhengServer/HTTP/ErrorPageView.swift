import WenzhengCore

/// The page a browser gets for an error: its status in words, the detail
/// (not for 5xx, whose detail could carry internals), the field errors, and
/// the request id to quote to the office.
struct ErrorPageView: PageView {
    static let template = "error"

    struct FieldMessage {
        let field: String
        let message: String
    }

    let status: Int
    let message: String
    let detail: String?
    /// What the reader can do about it, where the status alone does not say
    /// (a 503 refused a post without saving it).
    let hint: String?
    let fieldErrors: [FieldMessage]
    let hasFieldErrors: Bool
    let requestID: String

    init(_ problem: Problem, text: PageText, requestID: String) {
        let key = "errors.\(problem.statusCode)"
        let translated = text(key)
        status = problem.statusCode
        message = translated == key ? problem.title : translated
        detail = problem.statusCode >= 500 ? nil : problem.detail.flatMap { $0.isEmpty ? nil : $0 }
        let hintKey = "errors.hint\(problem.statusCode)"
        let hintText = text(hintKey)
        hint = hintText == hintKey ? nil : hintText
        fieldErrors = (problem.errors ?? []).map { FieldMessage(field: $0.field, message: $0.message) }
        hasFieldErrors = !fieldErrors.isEmpty
        self.requestID = requestID
    }
}
