import WenzhengCore

extension RouteTableTests {
    /// The office's side of the mailbox: who may use each route.
    static let mailboxOfficeAccess: [String: Set<Role>?] = [:]
}
