import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import WenzhengCore
import WenzhengServer

/// The open days' part of the OpenAPI document (`Web/api/openapi.events.json`)
/// against real responses, with the surveys' `DeclaredKeys`: every key a
/// response has is declared, every required key is there, enums hold.
@Suite struct EventsOpenAPITests {
    @Test func openDayResponsesHaveOnlyTheKeysTheDocumentDeclares() async throws {
        let day = try await OpenDayHTTP(capacity: 1, opens: nil)
        let (schemas, seated) = try await day.server.prepare { client in
            let schemas = try DeclaredKeys(document: Data(buffer: try await client.execute(uri: "/api/v1/openapi.json", method: .get).body))
            let registrations = "post", path = "/api/v1/events/{id}/registrations"
            try schemas.expectFits(try await client.execute(uri: "/api/v1/events", method: .get), "get", "/api/v1/events", 200)
            try schemas.expectFits(
                try await client.execute(uri: "/api/v1/events/\(day.id)", method: .get), "get", "/api/v1/events/{id}", 200)
            let seated = try await client.postJSON(day.registrations, OpenDayHTTP.registration(1, email: "a@example.cn"))
            try schemas.expectFits(seated, registrations, path, 201)
            let waitlisted = try await client.postJSON(day.registrations, OpenDayHTTP.registration(2))
            try schemas.expectFits(waitlisted, registrations, path, 201)
            let again = try await client.postJSON(day.registrations, OpenDayHTTP.registration(2))
            try schemas.expectFits(again, registrations, path, 409, media: "application/problem+json")
            let bad = try await client.postJSON(day.registrations, #"{"name":"","phone":"1"}"#)
            try schemas.expectFits(bad, registrations, path, 422, media: "application/problem+json")
            let code = try JSONDecoder.iso.decode(VisitorRegistrationBody.self, from: Data(buffer: seated.body)).code
            let waitingCode = try JSONDecoder.iso.decode(VisitorRegistrationBody.self, from: Data(buffer: waitlisted.body)).code
            try schemas.expectFits(try await client.query(day, code: code), "post", "/api/v1/events/{id}/registration/query", 200)
            try schemas.expectFits(try await client.cancel(day, code: waitingCode), "post", "/api/v1/events/{id}/registration/cancel", 200)

            let organiser = try await client.logIn("organiser")
            let scheduled = try await client.execute(
                uri: "/api/v1/events", method: .post, headers: organiser.headers(csrf: true, json: true),
                body: ByteBuffer(
                    string: #"""
                        {"title":"开放日","programme":"参观","location":"厅机关","start":"2026-12-05T09:30:00+08:00","durationMinutes":90,
                         "capacity":10,"registrationOpens":"2026-11-20T09:00:00+08:00"}
                        """#))
            try schemas.expectFits(scheduled, "post", "/api/v1/events", 201)
            let early = try await client.postJSON("/api/v1/events/2/registrations", OpenDayHTTP.registration(1))
            try schemas.expectFits(early, registrations, path, 409, media: "application/problem+json")
            #expect(early.text.contains("\"window\""))
            return (schemas, code)
        }
        day.server.clock.set(OpenDayHTTP.start)
        try await day.server.test { client in
            let organiser = try await client.logIn("organiser")
            let checkedIn = try await client.execute(
                uri: "/api/v1/events/\(day.id)/check-in", method: .post, headers: organiser.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"code":"\#(seated)"}"#))
            try schemas.expectFits(checkedIn, "post", "/api/v1/events/{id}/check-in", 200)
            let held = try await client.execute(uri: "/api/v1/events/\(day.id)/held", method: .post, headers: organiser.headers(csrf: true))
            try schemas.expectFits(held, "post", "/api/v1/events/{id}/held", 200)
            let attendees = try await client.execute(uri: "/api/v1/events/\(day.id)/attendees", method: .get, headers: organiser.headers())
            try schemas.expectFits(attendees, "get", "/api/v1/events/{id}/attendees", 200)
            let cancelled = try await client.execute(
                uri: "/api/v1/events/2/cancel", method: .post, headers: organiser.headers(csrf: true, json: true),
                body: ByteBuffer(string: #"{"reason":"场馆检修"}"#))
            try schemas.expectFits(cancelled, "post", "/api/v1/events/{id}/cancel", 200)
        }
    }
}
