import HummingbirdBcrypt
import NIOPosix
import WenzhengCore

/// bcrypt hashing off the event loops: one hash at cost 12 takes a quarter
/// of a second of CPU, which must not stall every other request.
public struct PasswordHasher: Sendable {
    /// Cost 12: about 250 ms per hash on current hardware, as required.
    public static let productionCost: UInt8 = 12

    public let cost: UInt8
    /// A hash of a fixed password, checked against when the username is
    /// unknown so that a wrong username takes as long as a wrong password
    /// and response times do not reveal which accounts exist.
    public let decoyHash: String

    /// The server's cap on hashing at once (`CostlyWorkLimit`); none in
    /// the command-line tools.
    let limit: CostlyWorkLimit?

    public init(cost: UInt8 = PasswordHasher.productionCost) {
        self.init(cost: cost, limit: nil)
    }

    init(cost: UInt8, limit: CostlyWorkLimit?) {
        self.cost = cost
        self.decoyHash = Bcrypt.hash("wenzheng-decoy-password", cost: cost)
        self.limit = limit
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await limited { try await onThread { Bcrypt.hash(password, cost: cost) } }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await limited { try await onThread { Bcrypt.verify(password, hash: hash) } }
    }

    /// The server's hashing (with a limit) runs on `CostlyWorkThreads`, at
    /// the lowest priority; the command-line tools' on NIO's shared pool.
    private func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        guard limit != nil else { return try await NIOThreadPool.singleton.runIfActive(work) }
        return try await CostlyWorkThreads.run(work)
    }

    private func limited<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let limit else { return try await work() }
        return try await limit.run(work)
    }

}
