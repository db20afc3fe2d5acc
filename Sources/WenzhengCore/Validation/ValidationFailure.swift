/// A rejected input: every field that was wrong, not just the first one, so
/// a citizen filling a form corrects everything in one round trip.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) {
        self.errors = errors
    }

    /// Throws when `errors` is non-empty.
    public static func check(_ errors: [FieldError]) throws(ValidationFailure) {
        if !errors.isEmpty { throw ValidationFailure(errors) }
    }
}
