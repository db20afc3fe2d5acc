import Foundation

/// The State Council's holiday notices shipped with Wenzheng, as holiday-cn
/// JSON text, so a new installation counts 2025 and 2026 correctly before
/// anyone imports a file. Migration `v4-working-day-calendar` copies 2025
/// and 2026 into the database; later years arrive with `wenzheng calendar
/// import` (a year added here reaches existing databases only through a
/// new migration).
///
/// Written out day by day from the notices' ranges ("1月28日至2月4日放假调休");
/// each make-up working day carries the name of the holiday it makes up
/// for, as holiday-cn does. `CalendarTests` checks the days against those
/// ranges, so a slip in this text fails a test.
public enum ShippedHolidayNotices {
    /// 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）.
    /// The revised 全国年节及纪念日放假办法 applies from 2025: 春节 includes
    /// 除夕 and 劳动节 has two days. 中秋节 (10-06) falls inside the National
    /// Day week, so the notice combines them as 国庆节、中秋节.
    public static let json2025 = """
        {
          "year": 2025,
          "papers": ["https://www.gov.cn/zhengce/content/202411/content_6986382.htm"],
          "days": [
            {"name": "元旦", "date": "2025-01-01", "isOffDay": true},
            {"name": "春节", "date": "2025-01-26", "isOffDay": false},
            {"name": "春节", "date": "2025-01-28", "isOffDay": true},
            {"name": "春节", "date": "2025-01-29", "isOffDay": true},
            {"name": "春节", "date": "2025-01-30", "isOffDay": true},
            {"name": "春节", "date": "2025-01-31", "isOffDay": true},
            {"name": "春节", "date": "2025-02-01", "isOffDay": true},
            {"name": "春节", "date": "2025-02-02", "isOffDay": true},
            {"name": "春节", "date": "2025-02-03", "isOffDay": true},
            {"name": "春节", "date": "2025-02-04", "isOffDay": true},
            {"name": "春节", "date": "2025-02-08", "isOffDay": false},
            {"name": "清明节", "date": "2025-04-04", "isOffDay": true},
            {"name": "清明节", "date": "2025-04-05", "isOffDay": true},
            {"name": "清明节", "date": "2025-04-06", "isOffDay": true},
            {"name": "劳动节", "date": "2025-04-27", "isOffDay": false},
            {"name": "劳动节", "date": "2025-05-01", "isOffDay": true},
            {"name": "劳动节", "date": "2025-05-02", "isOffDay": true},
            {"name": "劳动节", "date": "2025-05-03", "isOffDay": true},
            {"name": "劳动节", "date": "2025-05-04", "isOffDay": true},
            {"name": "劳动节", "date": "2025-05-05", "isOffDay": true},
            {"name": "端午节", "date": "2025-05-31", "isOffDay": true},
            {"name": "端午节", "date": "2025-06-01", "isOffDay": true},
            {"name": "端午节", "date": "2025-06-02", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-09-28", "isOffDay": false},
            {"name": "国庆节、中秋节", "date": "2025-10-01", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-10-02", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-10-03", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-10-04", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-10-05", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-10-06", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-10-07", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-10-08", "isOffDay": true},
            {"name": "国庆节、中秋节", "date": "2025-10-11", "isOffDay": false}
          ]
        }
        """

    /// 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）.
    public static let json2026 = """
        {
          "year": 2026,
          "papers": ["https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"],
          "days": [
            {"name": "元旦", "date": "2026-01-01", "isOffDay": true},
            {"name": "元旦", "date": "2026-01-02", "isOffDay": true},
            {"name": "元旦", "date": "2026-01-03", "isOffDay": true},
            {"name": "元旦", "date": "2026-01-04", "isOffDay": false},
            {"name": "春节", "date": "2026-02-14", "isOffDay": false},
            {"name": "春节", "date": "2026-02-15", "isOffDay": true},
            {"name": "春节", "date": "2026-02-16", "isOffDay": true},
            {"name": "春节", "date": "2026-02-17", "isOffDay": true},
            {"name": "春节", "date": "2026-02-18", "isOffDay": true},
            {"name": "春节", "date": "2026-02-19", "isOffDay": true},
            {"name": "春节", "date": "2026-02-20", "isOffDay": true},
            {"name": "春节", "date": "2026-02-21", "isOffDay": true},
            {"name": "春节", "date": "2026-02-22", "isOffDay": true},
            {"name": "春节", "date": "2026-02-23", "isOffDay": true},
            {"name": "春节", "date": "2026-02-28", "isOffDay": false},
            {"name": "清明节", "date": "2026-04-04", "isOffDay": true},
            {"name": "清明节", "date": "2026-04-05", "isOffDay": true},
            {"name": "清明节", "date": "2026-04-06", "isOffDay": true},
            {"name": "劳动节", "date": "2026-05-01", "isOffDay": true},
            {"name": "劳动节", "date": "2026-05-02", "isOffDay": true},
            {"name": "劳动节", "date": "2026-05-03", "isOffDay": true},
            {"name": "劳动节", "date": "2026-05-04", "isOffDay": true},
            {"name": "劳动节", "date": "2026-05-05", "isOffDay": true},
            {"name": "劳动节", "date": "2026-05-09", "isOffDay": false},
            {"name": "端午节", "date": "2026-06-19", "isOffDay": true},
            {"name": "端午节", "date": "2026-06-20", "isOffDay": true},
            {"name": "端午节", "date": "2026-06-21", "isOffDay": true},
            {"name": "国庆节", "date": "2026-09-20", "isOffDay": false},
            {"name": "中秋节", "date": "2026-09-25", "isOffDay": true},
            {"name": "中秋节", "date": "2026-09-26", "isOffDay": true},
            {"name": "中秋节", "date": "2026-09-27", "isOffDay": true},
            {"name": "国庆节", "date": "2026-10-01", "isOffDay": true},
            {"name": "国庆节", "date": "2026-10-02", "isOffDay": true},
            {"name": "国庆节", "date": "2026-10-03", "isOffDay": true},
            {"name": "国庆节", "date": "2026-10-04", "isOffDay": true},
            {"name": "国庆节", "date": "2026-10-05", "isOffDay": true},
            {"name": "国庆节", "date": "2026-10-06", "isOffDay": true},
            {"name": "国庆节", "date": "2026-10-07", "isOffDay": true},
            {"name": "国庆节", "date": "2026-10-10", "isOffDay": false}
          ]
        }
        """

    /// The shipped notices, parsed. The text above is constant and a test
    /// parses it, so a failure here is a programming error caught before
    /// release, not an operating condition.
    public static let all: [HolidayNotice] = [json2025, json2026].map { text in
        do {
            return try HolidayNotice.parse(Data(text.utf8))
        } catch {
            preconditionFailure("shipped holiday notice does not parse: \(error)")
        }
    }
}
