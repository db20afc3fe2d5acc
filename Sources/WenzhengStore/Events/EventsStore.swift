import Foundation
import WenzhengCore

/// Open days (开放日) and their registrations, and the year's events for
/// the plan check (docs/events-design.md).
///
/// The feature's storage contract: intention-named methods, each one
/// transaction with its audit entries and its notices to visitors (written
/// to the outbox, `NotificationsStore`). `GRDBEventsStore` implements it
/// over SQLite. The rules are Core's (`OpenDay`, `OpenDayRoster`,
/// `RegistrationForm`); the store loads, applies one rule and writes back.
///
/// Errors:
/// - `StoreError.notFound(kind: "open day")` for an unknown id;
/// - `StoreError.invalid` with every bad field (a form, a reschedule, a
///   cancellation without a reason);
/// - `OpenDayConflict` for what the rules refuse, with a stable `code`:
///   `registration_not_yet_open` / `registration_closed` (carrying the
///   time), `event_cancelled`, `phone_already_registered`,
///   `unknown_code`, `already_cancelled`, `already_checked_in`,
///   `still_waitlisted`, `check_in_not_yet_open` / `check_in_closed`,
///   `cancellation_closed`, `cannot_move`, `not_started_yet`.
///
/// Actors are `AuditActor`s, so the command line
/// (`AuditActor.commandLine`), staff sessions (`AuditActor.staff`) and
/// visitors (`AuditActor.visitor`) all act through the same methods;
/// whether a staff role may act is the caller's check.
public protocol EventsStore: Sendable {
    // MARK: Open days

    /// Stores a new open day. `openDay` is what `OpenDay.scheduled(…)`
    /// returned; it is checked again against `now` (a start in the past is
    /// refused), so the store never holds an open day Core would not make.
    func scheduleOpenDay(_ openDay: OpenDay, actor: AuditActor, at now: Date) async throws -> OpenDayView

    /// One open day with its counts at `now`.
    func openDay(id: Int64, at now: Date) async throws -> OpenDayView

    /// Open days starting in `year` (by their Beijing date), or all when
    /// nil, soonest first, each with its counts at `now`.
    func openDays(year: Int?, at now: Date) async throws -> [OpenDayView]

    /// Moves an open day (`OpenDay.rescheduled`: revision + 1, a window
    /// closing after the new start closes at it) and writes a notice for
    /// every live registration.
    func rescheduleOpenDay(id: Int64, to start: Date, durationMinutes: Int?, actor: AuditActor, at now: Date) async throws
        -> OpenDayUpdate

    /// Calls an open day off with a reason (revision + 1) and writes a
    /// notice for every live registration. The registrations stay as they
    /// were, on the record.
    func cancelOpenDay(id: Int64, reason: String, actor: AuditActor, at now: Date) async throws -> OpenDayUpdate

    /// Marks an open day held, once it has started: from then on no-shows
    /// are counted.
    func markOpenDayHeld(id: Int64, actor: AuditActor, at now: Date) async throws -> OpenDayView

    // MARK: Registrations

    /// A visitor registers: within the registration window only, one live
    /// registration per phone (a second is refused with
    /// `phone_already_registered` and the first kept unchanged, its code
    /// not revealed). The party is seated when it fits the free seats, and
    /// waitlisted otherwise. The confirmation code is drawn from the
    /// operating system's secure generator.
    func register(openDayID: Int64, _ form: RegistrationForm, actor: AuditActor, at now: Date) async throws -> OpenDayRegistration

    /// The registration with `code`, for its visitor (`unknown_code` when
    /// there is none).
    func registration(openDayID: Int64, code: ConfirmationCode) async throws -> OpenDayRegistration

    /// Cancels the registration with `code` (the visitor, or staff on their
    /// behalf), until the open day starts. Seats it held go to the earliest
    /// waitlisted parties that fit (`OpenDayRoster`'s seat rule); each
    /// promotion is audited and notified.
    func cancelRegistration(openDayID: Int64, code: ConfirmationCode, actor: AuditActor, at now: Date) async throws
        -> RegistrationCancellation

    /// Lets a seated party in at the door, within Core's check-in window
    /// (from 00:00 on the day until the end). A second check-in is refused
    /// with `already_checked_in`; a waitlisted party with
    /// `still_waitlisted`.
    func checkIn(openDayID: Int64, code: ConfirmationCode, actor: AuditActor, at now: Date) async throws -> OpenDayRegistration

    /// Every registration of an open day in arrival order, cancelled ones
    /// included, with full names, phones and e-mails: for the attendee CSV
    /// and the door list. What to show or mask is the caller's.
    func attendees(openDayID: Int64) async throws -> [OpenDayRegistration]

    // MARK: The plan

    /// The interviews and open days starting in `year` (Beijing date), or
    /// all when nil, as `AnnualPlan.check` takes them: start, when
    /// announced (an interview's `announcedAt`; an open day when
    /// scheduled), cancelled or not.
    func plannedEvents(year: Int?) async throws -> [PlannedEvent]
}
