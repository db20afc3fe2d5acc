import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import WenzhengCore
import WenzhengStore

@testable import WenzhengServer

/// An interview's page offers its own calendar entry, the same event
/// `wenzheng export calendar` writes (UID, SEQUENCE), so importing both
/// keeps one; a cancelled interview's entry says so.
@Suite("Interview calendar entry")
struct InterviewCalendarTests {
    @Test("the page links its .ics; one VEVENT with the UID, SEQUENCE, times in UTC and the guests; CANCELLED after a cancellation")
    func calendarEntry() async throws {
        let server = try await TestServer()
        try await server.addStaff("host", role: .host)
        try await server.test { client in
            let (host, id) = try await InterviewDriver.signInAndCreate(client)
            // Not announced: no page, no calendar entry.
            #expect(try await client.execute(uri: "/interviews/\(id)/calendar.ics", method: .get).status == .notFound)
            #expect(try await host.status(id, "open").status == .ok)

            let page = try await client.execute(uri: "/interviews/\(id)", method: .get)
            #expect(page.text.contains(#"href="/interviews/\#(id)/calendar.ics""#))
            let entry = try await client.execute(uri: "/interviews/\(id)/calendar.ics", method: .get)
            #expect(entry.status == .ok)
            #expect(entry.headers[.contentType] == "text/calendar; charset=utf-8")
            #expect(entry.headers[.contentDisposition] == #"attachment; filename="interview-\#(id).ics""#)
            let text = entry.text
            #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n") && text.hasSuffix("END:VCALENDAR\r\n"))
            #expect(text.components(separatedBy: "BEGIN:VEVENT").count == 2)
            #expect(text.contains("UID:\(ICalendarEvent.uid(kind: .interview, id: id, host: "localhost"))\r\n"))
            #expect(text.contains("SEQUENCE:0\r\n") && text.contains("DTSTART:20261203T020000Z\r\n"))
            #expect(text.contains("嘉宾：张三，副厅长，司法厅"))

            _ = try await server.database.interviews.cancelInterview(
                id: id, reason: "嘉宾临时公务", actor: .commandLine(osUser: "test"), at: server.clock.now())
            let cancelled = try await client.execute(uri: "/interviews/\(id)/calendar.ics", method: .get).text
            #expect(cancelled.contains("STATUS:CANCELLED\r\n") && cancelled.contains("SEQUENCE:1\r\n"))
        }
    }
}
