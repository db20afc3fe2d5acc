import WenzhengCore

extension RouteTableTests {
    /// Withdrawing published text and publishing it again (issue 9, item
    /// 23): admins only, every other role 403 before anything is read.
    static let withdrawalAccess: [String: Set<Role>?] = [
        "POST /office/letters/{id}/unpublish": [.admin],
        "POST /office/letters/{id}/republish": [.admin],
        "POST /office/letters/{id}/unpublish-reply": [.admin],
        "POST /office/letters/{id}/republish-reply": [.admin],
        "POST /api/v1/office/letters/{id}/unpublish": [.admin],
        "POST /api/v1/office/letters/{id}/republish": [.admin],
        "POST /api/v1/office/letters/{id}/unpublish-reply": [.admin],
        "POST /api/v1/office/letters/{id}/republish-reply": [.admin],
        "POST /api/v1/interviews/{id}/entries/{entry}/unpublish": [.admin],
        "POST /api/v1/interviews/{id}/entries/{entry}/republish": [.admin],
        "POST /staff/interviews/{id}/entries/{entry}/unpublish": [.admin],
        "POST /staff/interviews/{id}/entries/{entry}/republish": [.admin],
    ]
}
