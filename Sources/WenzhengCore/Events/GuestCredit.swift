import Foundation

/// How a guest of an interview is credited on the schedule and in the
/// transcript: name, post (职务) and department. The store's
/// `InterviewGuest` carries the same three texts plus its own ids.
public struct GuestCredit: Sendable, Hashable, Codable {
    public var name: String
    /// 职务, e.g. 副厅长; may be empty.
    public var title: String
    /// 部门, e.g. 江苏省司法厅; may be empty.
    public var department: String

    public init(name: String, title: String = "", department: String = "") {
        self.name = name
        self.title = title
        self.department = department
    }

    /// The separators a spec may use: the ASCII bar and the full-width bar
    /// a Chinese input method types (U+FF5C).
    static let separators: Set<Character> = ["|", "｜"]

    /// The example every error shows.
    public static let specExample = "张明|副厅长|江苏省司法厅"

    /// Reads `--guest "姓名|职务|部门"`: the name, then optionally the post
    /// and the department, separated by `|` (or `｜`). Each part is trimmed;
    /// the name is required, the others may be empty (`张明||法律援助处`);
    /// each is at most `InterviewRules.guestFieldMaxLength` characters.
    /// More than three parts is an error rather than a guess, because a bar
    /// inside a department's name would otherwise shift it into nowhere.
    public static func parse(_ spec: String, field: String = "guest") throws(ValidationFailure) -> GuestCredit {
        let parts = spec.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) })
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard parts.count <= 3 else {
            throw ValidationFailure([
                .invalid(field, "'\(spec)' has \(parts.count) parts; write 姓名|职务|部门, for example \(specExample)")
            ])
        }
        var errors: [FieldError] = []
        let names = ["name", "title", "department"]
        var values = ["", "", ""]
        for (index, part) in parts.enumerated() {
            values[index] = part
            if part.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                errors.append(.invalid("\(field).\(names[index])", "\(names[index]) must not contain control characters"))
            } else if part.unicodeScalars.count > InterviewRules.guestFieldMaxLength {
                errors.append(.tooLong("\(field).\(names[index])", max: InterviewRules.guestFieldMaxLength))
            }
        }
        if values[0].isEmpty {
            errors.append(
                FieldError(
                    field: "\(field).name", code: "required",
                    message: "the guest's name is missing in '\(spec)'; write 姓名|职务|部门, for example \(specExample)"))
        }
        try ValidationFailure.check(errors)
        return GuestCredit(name: values[0], title: values[1], department: values[2])
    }

    /// Reads several `--guest` options at once, reporting every bad one;
    /// fields are numbered (`guest[2].name`) so the operator knows which.
    public static func parseAll(_ specs: [String]) throws(ValidationFailure) -> [GuestCredit] {
        var errors: [FieldError] = []
        var guests: [GuestCredit] = []
        if specs.count > InterviewRules.maxGuests {
            errors.append(.invalid("guest", "at most \(InterviewRules.maxGuests) guests"))
        }
        for (index, spec) in specs.enumerated() {
            do {
                guests.append(try parse(spec, field: "guest[\(index + 1)]"))
            } catch {
                errors += error.errors
            }
        }
        try ValidationFailure.check(errors)
        return guests
    }

    /// The spec back: `张明|副厅长|江苏省司法厅`.
    public var spec: String { "\(name)|\(title)|\(department)" }
}
