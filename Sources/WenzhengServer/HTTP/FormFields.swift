import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body as its ordered list of
/// fields, for forms whose fields are not known in advance (a survey's
/// questions) or repeat (check boxes, ranking positions).
struct FormFields {
    let pairs: [(name: String, value: String)]

    /// The first value of a field.
    subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every field's first value.
    var first: [String: String] {
        var result: [String: String] = [:]
        for pair in pairs where result[pair.name] == nil { result[pair.name] = pair.value }
        return result
    }

    init(pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// Parses `text`: `+` is a space, percent escapes are decoded, a field
    /// without `=` has an empty value, malformed escapes keep their text.
    init(parsing text: String) {
        func decode(_ part: Substring) -> String {
            let spaced = part.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        pairs = text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The request's form body (already buffered and limited by
    /// `BodyLimitMiddleware`); 415 for anything but a urlencoded form.
    static func read(_ request: Request, context: some RequestContext) async throws -> FormFields {
        guard (request.headers[.contentType] ?? "").hasPrefix("application/x-www-form-urlencoded") else {
            throw Problem(kind: .unsupportedMediaType, detail: "send the form as application/x-www-form-urlencoded")
        }
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return FormFields(parsing: buffer.readString(length: buffer.readableBytes) ?? "")
    }
}
