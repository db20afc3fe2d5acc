import Foundation

/// A header value with `; name=value` parameters (`Content-Type`,
/// `Content-Disposition`), quoted strings unescaped.
struct HeaderParameters {
    var value: String
    private var parameters: [String: String] = [:]

    subscript(name: String) -> String? { parameters[name.lowercased()] }

    init(_ header: String) {
        // Scalar by scalar: a quote followed by a combining mark is still a
        // quote to the sender.
        var parts: [String.UnicodeScalarView] = []
        var current = String.UnicodeScalarView()
        var quoted = false
        var escaped = false
        for scalar in header.unicodeScalars {
            if escaped {
                current.append(scalar)
                escaped = false
            } else if quoted && scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                quoted.toggle()
            } else if scalar == ";" && !quoted {
                parts.append(current)
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        parts.append(current)
        value = String(parts[0]).trimmingCharacters(in: .whitespaces)
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let key = String(part[..<equals]).trimmingCharacters(in: .whitespaces).lowercased()
            parameters[key] = String(part[part.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
    }
}
