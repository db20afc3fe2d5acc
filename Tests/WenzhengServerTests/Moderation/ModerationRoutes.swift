import WenzhengCore

extension RouteTableTests {
    /// The moderation queue: moderators and admins; the word lists: admins.
    static let moderationAccess: [String: Set<Role>?] = [
        // Admins
        "GET /admin/moderation": [.admin],
        "POST /admin/moderation/reload": [.admin],
        "GET /api/v1/moderation/lists": [.admin],
        "POST /api/v1/moderation/reload": [.admin],
        // Moderators (and admins)
        "GET /moderation": [.moderator, .admin],
        "GET /moderation/items/{id}/card": [.moderator, .admin],
        "POST /moderation/items/{id}/claim": [.moderator, .admin],
        "POST /moderation/items/{id}/approve": [.moderator, .admin],
        "POST /moderation/items/{id}/edit": [.moderator, .admin],
        "POST /moderation/items/{id}/reject": [.moderator, .admin],
        "POST /moderation/bulk": [.moderator, .admin],
        "GET /api/v1/moderation/items": [.moderator, .admin],
        "GET /api/v1/moderation/items/{id}": [.moderator, .admin],
        "POST /api/v1/moderation/items/{id}/claim": [.moderator, .admin],
        "POST /api/v1/moderation/items/{id}/release": [.moderator, .admin],
        "POST /api/v1/moderation/items/{id}/decision": [.moderator, .admin],
        "POST /api/v1/moderation/bulk": [.moderator, .admin],
        "GET /api/v1/moderation/reasons": [.moderator, .admin],
        "POST /api/v1/moderation/check": [.moderator, .admin],
        "GET /live/moderation": [.moderator, .admin],
        "POST /moderation/items/{id}/merge": [.moderator, .admin],
    ]
}
