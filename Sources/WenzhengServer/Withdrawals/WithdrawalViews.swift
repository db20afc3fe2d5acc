import WenzhengCore

/// What pages show of withdrawals, for letters and interviews alike.
enum WithdrawalViews {
    /// A refused withdrawal or republication as one line: each bad field's
    /// message (`withdrawals.errors.<field>.<code>`, else the English one),
    /// or the fixed message for its status (`withdrawals.errors.<status>`).
    static func problemMessage(_ problem: Problem, language: Language, pages: PageRenderer) -> String {
        if let errors = problem.errors, !errors.isEmpty {
            return errors.map { error in
                let key = "withdrawals.errors.\(error.field).\(error.code)"
                let text = pages.translate(key, language: language)
                return text == key ? error.message : text
            }.joined(separator: language == .zh ? "；" : "; ")
        }
        let key = "withdrawals.errors.\(problem.statusCode)"
        let text = pages.translate(key, language: language)
        return text == key ? (problem.detail ?? problem.title) : text
    }
}
