import Foundation
import Hummingbird
import NIOCore

/// An `application/x-www-form-urlencoded` body as name/value pairs, for
/// forms with repeated or numbered fields (the co-handler checkboxes).
struct OfficeForm: Sendable {
    var pairs: [(name: String, value: String)]

    static func read(_ request: Request, context: AppRequestContext) async throws -> OfficeForm {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw Problem(kind: .unsupportedMediaType, detail: "send the form as application/x-www-form-urlencoded")
        }
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        var pairs: [(name: String, value: String)] = []
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) throws -> String {
                guard let decoded = part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw Problem(kind: .badRequest, detail: "the form could not be read: bad percent-encoding")
                }
                return decoded
            }
            pairs.append((try decode(parts[0]), parts.count > 1 ? try decode(parts[1]) : ""))
        }
        return OfficeForm(pairs: pairs)
    }

    func value(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// The single-valued fields, to fill the form again after an error
    /// (never the CSRF token).
    var fields: [String: String] {
        var fields: [String: String] = [:]
        for pair in pairs where pair.name != "_csrf" && fields[pair.name] == nil { fields[pair.name] = pair.value }
        return fields
    }
}
