import Foundation
import Hummingbird
import WenzhengCore
import WenzhengStore

/// What moderation routes read from a request: the item in the path, and
/// the queue's filters in the query (API and console alike).
enum ModerationRequest {
    static func itemID(_ context: AppRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw Problem(kind: .notFound, detail: "no such moderation item")
        }
        return id
    }

    /// `state`, `kind`, `category`, `minAgeMinutes`, `limit`.
    static func filter(from query: Parameters) throws -> ModerationQueueFilter {
        var filter = ModerationQueueFilter()
        if let state = query.get("state"), !state.isEmpty {
            if state == "all" {
                filter.states = []
            } else {
                guard let parsed = ModerationState(rawValue: state) else {
                    throw Problem.validation(.invalid("state", "state must be one of pending, approved, edited, rejected, all"))
                }
                filter.states = [parsed]
            }
        }
        if let kind = query.get("kind"), !kind.isEmpty {
            guard let parsed = ContentKind(rawValue: kind) else {
                throw Problem.validation(.invalid("kind", "unknown kind '\(kind)'"))
            }
            filter.kind = parsed
        }
        if let category = query.get("category"), !category.isEmpty {
            guard category.count <= 40, category.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                throw Problem.validation(.invalid("category", "unknown category"))
            }
            filter.category = category
        }
        if let age = query.get("minAgeMinutes"), !age.isEmpty {
            guard let minutes = Int(age), minutes >= 0, minutes <= 60 * 24 * 365 else {
                throw Problem.validation(.invalid("minAgeMinutes", "minAgeMinutes must be a whole number of minutes"))
            }
            filter.olderThan = TimeInterval(minutes * 60)
        }
        if let limit = query.get("limit"), !limit.isEmpty {
            guard let value = Int(limit), (1...1000).contains(value) else {
                throw Problem.validation(.invalid("limit", "limit must be between 1 and 1000"))
            }
            filter.limit = value
        }
        return filter
    }
}
