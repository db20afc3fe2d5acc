import WenzhengCore

extension RouteTableTests {
    /// The citizens' side of the mailbox: who may use each route (nil = anyone).
    static let mailboxPublicAccess: [String: Set<Role>?] = [:]
}
