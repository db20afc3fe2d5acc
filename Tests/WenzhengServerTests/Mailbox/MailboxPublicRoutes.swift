import WenzhengCore

extension RouteTableTests {
    /// The citizens' side of the mailbox: who may use each route (nil = anyone).
    static let mailboxPublicAccess: [String: Set<Role>?] = [
        // Pages
        "GET /letters": nil,
        "GET /letters/new": nil,
        "POST /letters": nil,
        "GET /letters/query": nil,
        "POST /letters/query": nil,
        "POST /letters/rate": nil,
        "POST /letters/follow-up": nil,
        "POST /letters/attachment": nil,
        "GET /letters/deadline": nil,
        "GET /letters/statistics": nil,
        "GET /letters/{id}": nil,
        "GET /letters/{id}/deadline": nil,
        // API
        "POST /api/v1/letters": nil,
        "POST /api/v1/letters/query": nil,
        "POST /api/v1/letters/rate": nil,
        "POST /api/v1/letters/follow-up": nil,
        "POST /api/v1/letters/attachment": nil,
        "GET /api/v1/letters/published": nil,
        "GET /api/v1/letters/published/{id}": nil,
        "GET /api/v1/letters/deadline": nil,
        "GET /api/v1/letters/statistics": nil,
    ]
}
