// swift-tools-version: 6.1
import PackageDescription

/// One list for every target: Swift 6 language mode, strict concurrency, explicit `any`.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "MediaEngine",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Stages", targets: ["Stages"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .executable(name: "engine", targets: ["Host"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // `swift package generate-documentation` (DocC): the embedding guide and symbol docs.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [
                .apt([
                    "libavformat-dev", "libavcodec-dev", "libavutil-dev",
                    "libswscale-dev", "libswresample-dev",
                ])
            ]
        ),
        .target(
            name: "CMediaKernels",
            dependencies: ["CFFmpeg", "CCurl"],
            // The frame and sample loops optimized in debug builds too: the tests run every
            // ingested file through them, and at -O0 they would starve the rest of the suite.
            cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))],
            linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("z"), .linkedLibrary("ebur128"), .linkedLibrary("chromaprint")]
        ),
        .target(
            name: "Engine",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Stages",
            dependencies: [
                "Engine", "CFFmpeg", "CCurl", "CMediaKernels",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store (issue 16): apart from Engine, so that a host embedding the
        // engine with SQLite does not build postgres-nio and its TLS stack.
        .target(
            name: "PostgresStore",
            dependencies: [
                "Engine",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Console",
            dependencies: [
                "Engine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Host",
            dependencies: [
                "Engine", "Stages", "Console", "PostgresStore", "CMediaKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings,
            // tcmalloc's thread caches instead of glibc's arenas: libav's probe buffers and the
            // Swift runtime's many small objects, freed on other threads than made them, cost
            // ~10 % less CPU (Benchmarks/ingest-vs-curl.sh; README). The runtime package only
            // (libtcmalloc-minimal4): it has no unversioned .so to name.
            linkerSettings: [.linkedLibrary(":libtcmalloc_minimal.so.4")]
        ),
        // The runtime alone, as a host that wants no media or network code embeds it: the
        // tests run it and check what it links.
        .executableTarget(name: "EngineOnlyCheck", dependencies: ["Engine"], swiftSettings: swiftSettings),
        .target(name: "TestSupport", dependencies: ["Engine"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "EngineTests", dependencies: ["Engine", "PostgresStore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        .testTarget(name: "EngineOnlyTests", dependencies: ["Engine"], swiftSettings: swiftSettings),
        .testTarget(name: "StagesTests", dependencies: ["Stages", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "Engine", "TestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "HostTests", dependencies: ["Host", "Engine", "Stages", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
    ]
)
