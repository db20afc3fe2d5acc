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

    /// Whether a submission is taken now. The state's phase says whether
    /// the survey or consultation is public and taking part at all, the
    /// window says when. Something still being prepared counts as not yet
    /// open (the HTTP layer shows it to no one, so it answers 404 first).
    public func availability(in phase: ParticipationPhase, now: Date) -> ParticipationAvailability {
        switch phase {
        case .preparing: return .notYetOpen(self)
        case .over: return .closed(self)
        case .accepting:
            if now < opensAt { return .notYetOpen(self) }
            if now >= closesAt { return .closed(self) }
            return .open
        }
    }
}

/// The part of a life cycle that matters to citizens taking part.
public enum ParticipationPhase: Sendable, Equatable {
    /// Not public yet (a draft).
    case preparing
    /// Public, and taking submissions inside the window.
    case accepting
    /// No more submissions, whatever the window says.
    case over
}

/// Whether a survey or consultation takes a submission now. The HTTP layer
/// answers the two refusals with 409 and the window, so the citizen learns
/// when to come back or that they are too late.
public enum ParticipationAvailability: Sendable, Equatable {
    case notYetOpen(ParticipationWindow)
    case open
    case closed(ParticipationWindow)
}
