import Foundation
import Mustache
import Testing
import WenzhengTestFixtures
@testable import WenzhengServer

/// Escaping of every page value, with the hostile Unicode that slipped
/// through the library's per-character escaping: quotes and angle brackets
/// followed by combining marks, zero-width joiners and variation selectors.
@Suite("HTML escaping")
struct HTMLEscapingTests {
    /// Scalars that attack escaping: the five significant ones, and the
    /// ones that glue onto a preceding character to make one grapheme.
    static let alphabet: [Unicode.Scalar] = [
        "<", ">", "&", "\"", "'", "=", "/", " ", "a", "1", "中", "\u{0301}", "\u{0300}", "\u{200D}", "\u{200C}",
        "\u{FE0F}", "\u{FE0E}", "\u{20E3}", "\u{1F600}", "\u{E0100}", "#", ";", "\u{00A0}",
    ]

    static func randomStrings(count: Int, seed: UInt64) -> [String] {
        var generator = FixtureRandom(seed: seed)
        return (0..<count).map { _ in
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...24, using: &generator) {
                scalars.append(alphabet.randomElement(using: &generator)!)
            }
            return String(scalars)
        }
    }

    /// What an HTML parser reads back from a double-quoted attribute value
    /// or text: the character references we write, decoded. It works on
    /// Unicode scalars, as an HTML tokenizer does: Swift's `Character`
    /// operations would glue a quote to a following combining mark, the
    /// very mistake under test. Any other `&` in the output would be a
    /// bug, so it is reported (nil), not decoded.
    static func decode<S: Collection<Unicode.Scalar>>(_ html: S) -> String? {
        let references: [(String, Unicode.Scalar)] = [("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"), ("&quot;", "\""), ("&#39;", "'")]
        var result = String.UnicodeScalarView()
        var rest = Array(html)[...]
        while let first = rest.first {
            if first == "&" {
                guard let (reference, scalar) = references.first(where: { rest.starts(with: $0.0.unicodeScalars) }) else {
                    return nil
                }
                result.append(scalar)
                rest = rest.dropFirst(reference.unicodeScalars.count)
            } else {
                result.append(first)
                rest = rest.dropFirst()
            }
        }
        return String(result)
    }

    @Test("the review's payload: a quote followed by a zero-width joiner stays inside the attribute")
    func reviewPayload() throws {
        let payload = "\"\u{200D}/autofocus/onfocus=alert(1)//"
        #expect(HTMLEscaping.escape(payload) == "&quot;\u{200D}/autofocus/onfocus=alert(1)//")
        let html = try render(#"<input value="{{v}}">"#, value: payload)
        #expect(html == "<input value=\"&quot;\u{200D}/autofocus/onfocus=alert(1)//\">")
        for glued in ["\"\u{0301}", "<\u{0301}", "'\u{FE0F}", ">\u{20E3}", "&\u{200D}"] {
            let escaped = HTMLEscaping.escape(glued)
            #expect(!escaped.unicodeScalars.contains { "<>\"'".unicodeScalars.contains($0) }, "\(escaped.debugDescription)")
        }
    }

    @Test("escaping random hostile strings leaves no significant scalar and decodes back to the input")
    func property() {
        for text in Self.randomStrings(count: 5000, seed: 0x5EED_0001) {
            let escaped = HTMLEscaping.escape(text)
            #expect(!escaped.utf8.contains { [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'")].contains($0) })
            #expect(Self.decode(escaped.unicodeScalars) == text, "\(text.debugDescription) -> \(escaped.debugDescription)")
        }
    }

    @Test("rendered attributes and text parse back to exactly the input")
    func renderedProperty() throws {
        let template = #"<p title="{{v}}" data-x='{{v}}'>{{v}}</p>"#
        for text in Self.randomStrings(count: 2000, seed: 0x5EED_0002) {
            let html = Array(try render(template, value: text).unicodeScalars)
            let prefix = Array(#"<p title=""#.unicodeScalars)
            #expect(html.starts(with: prefix))
            let afterTitle = html.dropFirst(prefix.count)
            // The attribute ends at the first quote scalar; what lies
            // between must decode to the input, and what follows must be
            // the template's own next attribute.
            guard let end = afterTitle.firstIndex(of: "\"") else {
                Issue.record("unterminated attribute for \(text.debugDescription)")
                continue
            }
            #expect(Self.decode(afterTitle[..<end]) == text, "\(text.debugDescription)")
            let tailIsOurs = afterTitle[end...].starts(with: "\" data-x='".unicodeScalars)
            #expect(tailIsOurs, "\(text.debugDescription)")
        }
    }

    @Test("every template of Web/ is loaded with the scalar escaping")
    func everyTemplateUsesIt() async throws {
        let renderer = try await PageRenderer(webRoot: webRoot)
        let files = FileManager.default.enumerator(atPath: webRoot + "/templates")!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".mustache") }
        #expect(!files.isEmpty)
        for file in files {
            let name = String(file.dropLast(".mustache".count))
            #expect(renderer.library.getTemplate(named: name) != nil, "\(name) not loaded")
        }
        // The library itself writes the quote of a combining sequence raw.
        let plain = try MustacheTemplate(string: "{{v}}").render(["v": "\"\u{0301}"])
        let libraryWritesItRaw = plain == "\"\u{0301}"
        #expect(libraryWritesItRaw, "the escaping of swift-mustache changed: re-check the reason for HTMLEscaping")
        let page = renderer.library.render(["page": ["detail": "\"\u{0301}<\u{200D}"]], withTemplate: "error") ?? ""
        let escapedDetail = page.contains("&quot;\u{0301}&lt;\u{200D}")
        #expect(escapedDetail, "\(page)")
    }

    func render(_ template: String, value: String) throws -> String {
        HTMLEscaping.register()
        var library = MustacheLibrary()
        try library.register(HTMLEscaping.pragma + template, named: "t")
        return library.render(["v": value], withTemplate: "t") ?? ""
    }
}
