import WenzhengCore

extension RouteTableTests {
    /// The audit log: admins only.
    static let auditAccess: [String: Set<Role>?] = [
        "GET /admin/audit": [.admin],
        "GET /api/v1/audit": [.admin],
    ]
}
