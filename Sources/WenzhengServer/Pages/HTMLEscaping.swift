import Foundation
import Mustache

/// HTML escaping of every value a page shows, by Unicode scalar.
///
/// swift-mustache 2.1.1 escapes per `Character` (grapheme cluster): a `"`
/// followed by a combining mark (U+0301) or a zero-width joiner (U+200D) is
/// one `Character` that is not equal to `"`, so it was written raw and a
/// query string such as `"\u{200D}/autofocus/onfocus=…` opened new
/// attributes in a `value="…"`. Escaping the five HTML-significant scalars
/// wherever they stand, whatever follows them, closes that hole
/// (docs/security.md, "Escaping").
enum HTMLEscaping {
    /// The escaped form of `text`: `<`, `>`, `&`, `"` and `'` become
    /// character references; every other scalar is kept as it is.
    static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        // Most text has none of the five: return it untouched.
        guard utf8.contains(where: isSignificant) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            // These are ASCII bytes, which never occur inside the UTF-8
            // encoding of another scalar, so escaping bytes is escaping
            // scalars.
            switch byte {
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isSignificant(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "\""), UInt8(ascii: "'"): true
        default: false
        }
    }

    /// The Mustache content type every Wenzheng template renders with.
    struct ContentType: MustacheContentType {
        func escapeText(_ text: String) -> String { HTMLEscaping.escape(text) }
    }

    /// The name the pragma uses.
    static let contentTypeName = "WENZHENG_HTML"

    /// The pragma put in front of every template when it is loaded, so the
    /// library's own per-`Character` escaping never runs.
    static let pragma = "{{% CONTENT_TYPE: \(contentTypeName)}}"

    /// Registers the content type (idempotent; the registry is the
    /// library's, process-wide).
    static func register() {
        MustacheContentTypes.register(ContentType(), named: contentTypeName)
    }

    /// Every `.mustache` file under `directory` (recursively, named by its
    /// path without the extension, as `MustacheLibrary(directory:)` names
    /// them), each parsed with the pragma in front.
    static func loadTemplates(from directory: String) throws -> MustacheLibrary {
        register()
        let root = directory.hasSuffix("/") ? directory : directory + "/"
        var library = MustacheLibrary()
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return library }
        for case let path as String in enumerator where path.hasSuffix(".mustache") {
            guard let data = FileManager.default.contents(atPath: root + path) else { continue }
            let name = String(path.dropLast(".mustache".count))
            do {
                try library.register(pragma + String(decoding: data, as: UTF8.self), named: name)
            } catch {
                throw PageRendererError.invalidTemplate(path, "\(error)")
            }
        }
        return library
    }
}
