import Foundation

/// The word filter and personal-information detector together: what the
/// moderation queue runs on every citizen's text. Built once from the
/// Moderation/ folder's data; immutable and shareable.
public struct ContentFilter: Sendable {
    public let rules: ModerationRules
    public let lists: [WordList]
    private let matcher: MultiPatternMatcher
    /// Per matcher term: its category (nil for allow-list terms) and text.
    private let termCategory: [String?]
    private let termText: [String]
    private let termLength: [Int]
    /// Per matcher term: whether its folded form is Latin letters and digits
    /// only (`t.cn/`, `bit.ly`). Such a term must stand at word edges in the
    /// text: folding drops the dot of `t.cn/`, and without this the term fired
    /// inside any word holding "tcn" (a run's random tag, an English name).
    /// Mixed terms (`加QQ`, `傻B`) keep matching anywhere, so `加QQ12345` and
    /// `傻Bxx` are still caught.
    private let termIsLatinWord: [Bool]

    public init(rules: ModerationRules, lists: [WordList], allowList: [String]) {
        self.rules = rules
        self.lists = lists
        var terms: [String] = []
        var categories: [String?] = []
        for list in lists {
            for term in list.terms {
                terms.append(term)
                categories.append(list.category)
            }
        }
        for term in allowList {
            terms.append(term)
            categories.append(nil)
        }
        self.matcher = MultiPatternMatcher(terms: terms)
        self.termCategory = categories
        self.termText = terms
        let folded = terms.map { TextNormalizer.fold($0) }
        self.termLength = folded.map(\.count)
        self.termIsLatinWord = folded.map { !$0.isEmpty && $0.allSatisfy(Self.isLatinWordUnit) }
    }

    /// ASCII letters and digits: the scripts that separate words with spaces.
    /// Chinese has no word edges to check, so its terms match anywhere.
    private static func isLatinWordUnit(_ value: UInt32) -> Bool {
        (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
    }

    /// Whether a match of a Latin-only term stands at word edges in the text:
    /// no ASCII letter or digit right before it or right after it (full-width
    /// ones count too, since folding makes them the same letters).
    private func standsAtWordEdges(term: Int, start: Int, end: Int, in units: String.UTF16View) -> Bool {
        func isWordUnit(at offset: Int) -> Bool {
            guard offset >= 0, offset < units.count else { return false }
            let unit = units[units.index(units.startIndex, offsetBy: offset)]
            if unit < 0x80 { return Self.isLatinWordUnit(UInt32(unit)) }
            // Full-width digits and letters (ＡＢＣ, ０１２).
            return (0xFF10...0xFF19).contains(unit) || (0xFF21...0xFF3A).contains(unit) || (0xFF41...0xFF5A).contains(unit)
        }
        guard termIsLatinWord[term] else { return true }
        return !isWordUnit(at: start - 1) && !isWordUnit(at: end)
    }

    public var termCount: Int { termText.count }

    /// What the filter found in a text.
    public struct Result: Sendable, Equatable {
        public var flags: [FilterFlag]
        public var personalInformation: [PersonalInformationMatch]
        /// The strongest action any finding asks for; nil when clean.
        public var action: FilterAction?

        /// Categories found, with `personal_information` for PII.
        public var categories: [String] {
            var result = Array(Set(flags.map(\.category))).sorted()
            if !personalInformation.isEmpty { result.append("personal_information") }
            return result
        }
    }

    public func check(_ text: String) -> Result {
        var denied: [(term: Int, start: Int, end: Int)] = []
        var allowed: [(start: Int, end: Int)] = []
        matcher.scan(text) { match in
            if termCategory[match.term] == nil {
                allowed.append((match.utf16Start, match.utf16End))
            } else if standsAtWordEdges(term: match.term, start: match.utf16Start, end: match.utf16End, in: text.utf16) {
                denied.append((match.term, match.utf16Start, match.utf16End))
            }
        }
        var flags: [FilterFlag] = []
        for hit in denied {
            // An innocent word that contains the term (性别 ⊃ 性) wins.
            if allowed.contains(where: { $0.start <= hit.start && hit.end <= $0.end }) { continue }
            guard let category = termCategory[hit.term], let policy = rules.categories[category] else { continue }
            var action = policy.action
            if termLength[hit.term] == 1 { action = min(action, rules.singleCharacterAction) }
            flags.append(FilterFlag(category: category, term: termText[hit.term], action: action, start: hit.start, end: hit.end))
        }
        // A term inside a longer match (逼 inside 傻逼) adds nothing for the
        // moderator; keep the longer one.
        flags = flags.filter { flag in
            !flags.contains { other in
                other.start <= flag.start && flag.end <= other.end && (other.end - other.start) > (flag.end - flag.start)
            }
        }
        flags.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        let personal = PersonalInformation.detect(in: text)
        var action = flags.map(\.action).max()
        if !personal.isEmpty {
            action = max(action ?? .flag, rules.personalInformationAction)
        }
        return Result(flags: flags, personalInformation: personal, action: action)
    }
}
