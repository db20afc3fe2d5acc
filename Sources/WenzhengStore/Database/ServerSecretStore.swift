import Foundation
import WenzhengCore

/// Secrets the server makes once and keeps (signing keys).
///
/// The feature's storage contract: intention-named methods, each one
/// transaction. `GRDBServerSecretStore` implements it over SQLite.
public protocol ServerSecretStore: Sendable {
    /// The server's secret for one purpose (`"browser-key"` signs anonymous
    /// browsers' cookies), created on first use from the system's secure
    /// random generator and kept in the database from then on, so that it
    /// survives restarts, travels with backups and is the same for every
    /// process that opens the file. Never logged or shown.
    func serverSecret(purpose: String, at now: Date) async throws -> [UInt8]
}
