import Foundation

/// When citizens may take part (answer a survey, comment on a draft):
/// from `opensAt` up to, not including, `closesAt`.
public struct ParticipationWindow: Sendable, Codable, Equatable {
    public var opensAt: Date
    public var closesAt: Date

    public init(opensAt: Date, closesAt: Date) {
        self.opensAt = opensAt
        self.closesAt = closesAt
    }

    public func contains(_ instant: Date) -> Bool { opensAt <= instant && instant < closesAt }
}

/// Whether a survey or consultation takes a submission now. The HTTP layer
/// answers the two refusals with 409 and the window, so the citizen learns
/// when to come back or that they are too late.
public enum ParticipationAvailability: Sendable, Equatable {
    case notYetOpen(ParticipationWindow)
    case open
    case closed(ParticipationWindow)
}
