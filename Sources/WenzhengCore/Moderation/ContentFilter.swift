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
        self.termLength = terms.map { TextNormalizer.fold($0).count }
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
            } else {
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
