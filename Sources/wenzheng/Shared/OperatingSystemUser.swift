import Foundation

/// The operating-system user, for the audit log's `cli:<user>` actor.
var operatingSystemUser: String {
    ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"]
        ?? ProcessInfo.processInfo.userName
}
