/// A horizontal bar chart drawn as a standalone SVG document on the server:
/// readable without JavaScript, printable (dark bars and text on white,
/// no animation, no external resources), and accessible (`role="img"`, an
/// `aria-label`, a `<title>`, and a `<desc>` that states every value in
/// words for screen readers).
///
/// Layout is computed with integer arithmetic (`TextWidth` estimates
/// label widths), and every number is formatted without a locale, so the
/// same chart always gives the same bytes. Every piece of text goes
/// through `XMLEscaping`.
public struct SVGBarChart: Sendable, Equatable {
    /// One bar.
    public struct Bar: Sendable, Equatable {
        public var label: String
        /// The bar's length as thousandths of the full length (0…1000).
        public var lengthPermille: Int
        /// What is written after the bar: `12 (40.0%)`, `平均 2.35`.
        public var valueText: String

        public init(label: String, lengthPermille: Int, valueText: String) {
            self.label = label
            self.lengthPermille = min(1000, max(0, lengthPermille))
            self.valueText = valueText
        }
    }

    /// Bars under an optional heading (a matrix row's label).
    public struct Group: Sendable, Equatable {
        public var heading: String?
        public var bars: [Bar]

        public init(heading: String?, bars: [Bar]) {
            self.heading = heading
            self.bars = bars
        }
    }

    /// The chart's accessible name (the question's prompt).
    public var title: String
    /// Shown under the title: `1,234 人回答`.
    public var caption: String?
    public var groups: [Group]

    public init(title: String, caption: String? = nil, groups: [Group]) {
        self.title = title
        self.caption = caption
        self.groups = groups
    }

    /// Fixed layout, in pixels.
    public enum Layout {
        public static let width = 640
        public static let fontSize = 14
        public static let titleFontSize = 16
        public static let barHeight = 20
        public static let rowGap = 8
        public static let margin = 12
        /// Labels take at most this much of the width; longer ones are cut
        /// with `…` (the full label stays in the `<desc>`).
        public static let maxLabelWidth = 240
        /// Room kept for the value text after the longest bar.
        public static let valueWidth = 120
        public static let barColor = "#1f4e79"
        public static let textColor = "#1a1a1a"
        public static let fontFamily = "'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif"
    }

    /// The SVG document (no XML declaration, so it can be inlined in a page
    /// or served as `image/svg+xml`).
    public func svg() -> String {
        let fontSize = Layout.fontSize
        let margin = Layout.margin
        let allLabels = groups.flatMap { $0.bars.map(\.label) }
        let widest = allLabels.map { TextWidth.pixels($0, fontSize: fontSize) }.max() ?? 0
        let labelWidth = min(Layout.maxLabelWidth, widest)
        let barX = margin + labelWidth + (labelWidth > 0 ? 8 : 0)
        let barMax = max(40, Layout.width - barX - Layout.valueWidth - margin)

        var body: [String] = []
        var y = margin + Layout.titleFontSize
        let titleText = TextWidth.truncated(title, toPixels: Layout.width - 2 * margin, fontSize: Layout.titleFontSize)
        body.append(
            "<text x=\"\(margin)\" y=\"\(y)\" font-size=\"\(Layout.titleFontSize)\" font-weight=\"bold\">\(XMLEscaping.escape(titleText))</text>"
        )
        if let caption {
            y += fontSize + 6
            body.append("<text x=\"\(margin)\" y=\"\(y)\">\(XMLEscaping.escape(caption))</text>")
        }
        y += Layout.rowGap
        for group in groups {
            if let heading = group.heading {
                y += fontSize + Layout.rowGap
                let text = TextWidth.truncated(heading, toPixels: Layout.width - 2 * margin, fontSize: fontSize)
                body.append("<text x=\"\(margin)\" y=\"\(y)\" font-weight=\"bold\">\(XMLEscaping.escape(text))</text>")
            }
            for bar in group.bars {
                y += Layout.rowGap
                let textY = y + Layout.barHeight / 2 + fontSize / 2 - 2
                let label = TextWidth.truncated(bar.label, toPixels: labelWidth, fontSize: fontSize)
                let length = (bar.lengthPermille * barMax + 500) / 1000
                body.append(
                    "<text x=\"\(barX - 8)\" y=\"\(textY)\" text-anchor=\"end\">\(XMLEscaping.escape(label))</text>"
                )
                body.append(
                    "<rect x=\"\(barX)\" y=\"\(y)\" width=\"\(length)\" height=\"\(Layout.barHeight)\" fill=\"\(Layout.barColor)\"/>"
                )
                body.append(
                    "<text x=\"\(barX + length + 6)\" y=\"\(textY)\">\(XMLEscaping.escape(bar.valueText))</text>"
                )
                y += Layout.barHeight
            }
        }
        let height = y + margin
        let label = XMLEscaping.escape(title)
        var lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Layout.width)\" height=\"\(height)\" viewBox=\"0 0 \(Layout.width) \(height)\" role=\"img\" aria-label=\"\(label)\" font-family=\"\(Layout.fontFamily)\" font-size=\"\(fontSize)\" fill=\"\(Layout.textColor)\">",
            "<title>\(label)</title>",
            "<desc>\(XMLEscaping.escape(accessibleDescription))</desc>",
            "<rect width=\"\(Layout.width)\" height=\"\(height)\" fill=\"#ffffff\"/>",
        ]
        lines += body
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every value in words, one line per bar: what a screen reader reads
    /// and what survives when the chart is printed in black and white.
    public var accessibleDescription: String {
        var lines: [String] = []
        if let caption { lines.append(caption) }
        for group in groups {
            if let heading = group.heading { lines.append(heading) }
            for bar in group.bars { lines.append("\(bar.label)：\(bar.valueText)") }
        }
        return lines.joined(separator: "\n")
    }
}
