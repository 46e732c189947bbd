// swift-tools-version: 6.1
import PackageDescription

// A host program of its own that embeds the engine: it depends on the `Engine` and `Stages`
// products of the package two folders up, as any other package would depend on them.
let package = Package(
    name: "host-cli",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "MediaEngine", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "podcast-archiver",
            dependencies: [
                .product(name: "Engine", package: "MediaEngine"),
                .product(name: "Stages", package: "MediaEngine"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
