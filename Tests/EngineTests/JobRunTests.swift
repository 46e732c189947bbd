import Engine
import Foundation
import Synchronization
import Testing
import TestSupport

/// A collector that finds `count` items in its one input.
struct CountingCollector: JobCollector {
    let count: Int
    func collect(_ input: String) async throws -> (items: [MediaItem], issues: [SourceIssue]) {
        ((0..<count).map { MediaItem(source: "test", remoteID: "\($0)", title: "T\($0)", url: "file:///\($0).mp3") }, [])
    }
}

/// A stage that holds every item until its gate opens.
struct HeldStage: ItemStage {
    let gate: Gate
    var name: String { "held" }
    func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        await gate.wait()
        return .forward(item)
    }
}

struct QuietObserver: GraphObserver {
    func graph(_ event: GraphEvent<MediaItem>) async {}
}

@Suite struct JobRunTests {
    /// Memory stays flat however large the input: the collector waits while the job holds the
    /// high-water mark of pending items, and goes on as they are taken.
    @Test func theCollectorWaitsAtTheHighWaterMarkAndGoesOnWhenItemsAreTaken() async throws {
        let dir = try TemporaryDirectory("jobrun")
        let store = try SQLiteJobStore(path: dir.file("engine.sqlite").path)
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["list"], stages: ["held"]))
        var settings = JobRunSettings()
        settings.highWater = 10
        settings.enqueueBatch = 5
        settings.claimBatch = 2
        settings.channelCapacity = 1
        let gate = Gate()
        let run = JobRun(
            store: store, jobID: job.id, runner: "test", stages: [HeldStage(gate: gate)], collector: CountingCollector(count: 200),
            lanes: Lanes(), temporaryDirectory: dir.url, settings: settings)
        let running = Task { try await run.run(observer: QuietObserver()) }

        try await waitUntil("the queue reaches the high-water mark") { try await store.counters(jobID: job.id)[.pending] >= 10 }
        var most = 0
        for _ in 0..<20 {  // the held stage takes nothing more: the queue must stay at the mark
            most = max(most, try await store.counters(jobID: job.id)[.pending])
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(most < settings.highWater + settings.enqueueBatch, "pending grew to \(most)")
        let collected = try #require(try await store.job(job.id)?.collected)
        #expect(collected < 200, "collection went on past the mark: \(collected)")

        gate.open()
        #expect(try await running.value == .finished(.completed))
        #expect(try await store.job(job.id)?.collected == 200)
        #expect(try await store.counters(jobID: job.id)[.succeeded] == 200)
    }
}
