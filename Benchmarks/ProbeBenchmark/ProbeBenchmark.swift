import Benchmark
import Foundation
import Stages

/// In-process probe of every good fixture, repeatedly (ordo-one/benchmark).
/// `swift package --package-path Benchmarks benchmark --target ProbeBenchmark`
let benchmarks: @Sendable () -> Void = {
    let media = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/media")
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: media.path)) ?? [])
        .sorted().map { media.appendingPathComponent($0).path }
    let prober = MediaProber()

    Benchmark(
        "probe all \(files.count) fixtures (in-process, ffprobe JSON)",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
            maxDuration: .seconds(5))
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            for file in files {
                blackHole(try prober.probe(file).ffprobeJSON.serialized())
            }
        }
    }
}
