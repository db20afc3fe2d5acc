import Foundation

/// What a visitor types into an open day's registration form.
public struct RegistrationForm: Sendable, Codable, Equatable {
    public var name: String
    public var phone: String
    /// For notices (time changed, cancelled, promoted from the waitlist).
    public var email: String?
    public var partySize: Int

    public init(name: String, phone: String, email: String? = nil, partySize: Int = 1) {
        self.name = name
        self.phone = phone
        self.email = email
        self.partySize = partySize
    }

    /// The registrant, or every bad field at once. A party may not exceed
    /// `OpenDayRules.partySizeRange`, nor the open day's whole capacity
    /// (it could never be seated, and would wait forever).
    public func validated(capacity: Int) throws(ValidationFailure) -> Registrant {
        var errors: [FieldError] = []
        let name = TextRules.requiredText(name, field: "name", maxLength: OpenDayRules.nameMaxLength, into: &errors)
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.append(.invalid("name", "name must not contain control characters"))
        }
        var number: MobileNumber?
        do {
            number = try MobileNumber.parse(phone)
        } catch {
            errors.append(error)
        }
        let email = TextRules.optionalText(email, field: "email", maxLength: OpenDayRules.emailMaxLength, into: &errors)
        if let email, !LetterRules.isPlausibleEmail(email) {
            errors.append(.invalid("email", "email must be an address like name@example.com, or left empty"))
        }
        let range = OpenDayRules.partySizeRange
        if !range.contains(partySize) {
            errors.append(
                FieldError(
                    field: "partySize", code: "out_of_range",
                    message: "partySize must be \(range.lowerBound) to \(range.upperBound) people, yourself included"))
        } else if partySize > capacity {
            errors.append(
                FieldError(
                    field: "partySize", code: "larger_than_capacity",
                    message: "this open day has \(capacity) seats in all; a party of \(partySize) cannot be seated"))
        }
        try ValidationFailure.check(errors)
        return Registrant(name: name, phone: number!, email: email, partySize: partySize)
    }
}

/// A validated registration, ready to be stored.
public struct Registrant: Sendable, Codable, Equatable {
    public var name: String
    public var phone: MobileNumber
    public var email: String?
    public var partySize: Int

    public init(name: String, phone: MobileNumber, email: String?, partySize: Int) {
        self.name = name
        self.phone = phone
        self.email = email
        self.partySize = partySize
    }
}

/// Where a registration stands.
public enum RegistrationStatus: String, Sendable, Codable, CaseIterable {
    /// Holds seats for the whole party.
    case registered
    /// Waits, in arrival order, for seats to be freed.
    case waitlisted
    /// Cancelled by the visitor (with the code) or by staff; frees its seats.
    case cancelled
    /// Came to the door; still holds its seats.
    case checkedIn = "checked_in"

    /// Holds seats: counted against the capacity.
    public var holdsSeats: Bool { self == .registered || self == .checkedIn }

    /// Counts for the one-registration-per-phone rule: a cancelled
    /// registration does not stop the same phone registering again.
    public var isLive: Bool { self != .cancelled }
}
