import WenzhengCore

extension RouteTableTests {
    /// Open days (开放日): the public reads them, registers, and looks up or
    /// cancels a registration by its code; organisers (admins, hosts: they
    /// run the public events, interviews and surveys) schedule open days,
    /// check visitors in at the door, read and export the attendee list,
    /// mark an open day held and call one off.
    static let eventAccess: [String: Set<Role>?] = [
        // Public pages and API
        "GET /events": nil,
        "GET /events/{id}": nil,
        "POST /events/{id}/registrations": nil,
        "GET /events/{id}/registration": nil,
        "POST /events/{id}/registration": nil,
        "POST /events/{id}/registration/cancel": nil,
        "GET /events/{id}/calendar.ics": nil,
        "GET /api/v1/events": nil,
        "GET /api/v1/events/{id}": nil,
        "POST /api/v1/events/{id}/registrations": nil,
        "POST /api/v1/events/{id}/registration/query": nil,
        "POST /api/v1/events/{id}/registration/cancel": nil,
        // Organisers
        "GET /staff/events": [.admin, .host],
        "GET /staff/events/{id}": [.admin, .host],
        "POST /staff/events/{id}/check-in": [.admin, .host],
        "POST /staff/events/{id}/held": [.admin, .host],
        "POST /staff/events/{id}/cancel": [.admin, .host],
        "GET /staff/events/{id}/attendees.csv": [.admin, .host],
        "POST /api/v1/events": [.admin, .host],
        "GET /api/v1/events/{id}/attendees": [.admin, .host],
        "POST /api/v1/events/{id}/check-in": [.admin, .host],
        "POST /api/v1/events/{id}/held": [.admin, .host],
        "POST /api/v1/events/{id}/cancel": [.admin, .host],
    ]
}
