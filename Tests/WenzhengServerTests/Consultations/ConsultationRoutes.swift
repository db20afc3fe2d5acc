import WenzhengCore

extension RouteTableTests {
    /// Public comment on drafts (征求意见): the public reads and comments;
    /// organisers (admins, handlers, reviewers) prepare drafts and decide
    /// on comments; leaders (admins, reviewers) open, close and publish the
    /// report; admins withdraw comments.
    static let consultationAccess: [String: Set<Role>?] = [
        // Public pages and API
        "GET /consultations": nil,
        "GET /consultations/{id}": nil,
        "POST /consultations/{id}/comments": nil,
        "GET /api/v1/consultations": nil,
        "GET /api/v1/consultations/{id}": nil,
        "POST /api/v1/consultations/{id}/comments": nil,
        // Organisers
        "GET /staff/consultations": [.admin, .handler, .reviewer],
        "GET /staff/consultations/new": [.admin, .handler, .reviewer],
        "POST /staff/consultations": [.admin, .handler, .reviewer],
        "GET /staff/consultations/{id}": [.admin, .handler, .reviewer],
        "POST /staff/consultations/{id}/settings": [.admin, .handler, .reviewer],
        "POST /staff/consultations/{id}/draft": [.admin, .handler, .reviewer],
        "POST /staff/consultations/{id}/confirm-split": [.admin, .handler, .reviewer],
        "GET /staff/consultations/{id}/comments": [.admin, .handler, .reviewer],
        "POST /staff/consultations/{id}/groups": [.admin, .handler, .reviewer],
        "POST /staff/consultations/{id}/groups/{group}/dissolve": [.admin, .handler, .reviewer],
        "POST /staff/consultations/{id}/decisions": [.admin, .handler, .reviewer],
        "GET /staff/consultations/{id}/export": [.admin, .handler, .reviewer],
        "POST /api/v1/consultations": [.admin, .handler, .reviewer],
        "GET /api/v1/consultations/office": [.admin, .handler, .reviewer],
        "GET /api/v1/consultations/{id}/office": [.admin, .handler, .reviewer],
        "PUT /api/v1/consultations/{id}": [.admin, .handler, .reviewer],
        "PUT /api/v1/consultations/{id}/draft": [.admin, .handler, .reviewer],
        "POST /api/v1/consultations/{id}/split/confirm": [.admin, .handler, .reviewer],
        "POST /api/v1/consultations/{id}/groups": [.admin, .handler, .reviewer],
        "DELETE /api/v1/consultations/{id}/groups/{group}": [.admin, .handler, .reviewer],
        "POST /api/v1/consultations/{id}/decisions": [.admin, .handler, .reviewer],
        "GET /api/v1/consultations/{id}/export": [.admin, .handler, .reviewer],
        // Leaders
        "POST /staff/consultations/{id}/open": [.admin, .reviewer],
        "POST /staff/consultations/{id}/close": [.admin, .reviewer],
        "POST /staff/consultations/{id}/publish-report": [.admin, .reviewer],
        "POST /api/v1/consultations/{id}/open": [.admin, .reviewer],
        "POST /api/v1/consultations/{id}/close": [.admin, .reviewer],
        "POST /api/v1/consultations/{id}/report": [.admin, .reviewer],
        // Admins: withdrawing published comments
        "POST /staff/consultations/{id}/comments/{comment}/unpublish": [.admin],
        "POST /staff/consultations/{id}/comments/{comment}/republish": [.admin],
        "POST /api/v1/consultations/{id}/comments/{comment}/unpublish": [.admin],
        "POST /api/v1/consultations/{id}/comments/{comment}/republish": [.admin],
    ]
}
