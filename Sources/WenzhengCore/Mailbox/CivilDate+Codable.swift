import Foundation

/// A calendar day in JSON is its `YYYY-MM-DD` text, as the API has always
/// written dates (`receivedOn`, `dueOn`…), so views hold `CivilDate`s and
/// their JSON does not change. Decoding refuses anything else.
///
/// (Kept with the mailbox, the first feature to put days in its views
/// end to end; it belongs beside `CivilDate` in Calendar/.)
extension CivilDate {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a date like 2026-09-18")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
