import Foundation
import Hummingbird
import WenzhengCore
import WenzhengStore

/// What interview routes read from a request, for the API, the pages and
/// the live sockets alike: ids in the path, and the query's sequence
/// numbers, page sizes and filters. A bad value is a field error.
enum InterviewRequest {
    /// The path parameter `name` (the interview's `id` by default).
    static func id(_ context: AppRequestContext, _ name: String = "id") throws -> Int64 {
        guard let id = context.parameters.get(name, as: Int64.self), id > 0 else {
            throw Problem(kind: .notFound, detail: "no such \(name == "id" ? "interview" : name)")
        }
        return id
    }

    static func since(_ request: Request) throws -> Int64? {
        var errors: [FieldError] = []
        let since = since(request, into: &errors)
        try ValidationFailure.check(errors)
        return since
    }

    /// `since`: the last sequence number the client has (0 or more).
    static func since(_ request: Request, into errors: inout [FieldError]) -> Int64? {
        guard let raw = parameter(request, "since") else { return nil }
        guard let since = Int64(raw), since >= 0 else {
            errors.append(.invalid("since", "since must be a sequence number (0 or more)"))
            return nil
        }
        return since
    }

    /// `limit`, from 1 to `max`.
    static func pageLimit(_ request: Request, default value: Int, max: Int, into errors: inout [FieldError]) -> Int {
        guard let raw = parameter(request, "limit") else { return value }
        guard let limit = Int(raw), (1...max).contains(limit) else {
            errors.append(.invalid("limit", "limit must be 1 to \(max)"))
            return value
        }
        return limit
    }

    /// A query parameter, trimmed; nil when absent or blank.
    static func parameter(_ request: Request, _ name: String) -> String? {
        guard let raw = request.uri.queryParameters.get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    /// The deferred list's filters (`state`, `interview`).
    static func deferredFilter(_ request: Request, into errors: inout [FieldError]) -> DeferredQuestionFilter {
        var filter = DeferredQuestionFilter()
        if let raw = parameter(request, "state") {
            if let state = DeferredQuestionFilter.State(rawValue: raw) {
                filter.state = state
            } else {
                errors.append(.invalid("state", "state must be open, answered or all"))
            }
        }
        if let raw = parameter(request, "interview") {
            if let id = Int64(raw), id > 0 {
                filter.interviewID = id
            } else {
                errors.append(.invalid("interview", "interview must be an interview id"))
            }
        }
        return filter
    }

    /// `?after=SEQ` or `?before=SEQ` (one of them), else `fallback`.
    static func window(_ request: Request, default fallback: TranscriptWindow) throws -> TranscriptWindow {
        var errors: [FieldError] = []
        var window = fallback
        for name in ["after", "before"] {
            guard let raw = parameter(request, name) else { continue }
            if let seq = Int64(raw), seq >= 0 {
                window = name == "after" ? .after(seq) : .before(seq)
            } else {
                errors.append(.invalid(name, "\(name) must be a sequence number (0 or more)"))
            }
        }
        if parameter(request, "after") != nil && parameter(request, "before") != nil {
            errors.append(.invalid("before", "give after or before, not both"))
        }
        try ValidationFailure.check(errors)
        return window
    }

    /// A form's `2026-12-03T10:00` as Beijing time.
    static func parseLocal(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = CivilDate.officeTimeZone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
