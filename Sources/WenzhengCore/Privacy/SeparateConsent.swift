/// Where a form needs the person's separate consent (单独同意) before it
/// may be processed, and the error when it is missing (docs/privacy.md).
///
/// A proof of identity (an ID card's image, for an information-disclosure
/// request) is sensitive personal information (PIPL art. 28). Processing it
/// needs separate consent (art. 29) and a notice of why it is necessary and
/// how it affects the person (art. 30). Publishing a letter needs separate
/// consent too (art. 25): the letter's `mayPublish` box, which is optional
/// because an unpublished letter is still answered.
public enum SeparateConsent {
    /// The form field of the letter form's identity-proof consent box.
    public static let identityProofField = "identityProofConsent"

    /// The error for a letter that carries a proof of identity without the
    /// box ticked; nil when none is needed or it was given.
    public static func missingForIdentityProof(carriesIdentityProof: Bool, consented: Bool) -> FieldError? {
        guard carriesIdentityProof, !consented else { return nil }
        return FieldError(
            field: identityProofField, code: "consent_required",
            message:
                "a proof of identity is sensitive personal information (PIPL arts. 28-29): set identityProofConsent to agree to its processing, or send the letter without it"
        )
    }
}
