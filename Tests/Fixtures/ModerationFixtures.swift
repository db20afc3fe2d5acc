import WenzhengCore

/// Moderation values the test targets share.
public enum ModerationFixtures {
    /// A filter with no word lists: it still detects personal information.
    public static let plainFilter = ContentFilter(
        rules: ModerationRules(
            categories: [:], singleCharacterAction: .flag, personalInformationAction: .flag, allowListFile: nil, contentKinds: [:],
            rejectionReasons: []),
        lists: [], allowList: [])
}
