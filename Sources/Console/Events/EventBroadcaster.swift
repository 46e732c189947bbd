package import Engine
import Foundation
import ServiceLifecycle
import Synchronization

/// Server-sent events for every open page, from one reader of the store: twice a second
/// (only while a page listens) it reads new job events, the state of recent and watched jobs,
/// and running items' bytes, and hands each change to the clients that want it — through a
/// bounded buffer per client (`SubscriberBuffer`). A job event carries its store id, so a
/// reconnecting page (`Last-Event-ID`) gets what it missed; progress is at most two updates a
/// second per item; a comment every 15 s keeps idle connections open.
package final class EventBroadcaster: Service, Sendable {
    private struct Subscriber {
        let buffer: SubscriberBuffer
        /// The newest job event it has been given.
        var seen: Int64
    }

    private struct State {
        var subscribers: [ObjectIdentifier: Subscriber] = [:]
        var lastEventID: Int64?
        /// Per job: what was last sent (its JSON) and its status then.
        var jobs: [Int64: (json: String, status: JobStatus)] = [:]
        /// Per running item (`job:key`): the hash of the progress last sent.
        var progress: [String: Int] = [:]
        var stopped = false
    }

    let store: any EngineStore
    let interval: Duration
    private let state = Mutex(State())
    /// Counts the ticks that found a change (views read before one are not reused after it).
    let generation = Atomic<Int>(0)

    package init(store: any EngineStore, interval: Duration = .milliseconds(500)) {
        self.store = store
        self.interval = interval
    }

    package func run() async throws {
        var sinceKeepAlive = Duration.zero
        await withGracefulShutdownHandler {
            while !Task.isCancelled, !state.withLock({ $0.stopped }) {
                try? await Task.sleep(for: interval)
                sinceKeepAlive += interval
                if sinceKeepAlive >= .seconds(15) {
                    sinceKeepAlive = .zero
                    for subscriber in state.withLock({ $0.subscribers.values.map(\.buffer) }) {
                        subscriber.push(": keep-alive\n\n", key: "keep-alive")
                    }
                }
                do {
                    try await tick()
                } catch {
                    // The store is busy or gone for a moment: the next tick tries again.
                }
            }
            finishAll()
        } onGracefulShutdown: {
            self.finishAll()
        }
    }

    /// A new client: `lastEventID` (from the `Last-Event-ID` header) replays what it missed
    /// (up to 1,000 events; beyond, it is told to reload what it shows).
    func subscribe(jobID: Int64?, lastEventID: Int64?) async throws -> SubscriberBuffer {
        let buffer = SubscriberBuffer(jobID: jobID)
        let current: Int64
        if let known = state.withLock({ $0.lastEventID }) {
            current = known
        } else {
            current = try await store.lastEventID()
            state.withLock { if $0.lastEventID == nil { $0.lastEventID = current } }
        }
        var seen = min(lastEventID ?? current, current)
        if seen < current {
            let missed = try await store.events(after: seen, jobID: jobID, limit: 1000)
            for event in missed where event.id <= current { buffer.push(Self.message(event)) }
            if missed.count == 1000 { buffer.push("event: overflow\ndata: {}\n\n", key: "overflow") }
            seen = current
        }
        // Events after `seen` come with the ticks: they read from the oldest client's `seen`.
        let stopped = state.withLock {
            $0.subscribers[ObjectIdentifier(buffer)] = Subscriber(buffer: buffer, seen: seen)
            return $0.stopped
        }
        if stopped { buffer.finish() }
        generation.add(1, ordering: .sequentiallyConsistent)  // its first refresh reads anew
        return buffer
    }

    func unsubscribe(_ buffer: SubscriberBuffer) {
        state.withLock {
            _ = $0.subscribers.removeValue(forKey: ObjectIdentifier(buffer))
            // Nobody listens: the cursor stops here; the next client starts from the store's newest.
            if $0.subscribers.isEmpty { $0.lastEventID = nil }
        }
        buffer.finish()
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    private func finishAll() {
        let buffers = state.withLock {
            $0.stopped = true
            return $0.subscribers.values.map(\.buffer)
        }
        for buffer in buffers { buffer.finish() }
    }

    /// One read of the store, its changes handed out.
    func tick() async throws {
        let (watched, after) = state.withLock { state in
            (Set(state.subscribers.values.compactMap(\.buffer.jobID)), state.subscribers.values.map(\.seen).min())
        }
        guard let after else { return }  // nobody listens
        let events = try await store.events(after: after, limit: 500)
        var jobs = try await store.jobs(limit: 20)
        for id in watched where !jobs.contains(where: { $0.id == id }) {
            if let job = try await store.job(id) { jobs.append(job) }
        }
        var changedJobs: [(id: Int64, json: String)] = []
        var progress: [(job: Int64, key: String, message: String)] = []
        let previous = state.withLock { $0.jobs }
        for job in jobs {
            // A finished job changes no more until its status does.
            if let before = previous[job.id], before.status == job.status, job.status.isFinished { continue }
            let json = job.json(counters: try await store.counters(jobID: job.id)).serialized(pretty: false)
            if previous[job.id]?.json != json { changedJobs.append((job.id, json)) }
            guard [.running, .pauseRequested].contains(job.status) else { continue }
            for item in try await store.runningItems(jobID: job.id, limit: 50) {
                let value = JSONValue.object([
                    ("job", .int(job.id)), ("item", .string(Redaction.scrub(item.itemKey))), ("step", item.step.map(JSONValue.string) ?? .null),
                    ("bytes", item.bytes.map(JSONValue.int) ?? .null), ("bytes_expected", item.bytesExpected.map(JSONValue.int) ?? .null),
                ])
                progress.append((job.id, item.itemKey, "event: progress\ndata: \(value.serialized(pretty: false))\n\n"))
            }
        }
        let deliveries: [(SubscriberBuffer, String, String?)] = state.withLock { state in
            for (id, json) in changedJobs {
                if let job = jobs.first(where: { $0.id == id }) { state.jobs[id] = (json, job.status) }
            }
            // (Only while someone listens: the last one leaving during this tick reset the cursor.)
            if let last = events.last, !state.subscribers.isEmpty, last.id > state.lastEventID ?? 0 { state.lastEventID = last.id }
            var out: [(SubscriberBuffer, String, String?)] = []
            for (key, var subscriber) in state.subscribers {
                func wants(_ job: Int64) -> Bool { subscriber.buffer.jobID == nil || subscriber.buffer.jobID == job }
                for event in events where event.id > subscriber.seen && wants(event.jobID) {
                    out.append((subscriber.buffer, Self.message(event), nil))
                }
                // Read past, whether it wanted them or not: the next tick reads from here.
                if let last = events.last { subscriber.seen = max(subscriber.seen, last.id) }
                for (id, json) in changedJobs where wants(id) {
                    out.append((subscriber.buffer, "event: job\ndata: \(json)\n\n", "job:\(id)"))
                }
                for item in progress where wants(item.job) && state.progress["\(item.job):\(item.key)"] != item.message.hashValue {
                    out.append((subscriber.buffer, item.message, "progress:\(item.job):\(item.key)"))
                }
                state.subscribers[key] = subscriber
            }
            state.progress = Dictionary(progress.map { ("\($0.job):\($0.key)", $0.message.hashValue) }) { $1 }
            return out
        }
        if !deliveries.isEmpty { generation.add(1, ordering: .sequentiallyConsistent) }
        for (buffer, message, key) in deliveries { buffer.push(message, key: key) }
    }

    static func message(_ event: NumberedJobEvent) -> String {
        let value = JSONValue.object([
            ("id", .int(event.id)), ("job", .int(event.jobID)), ("at", .string(ISO8601DateFormatter().string(from: event.at))),
            ("kind", .string(event.kind)), ("message", .string(event.message)),
        ])
        return "id: \(event.id)\nevent: job-event\ndata: \(value.serialized(pretty: false))\n\n"
    }
}
