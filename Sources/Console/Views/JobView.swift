import Engine
import Foundation

/// What the job page shows (and `GET /api/jobs/{id}`): the job with its stages, rate and ETA,
/// its workers, its newest events, and its items by collection.
struct JobView {
    var active: DashboardView.ActiveJob
    var workers: [JobWorker]
    var events: [NumberedJobEvent]
    var collections: [JobCollectionRow]

    var job: JobRecord { active.job }

    /// What a worker is on: the item it reported, or else the running items it holds.
    func current(_ worker: JobWorker) -> String? {
        if let item = worker.currentItem { return item }
        let held = active.running.filter { $0.holder == worker.id }
        guard let first = held.first else { return nil }
        return held.count == 1 ? first.title : "\(first.title) and \(held.count - 1) more"
    }

    /// The view as read at most 250 ms ago in this event generation (`RecentViews`).
    static func recent(_ backend: ConsoleBackend, id: Int64) async throws -> JobView? {
        try await backend.jobViews.value(id, generation: backend.events.generation.load(ordering: .sequentiallyConsistent)) {
            try await load(backend.store, id: id)
        }
    }

    static func load(_ store: any EngineStore, id: Int64, now: Date = Date()) async throws -> JobView? {
        guard let job = try await store.job(id) else { return nil }
        let active = try await DashboardView.ActiveJob.load(store, job, try await store.counters(jobID: id), now: now)
        return JobView(
            active: active, workers: try await store.activeWorkers().filter { $0.jobID == id },
            events: try await store.newestEvents(jobID: id, limit: 50), collections: try await store.jobCollections(jobID: id))
    }

    var json: JSONValue {
        guard case .object(var members) = active.json else { return active.json }
        members += [
            ("workers", .array(workers.map {
                .object([
                    ("id", .string($0.id)), ("host", .string($0.host)), ("pid", .int(Int64($0.pid))),
                    ("heartbeat_at", .string(Format.iso($0.heartbeatAt)!)), ("current_item", current($0).map(JSONValue.string) ?? .null),
                    ("bytes_per_second", $0.bytesPerSecond.map(JSONValue.double) ?? .null),
                ])
            })),
            ("events", .array(events.map(\.json))),
            ("collections", .array(collections.enumerated().map { $0.element.json(index: $0.offset) })),
        ]
        return .object(members)
    }
}

extension NumberedJobEvent {
    var json: JSONValue {
        .object([("id", .int(id)), ("at", .string(Format.iso(at)!)), ("kind", .string(kind)), ("message", .string(message))])
    }
}

extension JobCollectionRow {
    /// Its title, or its locator with any credentials in it redacted.
    var shownTitle: String { title == locator ? Redaction.url(locator) : title }

    /// `index`: its place among the job's collections (`/api/jobs/{id}/items?collection=INDEX`).
    func json(index: Int) -> JSONValue {
        .object([
            ("index", .int(Int64(index))), ("locator", .string(Redaction.url(locator))), ("title", .string(shownTitle)),
            ("total", .int(Int64(total))), ("done", .int(Int64(done))),
            ("failed", .int(Int64(failed))), ("running", .int(Int64(running))),
        ])
    }
}

extension JobItemRow {
    var json: JSONValue {
        .object([
            ("id", .int(id)), ("item", .string(Redaction.scrub(itemKey))), ("title", .string(title)), ("status", .string(status.rawValue)), ("step", step.map(JSONValue.string) ?? .null),
            ("attempts", .int(Int64(attempts))), ("error", error.map { .string(Redaction.scrub($0)) } ?? .null), ("error_kind", kind.map(JSONValue.string) ?? .null),
            ("stored_at", storedAt.map(JSONValue.string) ?? .null),
        ])
    }
}

extension FailedJobItem {
    var json: JSONValue {
        .object([
            ("id", .int(id)), ("job", .int(jobID)), ("item", .string(Redaction.scrub(itemKey))), ("title", .string(title)),
            ("source", .string(source)),
            ("collection", collection.map { .string(Redaction.url($0)) } ?? .null), ("error", .string(Redaction.scrub(error))),
            ("error_kind", .string(kind ?? "other")), ("attempts", .int(Int64(attempts))), ("failed_at", Format.iso(finishedAt).map(JSONValue.string) ?? .null),
        ])
    }
}

