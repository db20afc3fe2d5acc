/// The kinds of citizens' text that reach the public, each of which passes
/// through the one moderation queue.
public enum ContentKind: String, Sendable, Codable, CaseIterable {
    case question
    case letter
    case surveyAnswer = "survey_answer"
    case comment
}

/// Where an item is in moderation.
public enum ModerationState: String, Sendable, Codable, CaseIterable {
    case pending
    case approved
    /// Approved after the moderator changed the text.
    case edited
    case rejected

    public var isDecided: Bool { self != .pending }
}

/// What a category's match does to an item.
public enum FilterAction: String, Sendable, Codable, CaseIterable, Comparable {
    /// Shown to the moderator highlighted; approval is normal.
    case flag
    /// Cannot be approved without an explicit override.
    case hold
    /// Refused at submission; the citizen is told why.
    case reject

    public static func < (lhs: FilterAction, rhs: FilterAction) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A standard reason for rejecting an item, with the wording the public
/// sees.
public struct RejectionReason: Sendable, Codable, Equatable {
    public var code: String
    public var zh: String
    public var en: String

    public init(code: String, zh: String, en: String) {
        self.code = code
        self.zh = zh
        self.en = en
    }

    public func text(for language: Language) -> String {
        language == .zh ? zh : en
    }
}

/// A word-list match as the moderator sees it.
public struct FilterFlag: Sendable, Codable, Equatable {
    public var category: String
    public var term: String
    public var action: FilterAction
    /// UTF-16 offsets into the item's text: `[start, end)`.
    public var start: Int
    public var end: Int

    public init(category: String, term: String, action: FilterAction, start: Int, end: Int) {
        self.category = category
        self.term = term
        self.action = action
        self.start = start
        self.end = end
    }
}
