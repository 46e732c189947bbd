import Engine
import Foundation
import Synchronization
import Testing

/// A durable job run by a host with `Engine` alone, its progress read as an `AsyncSequence`.
@Suite struct JobRunEventsTests {
    /// Each input `N` names N items, `N/1` … `N/N`.
    struct Counting: JobCollector {
        func collect(_ input: String) async throws -> (items: [MediaItem], issues: [SourceIssue]) {
            let count = Int(input) ?? 0
            let items = (1...count).map { MediaItem(source: "test", remoteID: "\(input)/\($0)", title: "item \($0)", url: "test:\($0)") }
            return (items, [])
        }
    }

    /// Passes items on; with a gate, the first `open` items pass at once and the rest wait for `release()`.
    final class Gate: ItemStage, Sendable {
        let open: Int
        let seen = Atomic<Int>(0)
        let released = Mutex<[CheckedContinuation<Void, Never>]?>([])
        init(open: Int = .max) { self.open = open }
        var name: String { "gate" }
        var concurrency: Int { 4 }
        func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
            if seen.add(1, ordering: .relaxed).newValue > open {
                await withCheckedContinuation { waiter in
                    let waiting = released.withLock { list -> Bool in
                        guard list != nil else { return false }
                        list!.append(waiter)
                        return true
                    }
                    if !waiting { waiter.resume() }
                }
            }
            return .forward(item)
        }
        func release() {
            for waiter in released.withLock({ list in defer { list = nil }; return list ?? [] }) { waiter.resume() }
        }
    }

    /// Each test's own folder: the store, and the runs' temp space (a run sweeps partial
    /// downloads its store does not know out of it).
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString)")

    func store() throws -> (SQLiteJobStore, String) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (try SQLiteJobStore(path: folder.appendingPathComponent("engine.sqlite").path), folder.path)
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    func run(_ store: SQLiteJobStore, job: Int64, stage: Gate) -> JobRun {
        JobRun(
            store: store, jobID: job, runner: JobRecovery.newRunnerID(), stages: [stage], collector: Counting(), lanes: Lanes(),
            temporaryDirectory: folder)
    }

    /// Waits (at most 20 s) until `condition` holds.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<1000 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    @Test func theEventsOfARunEndWithHowItEnded() async throws {
        let (store, path) = try store()
        defer { Self.remove(path) }
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["7", "5"], stages: ["gate"]))
        var completed: [String] = [], last: JobRunEvent?, afterEnd = 0
        for try await event in run(store, job: job.id, stage: Gate()).events(buffer: 2) {
            if case .ended = last { afterEnd += 1 }
            if case .item(.completed(let item)) = event { completed.append(item.remoteID) }
            last = event
        }
        #expect(completed.count == 12 && Set(completed).count == 12)
        #expect(afterEnd == 0)
        guard case .ended(.finished(.completed)) = last else { Issue.record("last event: \(String(describing: last))"); return }
        #expect(try await store.job(job.id)?.status == .completed)
    }

    @Test func aPausedRunEndsPausedAndTheNextRunDoesTheRest() async throws {
        let (store, path) = try store()
        defer { Self.remove(path) }
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["20"], stages: ["gate"]))
        let gate = Gate(open: 3)
        let first = run(store, job: job.id, stage: gate)
        var completed: Set<String> = [], end: JobRunEnd?
        for try await event in first.events() {
            switch event {
            case .item(.completed(let item)):
                completed.insert(item.remoteID)
                if completed.count == 3 {
                    first.requestPause()
                    gate.release()  // the items in flight finish; no new ones are taken
                }
            case .ended(let how): end = how
            default: break
            }
        }
        #expect(end == .paused)
        #expect(completed.count >= 3 && completed.count < 20)
        #expect(try await store.job(job.id)?.status == .paused)
        var again: [String] = []
        for try await event in run(store, job: job.id, stage: Gate()).events() {
            if case .item(.completed(let item)) = event { again.append(item.remoteID) }
            if case .ended(let how) = event { end = how }
        }
        #expect(end == .finished(.completed))
        #expect(completed.isDisjoint(with: again) && completed.count + again.count == 20, "each item completes once")
    }

    @Test func cancellingTheReaderLeavesTheJobPausedAndResumable() async throws {
        let (store, path) = try store()
        defer { Self.remove(path) }
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["10"], stages: ["gate"]))
        let gate = Gate(open: 2)
        let reader = Task {
            var count = 0
            for try await event in run(store, job: job.id, stage: gate).events(buffer: 1) {
                if case .item(.completed) = event { count += 1 }
            }
            return count
        }
        #expect(try await eventually { gate.seen.load(ordering: .relaxed) >= 3 })
        reader.cancel()
        gate.release()
        await #expect(throws: CancellationError.self) { try await reader.value }
        // The reader learns of its cancellation once the run has stopped: the job is paused.
        #expect(try await store.job(job.id)?.status == .paused)
        var end: JobRunEnd?
        for try await event in run(store, job: job.id, stage: Gate()).events() { if case .ended(let how) = event { end = how } }
        #expect(end == .finished(.completed))
        #expect(try await store.counters(jobID: job.id).open == 0)
    }

    @Test func aReaderThatStopsReadingStopsTheRunInsteadOfHangingIt() async throws {
        let (store, path) = try store()
        defer { Self.remove(path) }
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["30"], stages: ["gate"]))
        let gate = Gate(open: 6)
        for try await event in run(store, job: job.id, stage: gate).events(buffer: 1) {
            if case .item(.completed) = event { break }  // the iterator is dropped here, its buffer full
        }
        gate.release()
        #expect(try await eventually { try await store.job(job.id)?.status == .paused }, "the run stopped and left the job paused")
        var end: JobRunEnd?, completed = 0
        for try await event in run(store, job: job.id, stage: Gate()).events() {
            if case .item(.completed) = event { completed += 1 }
            if case .ended(let how) = event { end = how }
        }
        #expect(end == .finished(.completed) && completed > 0)
        #expect(try await store.counters(jobID: job.id).open == 0)
    }
}
