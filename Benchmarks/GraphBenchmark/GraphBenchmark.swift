import Benchmark
import Engine
import Foundation

/// A no-op 6-stage graph in memory: the runtime's own cost per item (channels, workers,
/// events), with nothing else in the way.
/// `swift package --package-path Benchmarks benchmark --target GraphBenchmark`
struct Numbers: ItemSource {
    let count: Int
    var name: String { "numbers" }

    func produce(into emit: (Int) async throws -> Void, context: SourceContext) async throws {
        for value in 0..<count { try await emit(value) }
    }
}

struct Pass: ItemStage {
    let name: String
    let concurrency: Int

    func process(_ item: Int, context: StageContext) async throws -> StageResult<Int> {
        .forward(item)
    }
}

struct Discard: GraphObserver {
    func graph(_ event: GraphEvent<Int>) async {}
}

let benchmarks: @Sendable () -> Void = {
    let items = 100_000
    Benchmark(
        "no-op 6-stage graph, \(items) items",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
            maxDuration: .seconds(10), maxIterations: 20)
    ) { benchmark in
        let graph = Graph(
            source: Numbers(count: items),
            stages: (1...6).map { Pass(name: "stage\($0)", concurrency: $0 % 2 + 1) },
            channelCapacity: 64)
        benchmark.startMeasurement()
        try await graph.run(lanes: Lanes(), temporaryDirectory: FileManager.default.temporaryDirectory, observer: Discard())
        benchmark.stopMeasurement()
    }
}
