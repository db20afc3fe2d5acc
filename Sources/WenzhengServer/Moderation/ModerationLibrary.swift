import Foundation
import Logging
import Synchronization
import WenzhengCore

/// The moderation data from the Moderation/ folder, loaded at start and
/// reloadable while the server runs (SIGHUP or the admin's reload action).
/// A reload that fails leaves the filter already in force untouched.
public final class ModerationLibrary: Sendable {
    public let directory: String
    private let current: Mutex<Loaded>

    /// What one successful load produced.
    public struct Loaded: Sendable {
        public var filter: ContentFilter
        public var loadedAt: Date
        public var summary: [ListSummary]
    }

    public struct ListSummary: Sendable, Codable, Equatable {
        public var category: String
        public var terms: Int
        public var action: FilterAction
        public var source: String
        public var licence: String
    }

    public init(directory: String, now: Date = Date()) throws(WordList.ParseError) {
        self.directory = directory
        self.current = Mutex(try Self.load(directory: directory, now: now))
    }

    /// The filter now in force.
    public var filter: ContentFilter { current.withLock { $0.filter } }
    public var loaded: Loaded { current.withLock { $0 } }

    /// Reads every file again and swaps the new filter in only if all of
    /// them parse.
    @discardableResult
    public func reload(now: Date = Date()) throws(WordList.ParseError) -> Loaded {
        let fresh = try Self.load(directory: directory, now: now)
        current.withLock { $0 = fresh }
        return fresh
    }

    static func load(directory: String, now: Date) throws(WordList.ParseError) -> Loaded {
        let base = URL(fileURLWithPath: directory)
        func read(_ relative: String) throws(WordList.ParseError) -> Data {
            let path = base.appendingPathComponent(relative).path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw WordList.ParseError(file: relative, line: 0, message: "cannot read \(path)")
            }
            return data
        }
        let rules = try ModerationRules.parse(try read("rules.json"), file: "rules.json")
        var lists: [WordList] = []
        for (name, category) in rules.categories.sorted(by: { $0.key < $1.key }) {
            let list = try WordList.parse(try read(category.file), file: category.file)
            guard list.category == name else {
                throw WordList.ParseError(
                    file: category.file, line: 1, message: "header says category '\(list.category)' but rules.json maps it to '\(name)'")
            }
            lists.append(list)
        }
        var allow: [String] = []
        if let file = rules.allowListFile {
            allow = try WordList.parse(try read(file), file: file).terms
        }
        let summary = lists.map { list in
            ListSummary(
                category: list.category, terms: list.terms.count, action: rules.categories[list.category]!.action,
                source: list.source, licence: list.licence)
        }
        return Loaded(filter: ContentFilter(rules: rules, lists: lists, allowList: allow), loadedAt: now, summary: summary)
    }
}
