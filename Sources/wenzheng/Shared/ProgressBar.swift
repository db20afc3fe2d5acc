import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress bar on standard error, redrawn in place, for long
/// commands run by a person at a terminal. It draws nothing when standard
/// error is not a terminal (a pipe, a log file, cron), where a carriage
/// return per step would be noise: the command prints its summary instead.
final class ProgressBar {
    let label: String
    let width: Int
    let isActive: Bool
    private var lastPercent = -1
    private var drawn = false

    init(label: String, width: Int = 30, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.width = width
        isActive = enabled
    }

    /// `label [=========>          ]  45%  1234/2740 unit`; redrawn only
    /// when the percentage changes.
    func update(done: Int, total: Int, unit: String) {
        guard isActive else { return }
        let percent = total == 0 ? 100 : min(100, done * 100 / total)
        guard percent != lastPercent else { return }
        lastPercent = percent
        FileHandle.standardError.write(Data(("\r" + Self.line(label: label, done: done, total: total, unit: unit, width: width)).utf8))
        drawn = true
    }

    /// Ends the bar's line, so what follows starts on a line of its own.
    func finish() {
        guard isActive, drawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        drawn = false
    }

    static func line(label: String, done: Int, total: Int, unit: String, width: Int) -> String {
        let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: " ", count: width - filled - 1) : "")
        let percent = String(Int((fraction * 100).rounded(.down)))
        return "\(label) [\(bar)] \(String(repeating: " ", count: max(0, 3 - percent.count)))\(percent)%  \(done)/\(total) \(unit)"
    }
}
