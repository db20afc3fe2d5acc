import WenzhengCore

extension RouteTableTests {
    /// Signing in and out, the staff area, and account administration: who
    /// may use each route (nil = anyone).
    static let accountsAccess: [String: Set<Role>?] = [
        // Signing in and out
        "GET /login": nil,
        "POST /login": nil,
        "POST /logout": nil,
        "POST /api/v1/session": nil,
        "DELETE /api/v1/session": nil,
        // Any staff member
        "GET /api/v1/session": Set(Role.allCases),
        "GET /staff": Set(Role.allCases),
        // Admins
        "GET /admin/users": [.admin],
        "GET /api/v1/staff/users": [.admin],
        "POST /api/v1/staff/users": [.admin],
        "POST /api/v1/staff/users/{username}/disable": [.admin],
        "POST /api/v1/staff/users/{username}/enable": [.admin],
    ]
}
