import GRDB
import WenzhengCore

/// A calendar day in SQLite is its `YYYY-MM-DD` text, as the mailbox's
/// columns (`received_on`, `due_on`…) have always held it: text compares
/// as dates do, and records read and write `CivilDate` with no migration.
///
/// (Kept with the mailbox, the first feature to store days as `CivilDate`;
/// it belongs with the calendar's storage.)
extension CivilDate: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> CivilDate? {
        String.fromDatabaseValue(value).flatMap { CivilDate($0) }
    }
}
