// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so the main build and CI never compile
// benchmark-only dependencies. Run: ./run.sh (or see README.md).
let package = Package(
    name: "MediaEngineBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "MediaEngine", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // ordo-one/benchmark target: in-process probe of every fixture, repeatedly.
        .executableTarget(
            name: "ProbeBenchmark",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Stages", package: "MediaEngine"),
            ],
            path: "ProbeBenchmark",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // ordo-one/benchmark target: the graph runtime alone (no-op stages).
        .executableTarget(
            name: "GraphBenchmark",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Engine", package: "MediaEngine"),
            ],
            path: "GraphBenchmark",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Side-by-side timing against the peer tool, printing both figures and the ratio.
        .executableTarget(
            name: "ProbeVsFFprobe",
            dependencies: [.product(name: "Stages", package: "MediaEngine")],
            path: "Sources/ProbeVsFFprobe"
        ),
        // The job runtime's cost: a no-op pipeline with every transition in SQLite vs in memory.
        .executableTarget(
            name: "DurableVsMemory",
            dependencies: [.product(name: "Engine", package: "MediaEngine")],
            path: "Sources/DurableVsMemory"
        ),
        // The shared store as a queue: claim-and-complete throughput with 1, 2, 4 workers, and
        // the claim's latency with a million finished items.
        .executableTarget(
            name: "QueueThroughput",
            dependencies: [
                .product(name: "Engine", package: "MediaEngine"),
                .product(name: "PostgresStore", package: "MediaEngine"),
            ],
            path: "Sources/QueueThroughput"
        ),
        .executableTarget(
            name: "TranscodeVsFFmpeg",
            dependencies: [.product(name: "Stages", package: "MediaEngine")],
            path: "Sources/TranscodeVsFFmpeg"
        ),
    ]
)
