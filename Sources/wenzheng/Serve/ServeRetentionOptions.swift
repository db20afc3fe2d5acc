import ArgumentParser
import WenzhengCore
import WenzhengServer

/// How long `wenzheng serve` keeps citizens' personal data (docs/privacy.md).
struct ServeRetentionOptions: ParsableArguments {
    @Option(
        name: .customLong("retention-letter-personal-years"),
        help: ArgumentHelp(
            "Years after a letter closed that its author's name, phone, e-mail, address and attachments are erased (its text stays); 0 keeps them. [env: WENZHENG_RETENTION_LETTER_PERSONAL_YEARS, default: 3]",
            valueName: "N"))
    var letterYears: String?

    @Option(
        name: .customLong("retention-registration-personal-years"),
        help: ArgumentHelp(
            "Years after an open day that its registrations (names, phones, e-mails) are deleted; 0 keeps them. [env: WENZHENG_RETENTION_REGISTRATION_PERSONAL_YEARS, default: 1]",
            valueName: "N"))
    var registrationYears: String?

    @Option(
        name: .customLong("retention-interval"),
        help: ArgumentHelp("How often the retention pass runs; also once at start. [env: WENZHENG_RETENTION_INTERVAL, default: 6h]", valueName: "D"))
    var interval: String?

    func apply(to configuration: inout AppConfiguration, settings: ServeSettings) throws {
        try settings.read(&configuration.retention.letterPersonalYears, letterYears, "retention-letter-personal-years", as: Self.years)
        try settings.read(
            &configuration.retention.registrationPersonalYears, registrationYears, "retention-registration-personal-years", as: Self.years)
        try settings.read(&configuration.retentionInterval, interval, "retention-interval", as: .duration)
    }

    /// 1 to 30 years, or 0 (or `never`) to keep.
    static var years: ServeSettings.Reader<Int?> { ServeSettings.Reader<Int?> { text, name in
        guard let years = RetentionPolicy.years(text) else {
            throw ValidationError(
                "--\(name) must be a whole number of years from \(RetentionPolicy.yearsRange.lowerBound) (keep) to \(RetentionPolicy.yearsRange.upperBound), not '\(text)'"
            )
        }
        return years
    } }
}
