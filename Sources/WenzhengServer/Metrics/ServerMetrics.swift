import Foundation
import Logging
import Prometheus
import Synchronization
import WenzhengCore
import WenzhengStore

/// The server's Prometheus metrics (docs/operations.md lists each one).
///
/// Requests and commits are recorded as they happen; the live figures and
/// the queues are read when Prometheus scrapes (`collect`), from the live
/// hub's counters and through the feature stores, so nothing polls between
/// scrapes and a scrape sees the figures of that moment.
///
/// One registry per application, not swift-metrics' process-wide
/// bootstrap: tests build many applications in one process.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// The names, in one place for the code, the docs and the dashboard.
    /// No digits 1–8: swift-prometheus 2.4.1's name check accepts only 0
    /// and 9 and would rewrite the others to `_`.
    public enum Name {
        public static let httpRequests = "wenzheng_http_requests_total"
        public static let httpRequestDuration = "wenzheng_http_request_duration_seconds"
        public static let liveViewers = "wenzheng_live_viewers"
        public static let liveFramesDelivered = "wenzheng_live_frames_delivered_total"
        public static let liveViewersDroppedTooSlow = "wenzheng_live_viewers_dropped_too_slow_total"
        public static let moderationQueueItems = "wenzheng_moderation_queue_items"
        public static let moderationQueueOldestAge = "wenzheng_moderation_queue_oldest_age_seconds"
        public static let lettersOpen = "wenzheng_letters_open"
        public static let lettersDueSoon = "wenzheng_letters_due_soon"
        public static let lettersOverdue = "wenzheng_letters_overdue"
        public static let databaseCommitDuration = "wenzheng_database_commit_duration_seconds"
        public static let collectionErrors = "wenzheng_metrics_collection_errors_total"
    }

    /// "Due soon" as the office's deadline lists mean it: due today or
    /// within this many working days (the office calendar), not yet overdue.
    public static let dueSoonWorkingDays = 2

    /// Page-to-search latencies: 5 ms (a cached page) to 10 s (a search at
    /// its time limit, a bcrypt queue).
    static let requestBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// A commit with `synchronous=FULL` is an fsync: well under a
    /// millisecond on NVMe, tens of milliseconds on a busy disk.
    static let commitBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    private let commitDuration: DurationHistogram
    private let collectionErrors: Counter
    private let lettersOpen: Gauge
    private let lettersDueSoon: Gauge
    private let lettersOverdue: Gauge
    private let moderationOldestAge: Gauge

    /// The live hub's counters as last copied into the registry, per
    /// interview: Prometheus counters only go up, so a scrape adds what
    /// the hub counted since. Held for the whole copy, so two scrapes at
    /// once do not both add the same frames.
    private let mirroredLive = Mutex<[Int64: (framesDelivered: Int, droppedTooSlow: Int)]>([:])

    public init() {
        commitDuration = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                Name.databaseCommitDuration, "Time from SQLite's commit hook to the end of COMMIT, per write transaction (the fsync)."),
            buckets: Self.commitBuckets)
        collectionErrors = registry.makeCounter(
            descriptor: Self.descriptor(
                Name.collectionErrors, "Scrapes whose database figures could not be read (the previous values were kept)."))
        lettersOpen = registry.makeGauge(
            descriptor: Self.descriptor(Name.lettersOpen, "Letters not yet closed (answered, transferred, rejected or withdrawn)."))
        lettersDueSoon = registry.makeGauge(
            descriptor: Self.descriptor(
                Name.lettersDueSoon, "Open letters due today or within 2 working days (office calendar), not yet overdue."))
        lettersOverdue = registry.makeGauge(descriptor: Self.descriptor(Name.lettersOverdue, "Open letters past their due date."))
        moderationOldestAge = registry.makeGauge(
            descriptor: Self.descriptor(
                Name.moderationQueueOldestAge, "Age of the longest-waiting pending moderation item; 0 when none waits."))
        for kind in ContentKind.allCases { moderationQueueItems(kind).set(to: 0) }
    }

    /// Builds a descriptor from a full metric name (the library splits a
    /// name into parts; ours are written whole, as Prometheus shows them).
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    // MARK: Recorded as it happens

    /// One answered request. `route` is the route's template, never the
    /// raw path (`HTTPMetricsMiddleware`), and `method` one of a fixed set,
    /// so the series stay few whatever clients send.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.descriptor(Name.httpRequests, "Requests answered, by route template, method and status code."),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                Name.httpRequestDuration, "Time to answer a request (until its head is ready), by route template and method."),
            labels: [("route", route), ("method", method)], buckets: Self.requestBuckets
        ).record(duration)
    }

    private func moderationQueueItems(_ kind: ContentKind) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor(Name.moderationQueueItems, "Pending items in the moderation queue, by kind."),
            labels: [("kind", kind.rawValue)])
    }

    // MARK: Read at scrape time

    /// Reads the live figures and the queues, then writes the registry's
    /// exposition. A database that cannot be read leaves its gauges as they
    /// were and counts an error; the rest of the scrape still answers.
    public func collect(database: AppDatabase, hub: LiveHub, clock: any WallClock, logger: Logger) async -> [UInt8] {
        updateLive(hub.interviewRoomStatistics())
        let now = clock.now()
        do {
            let mailbox = database.mailbox
            let open = try await mailbox.countOpenLetterDeadlines(filter: .all, departmentID: nil, states: [], at: now)
            let dueSoon = try await mailbox.countOpenLetterDeadlines(
                filter: .dueSoon(workingDays: Self.dueSoonWorkingDays), departmentID: nil, states: [], at: now)
            let overdue = try await mailbox.countOpenLetterDeadlines(filter: .overdueOnly, departmentID: nil, states: [], at: now)
            let pending = try await database.moderation.pendingModerationCounts()
            let oldest = try await database.moderation.oldestPendingModerationDate()
            lettersOpen.set(to: Double(open))
            lettersDueSoon.set(to: Double(dueSoon))
            lettersOverdue.set(to: Double(overdue))
            for kind in ContentKind.allCases { moderationQueueItems(kind).set(to: Double(pending[kind] ?? 0)) }
            moderationOldestAge.set(to: oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        } catch {
            collectionErrors.increment()
            logger.error("metrics: the database figures could not be read: \(error)")
        }
        return exposition()
    }

    /// The registry as it stands, in the text format.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// Sets the viewer gauges and adds to the frame and drop counters what
    /// the hub counted since the last scrape.
    func updateLive(_ rooms: [LiveRoomStatistics]) {
        mirroredLive.withLock { mirrored in
            for room in rooms {
                let labels = [("interview", String(room.interviewID))]
                registry.makeGauge(
                    descriptor: Self.descriptor(Name.liveViewers, "Viewers connected to an interview's live page now."), labels: labels
                ).set(to: Double(room.viewers))
                let before = mirrored[room.interviewID] ?? (0, 0)
                registry.makeCounter(
                    descriptor: Self.descriptor(
                        Name.liveFramesDelivered, "Frames written to viewer sockets (replays included), by interview."),
                    labels: labels
                ).increment(by: Int64(room.framesDelivered - before.framesDelivered))
                registry.makeCounter(
                    descriptor: Self.descriptor(
                        Name.liveViewersDroppedTooSlow,
                        "Viewers cut off with close code 4000 because they fell too far behind, by interview."),
                    labels: labels
                ).increment(by: Int64(room.viewersDroppedTooSlow - before.droppedTooSlow))
                mirrored[room.interviewID] = (room.framesDelivered, room.viewersDroppedTooSlow)
            }
        }
    }
}

extension ServerMetrics: CommitTimingObserver {
    public func writeTransactionCommitted(after duration: Duration) {
        commitDuration.record(duration)
    }
}
