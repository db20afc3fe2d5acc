import WenzhengCore

extension RouteTableTests {
    /// The office's side of the mailbox: who may use each route.
    static let mailboxOfficeAccess: [String: Set<Role>?] = [
        // Pages: letters, actions, dashboard
        "GET /office/letters": [.admin, .handler, .reviewer],
        "GET /office/letters/{id}": [.admin, .handler, .reviewer],
        "GET /office/dashboard": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/accept": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/transfer": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/reject": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/assign": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/draft": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/sign-off": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/send-back": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/reply-on-the-spot": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/extend": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/pause": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/resume": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/correction-notice": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/corrected-request": [.admin, .handler, .reviewer],
        "POST /office/letters/{id}/deemed-withdrawn": [.admin, .handler, .reviewer],
        // Pages: reply periods
        "GET /office/policies": [.admin],
        "POST /office/policies": [.admin],
        // API
        "GET /api/v1/office/letters": [.admin, .handler, .reviewer],
        "GET /api/v1/office/letters/{id}": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/accept": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/transfer": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/reject": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/assign": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/draft": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/sign-off": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/send-back": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/reply-on-the-spot": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/extend": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/pause": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/resume": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/correction-notice": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/corrected-request": [.admin, .handler, .reviewer],
        "POST /api/v1/office/letters/{id}/deemed-withdrawn": [.admin, .handler, .reviewer],
        "GET /api/v1/office/deadlines": [.admin, .handler, .reviewer],
        "GET /api/v1/office/statistics": [.admin, .handler, .reviewer],
        "GET /api/v1/office/departments": [.admin, .handler, .reviewer],
        "GET /api/v1/office/policies": [.admin],
        "PUT /api/v1/office/policies": [.admin],
    ]
}
