import Foundation

/// The office's moderation policy, read from `Moderation/rules.json`: what
/// each word-list category does, which kinds of content are reviewed
/// before publication, and the standard rejection reasons.
public struct ModerationRules: Sendable, Equatable, Decodable {
    public struct Category: Sendable, Equatable, Decodable {
        /// The word list's file, relative to the Moderation/ folder.
        public var file: String
        public var action: FilterAction

        public init(file: String, action: FilterAction) {
            self.file = file
            self.action = action
        }
    }

    public struct KindPolicy: Sendable, Equatable, Decodable {
        /// Reviewed before it is public (先审后发). Default: yes.
        public var preModeration: Bool

        public init(preModeration: Bool) {
            self.preModeration = preModeration
        }
    }

    public var categories: [String: Category]
    /// Terms of one character are ambiguous in Chinese (性 in 性别), so they
    /// never do more than this, whatever their category says.
    public var singleCharacterAction: FilterAction
    /// What detected personal information does to an item.
    public var personalInformationAction: FilterAction
    /// Terms that are innocent although they contain a listed term
    /// (性别 contains 性): a match inside one of these is dropped.
    public var allowListFile: String?
    public var contentKinds: [String: KindPolicy]
    public var rejectionReasons: [RejectionReason]

    public init(
        categories: [String: Category], singleCharacterAction: FilterAction, personalInformationAction: FilterAction,
        allowListFile: String?, contentKinds: [String: KindPolicy], rejectionReasons: [RejectionReason]
    ) {
        self.categories = categories
        self.singleCharacterAction = singleCharacterAction
        self.personalInformationAction = personalInformationAction
        self.allowListFile = allowListFile
        self.contentKinds = contentKinds
        self.rejectionReasons = rejectionReasons
    }

    public func requiresPreModeration(_ kind: ContentKind) -> Bool {
        contentKinds[kind.rawValue]?.preModeration ?? true
    }

    public func reason(code: String) -> RejectionReason? {
        rejectionReasons.first { $0.code == code }
    }

    /// The reasons every deployment offers, whatever its rules file adds.
    public static let standardReasonCodes = [
        "abuse", "advertising", "personal_information", "off_topic", "duplicate", "litigation_or_petition", "other",
    ]

    public static func parse(_ data: Data, file: String) throws(WordList.ParseError) -> ModerationRules {
        let rules: ModerationRules
        do {
            rules = try JSONDecoder().decode(ModerationRules.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            let reason = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String ?? context.debugDescription
            throw WordList.ParseError(file: file, line: Self.line(of: context.underlyingError, in: data), message: "invalid JSON: \(reason)")
        } catch {
            throw WordList.ParseError(file: file, line: 1, message: "\(error)")
        }
        if singleCharacterLimitIsReject(rules) {
            throw WordList.ParseError(file: file, line: 1, message: "singleCharacterAction cannot be reject")
        }
        let codes = Set(rules.rejectionReasons.map(\.code))
        let missing = standardReasonCodes.filter { !codes.contains($0) }
        if !missing.isEmpty {
            throw WordList.ParseError(file: file, line: 1, message: "missing standard rejection reasons: \(missing.joined(separator: ", "))")
        }
        for kind in rules.contentKinds.keys where ContentKind(rawValue: kind) == nil {
            throw WordList.ParseError(file: file, line: 1, message: "unknown content kind '\(kind)'")
        }
        return rules
    }

    private static func singleCharacterLimitIsReject(_ rules: ModerationRules) -> Bool {
        rules.singleCharacterAction == .reject
    }

    private static func line(of error: (any Error)?, in data: Data) -> Int {
        // Foundation reports a character index; turn it into a line number.
        guard let error = error as NSError?, let index = error.userInfo["NSJSONSerializationErrorIndex"] as? Int else { return 1 }
        return data.prefix(index).filter { $0 == 0x0A }.count + 1
    }
}
