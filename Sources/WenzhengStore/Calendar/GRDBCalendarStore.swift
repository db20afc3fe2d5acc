import Foundation
import GRDB
import WenzhengCore

/// `CalendarStore` over the shared SQLite connection pool (GRDB).
struct GRDBCalendarStore: CalendarStore {
    let writer: any DatabaseWriter
    var reader: any DatabaseReader { writer }
    /// The features whose deadlines count working days.
    let dependents: [any GRDBCalendarDependent]
}
