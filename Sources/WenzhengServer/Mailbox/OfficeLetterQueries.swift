import Foundation
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The filters of a letter list: `state` (a state, or `open`),
/// `department` (an id), `overdue`, `dueWithin` (working days), and the
/// page (`page` on pages, `limit`/`offset` in the API).
struct LetterListQuery: Sendable {
    var state: String = ""
    var states: [LetterState] = []
    var departmentID: Int64?
    var overdue = false
    var dueWithin: Int?
    var limit = 50
    var offset = 0

    static let maxDueWithin = 365
    static let pageSize = 50

    /// Reads the filters; every bad one is reported at once (422).
    static func parse(_ request: Request, paging: Paging) throws -> LetterListQuery {
        let parameters = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let raw = parameters.get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var query = LetterListQuery()
        var errors: [FieldError] = []
        if let state = value("state") {
            query.state = state
            if state == "open" {
                query.states = LetterState.allCases.filter(\.isOpen)
            } else if let parsed = LetterState(rawValue: state) {
                query.states = [parsed]
            } else {
                errors.append(
                    .invalid("state", "state must be open or one of \(LetterState.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        if let department = value("department") {
            if let id = Int64(department), id > 0 {
                query.departmentID = id
            } else {
                errors.append(.invalid("department", "department must be a department id"))
            }
        }
        if let overdue = value("overdue") {
            switch overdue {
            case "1", "true", "on": query.overdue = true
            case "0", "false", "off": query.overdue = false
            default: errors.append(.invalid("overdue", "overdue must be true or false"))
            }
        }
        if let raw = value("dueWithin") {
            if let days = Int(raw), (1...maxDueWithin).contains(days) {
                query.dueWithin = days
            } else {
                errors.append(.invalid("dueWithin", "dueWithin must be 1 to \(maxDueWithin) working days"))
            }
        }
        if query.overdue && query.dueWithin != nil {
            errors.append(.invalid("dueWithin", "choose either overdue or due within N working days, not both"))
        }
        if (query.overdue || query.dueWithin != nil), query.states.contains(where: { !$0.isOpen }) {
            errors.append(.invalid("state", "deadlines are for open letters; \(query.state) letters have none"))
        }
        switch paging {
        case .page:
            if let raw = value("page") {
                if let page = Int(raw), (1...10_000).contains(page) {
                    query.offset = (page - 1) * pageSize
                } else {
                    errors.append(.invalid("page", "page must be a number from 1"))
                }
            }
            query.limit = pageSize
        case .limitOffset:
            (query.limit, query.offset) = limitAndOffset(
                limit: value("limit"), offset: value("offset"), defaultLimit: query.limit, into: &errors)
        }
        try ValidationFailure.check(errors)
        return query
    }

    enum Paging {
        case page
        case limitOffset
    }

    /// An API page: `limit` 1…`MailboxChecks.maxDeadlinePageSize` (200) and
    /// `offset` from 0.
    static func limitAndOffset(limit: String?, offset: String?, defaultLimit: Int, into errors: inout [FieldError]) -> (Int, Int) {
        var result = (defaultLimit, 0)
        let maximum = MailboxChecks.maxDeadlinePageSize
        if let limit {
            if let value = Int(limit), (1...maximum).contains(value) {
                result.0 = value
            } else {
                errors.append(.invalid("limit", "limit must be 1 to \(maximum)"))
            }
        }
        if let offset {
            if let value = Int(offset), (0...1_000_000).contains(value) {
                result.1 = value
            } else {
                errors.append(.invalid("offset", "offset must be 0 or more"))
            }
        }
        return result
    }

    var page: Int { offset / Self.pageSize + 1 }
}

/// A statistics period: `from` and `to` (dates, inclusive), by default
/// this year up to today; `year` for the monthly figures, by default the
/// year of `to`.
struct StatisticsQuery: Sendable {
    var from: CivilDate
    var to: CivilDate
    var year: Int

    static func parse(_ request: Request, today: CivilDate) throws -> StatisticsQuery {
        let parameters = request.uri.queryParameters
        var errors: [FieldError] = []
        func date(_ name: String, _ fallback: CivilDate) -> CivilDate {
            guard let raw = parameters.get(name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return fallback }
            guard let date = CivilDate(raw), HolidayNotice.supportedYears.contains(date.year) else {
                errors.append(.invalid(name, "\(name) must be a date like 2026-01-01"))
                return fallback
            }
            return date
        }
        let from = date("from", CivilDate(year: today.year, month: 1, day: 1))
        let to = date("to", today)
        var year = to.year
        if let raw = parameters.get("year")?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let value = Int(raw), HolidayNotice.supportedYears.contains(value) {
                year = value
            } else {
                errors.append(.invalid("year", "year must be a year like 2026"))
            }
        }
        if errors.isEmpty && to < from { errors.append(.invalid("to", "the period ends before it starts")) }
        try ValidationFailure.check(errors)
        return StatisticsQuery(from: from, to: to, year: year)
    }
}
