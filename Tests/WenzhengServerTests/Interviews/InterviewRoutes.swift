import WenzhengCore

extension RouteTableTests {
    /// Online interviews: the public reads and asks; organisers, those on
    /// air and those who follow the console each get their routes.
    static let interviewAccess: [String: Set<Role>?] = [
        // Interviews: public
        "GET /interviews": nil,
        "GET /interviews/{id}": nil,
        "GET /interviews/{id}/calendar.ics": nil,
        "GET /interviews/{id}/transcript.md": nil,
        "GET /interviews/{id}/transcript.html": nil,
        "GET /interviews/{id}/transcript.json": nil,
        "GET /interviews/{id}/transcript.txt": nil,
        "POST /interviews/{id}/questions": nil,
        "POST /interviews/{id}/questions/{question}/vote": nil,
        "GET /api/v1/interviews": nil,
        "GET /api/v1/interviews/{id}": nil,
        "GET /api/v1/interviews/{id}/transcript": nil,
        "GET /api/v1/interviews/{id}/questions": nil,
        "POST /api/v1/interviews/{id}/questions": nil,
        "POST /api/v1/interviews/{id}/questions/{question}/vote": nil,
        "GET /live/interviews/{id}": nil,
        // Interviews: organisers
        "POST /api/v1/interviews": [.admin, .host],
        "PUT /api/v1/interviews/{id}": [.admin, .host],
        "POST /api/v1/interviews/{id}/status": [.admin, .host],
        "POST /staff/interviews": [.admin, .host],
        "POST /staff/interviews/{id}/status": [.admin, .host],
        // Interviews: on air
        "GET /api/v1/interviews/{id}/queue": [.admin, .host, .guest],
        "POST /api/v1/interviews/{id}/questions/{question}/on-air": [.admin, .host, .guest],
        "POST /api/v1/interviews/{id}/entries": [.admin, .host, .guest],
        "POST /api/v1/interviews/{id}/entries/{entry}/corrections": [.admin, .host, .guest],
        "POST /staff/interviews/{id}/entries": [.admin, .host, .guest],
        "POST /staff/interviews/{id}/questions/{question}/on-air": [.admin, .host, .guest],
        "POST /staff/interviews/{id}/entries/{entry}/correct": [.admin, .host, .guest],
        // Interviews: consoles and follow-up
        "GET /staff/interviews": [.admin, .host, .guest, .moderator],
        "GET /staff/interviews/deferred": [.admin, .host, .guest, .moderator],
        "GET /staff/interviews/{id}": [.admin, .host, .guest, .moderator],
        "GET /api/v1/deferred-questions": [.admin, .host, .guest, .moderator],
        "GET /live/interviews/{id}/console": [.admin, .host, .guest, .moderator],
    ]
}
