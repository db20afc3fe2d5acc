import WenzhengCore

extension RouteTableTests {
    /// Surveys (民意征集): citizens answer without an account and read
    /// published results; organisers (admins, hosts) build, open, close and
    /// export them and read results while they run.
    static let surveyAccess: [String: Set<Role>?] = [
        // Public pages and API (results only once published)
        "GET /surveys": nil,
        "GET /surveys/{id}": nil,
        "POST /surveys/{id}": nil,
        "GET /surveys/{id}/results": nil,
        "GET /surveys/{id}/charts/{key}": nil,
        "GET /api/v1/surveys": nil,
        "GET /api/v1/surveys/{id}": nil,
        "POST /api/v1/surveys/{id}/responses": nil,
        "GET /api/v1/surveys/{id}/results": nil,
        // Organisers
        "GET /staff/surveys": [.admin, .host],
        "POST /staff/surveys": [.admin, .host],
        "GET /staff/surveys/{id}": [.admin, .host],
        "POST /staff/surveys/{id}/settings": [.admin, .host],
        "POST /staff/surveys/{id}/questions": [.admin, .host],
        "GET /staff/surveys/{id}/questions/{index}": [.admin, .host],
        "POST /staff/surveys/{id}/questions/{index}": [.admin, .host],
        "POST /staff/surveys/{id}/questions/{index}/move": [.admin, .host],
        "POST /staff/surveys/{id}/questions/{index}/remove": [.admin, .host],
        "POST /staff/surveys/{id}/state": [.admin, .host],
        "GET /staff/surveys/{id}/results": [.admin, .host],
        "GET /staff/surveys/{id}/charts/{key}": [.admin, .host],
        "GET /staff/surveys/{id}/export": [.admin, .host],
        "POST /api/v1/surveys": [.admin, .host],
        "PUT /api/v1/surveys/{id}": [.admin, .host],
        "POST /api/v1/surveys/{id}/state": [.admin, .host],
        "POST /api/v1/surveys/{id}/invitations": [.admin, .host],
        "GET /api/v1/surveys/{id}/export": [.admin, .host],
    ]
}
