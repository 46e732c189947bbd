import Engine
import Foundation
import Synchronization

// Durable overhead: the same no-op 6-stage item pipeline run (a) as a job, every claim, step
// and outcome recorded in SQLite under a lease (group-committed), and (b) in memory; items/s
// of each and the peak RSS of the process.
//   swift run -c release --package-path Benchmarks DurableVsMemory [ITEMS=100000] [durable|memory|both|graph]

/// A stage that does nothing, a source of `count` made elements, an observer that ignores all.
struct Pass<Element: Sendable>: ItemStage {
    let name: String
    let concurrency: Int
    func process(_ item: Element, context: StageContext) async throws -> StageResult<Element> { .forward(item) }
}

struct Made<Element: Sendable>: ItemSource {
    let count: Int
    let make: @Sendable (Int) -> Element
    var name: String { "made" }
    func produce(into emit: (Element) async throws -> Void, context: SourceContext) async throws {
        for n in 0..<count { try await emit(make(n)) }
    }
}

struct Discard<Element: Sendable>: GraphObserver {
    func graph(_ event: GraphEvent<Element>) async {}
}

/// Counts the items that left the last stage: a run that lost items must not pass for a fast one.
final class Completions<Element: Sendable>: GraphObserver {
    let count = Atomic<Int>(0)
    func graph(_ event: GraphEvent<Element>) async {
        if case .completed = event { count.add(1, ordering: .relaxed) }
    }

    func check(_ expected: Int) {
        let done = count.load(ordering: .relaxed)
        guard done == expected else { fatalError("\(done) of \(expected) items completed") }
    }
}

func item(_ n: Int) -> MediaItem {
    MediaItem(source: "bench", remoteID: "item-\(n)", title: "Item \(n)", url: "file:///bench/\(n).mp3")
}

let stages: [any ItemStage<MediaItem>] = (1...6).map { Pass<MediaItem>(name: "stage\($0)", concurrency: 8) }
let arguments = CommandLine.arguments.dropFirst()
let count = arguments.first.flatMap(Int.init) ?? 100_000
let mode = arguments.dropFirst().first ?? "both"
let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

if mode == "durable" || mode == "both" {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("durable-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try SQLiteJobStore(path: dir.appendingPathComponent("engine.sqlite").path)
    let job = try await store.createJob(JobSpec(type: .ingest, stages: stages.map(\.name)))
    let enqueueStart = clock.now
    var next = 0
    while next < count {
        let batch = (next..<min(count, next + 1000)).map(item)
        try await store.enqueue(jobID: job.id, items: batch, completingInput: nil)
        next += batch.count
    }
    try await store.finishCollection(jobID: job.id)
    let enqueued = clock.now - enqueueStart
    var settings = JobRunSettings()
    settings.claimBatch = 256
    settings.channelCapacity = 64
    let run = JobRun(
        store: store, jobID: job.id, runner: "bench", stages: stages, collector: nil, lanes: Lanes(),
        temporaryDirectory: dir, settings: settings)
    let start = clock.now
    let end = try await run.run(observer: Discard<MediaItem>())
    let elapsed = clock.now - start
    let counters = try await store.counters(jobID: job.id)
    guard counters[.succeeded] == count else { fatalError("\(counters[.succeeded]) of \(count) items succeeded") }
    print(String(
        format: "durable: %d items in %.2f s = %.0f items/s (%@, %d succeeded; %d transactions); enqueue %.0f items/s; peak RSS %.1f MiB",
        count, seconds(elapsed), Double(count) / seconds(elapsed), end.description, counters[.succeeded],
        store.committedTransactions, Double(count) / seconds(enqueued), peakRSSMiB()))
}

if mode == "memory" || mode == "both" {
    let graph = Graph(source: Made(count: count, make: item), stages: stages, channelCapacity: 64)
    let start = clock.now
    let completions = Completions<MediaItem>()
    try await graph.run(lanes: Lanes(), temporaryDirectory: FileManager.default.temporaryDirectory, observer: completions)
    let elapsed = clock.now - start
    completions.check(count)
    print(String(format: "memory:  %d items in %.2f s = %.0f items/s; peak RSS %.1f MiB", count, seconds(elapsed),
                 Double(count) / seconds(elapsed), peakRSSMiB()))
}

// The graph runtime alone, as GraphBenchmark measures it (Int items, 6 stages of 1-2 workers).
if mode == "graph" {
    let graph = Graph(
        source: Made(count: count) { $0 }, stages: (1...6).map { Pass<Int>(name: "stage\($0)", concurrency: $0 % 2 + 1) },
        channelCapacity: 64)
    let start = clock.now
    let completions = Completions<Int>()
    try await graph.run(lanes: Lanes(), temporaryDirectory: FileManager.default.temporaryDirectory, observer: completions)
    let elapsed = clock.now - start
    completions.check(count)
    print(String(format: "graph (Int items): %d items in %.2f s = %.0f items/s", count, seconds(elapsed), Double(count) / seconds(elapsed)))
}
