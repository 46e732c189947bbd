import Engine
import Foundation
import Testing

/// The runtime without the stages: a host that imports only `Engine` runs graphs of its own
/// stages, and its program links no libav, curl or S3 code.
@Suite struct EngineOnlyTests {
    struct Letters: ItemSource {
        let text: String
        var name: String { "letters" }
        func produce(into emit: (Character) async throws -> Void, context: SourceContext) async throws {
            for letter in text { try await emit(letter) }
        }
    }

    struct Uppercase: ItemStage {
        var name: String { "uppercase" }
        var concurrency: Int { 3 }
        func process(_ item: Character, context: StageContext) async throws -> StageResult<Character> {
            .forward(Character(item.uppercased()))
        }
    }

    struct Vowels: ItemStage {
        var name: String { "vowels" }
        func process(_ item: Character, context: StageContext) async throws -> StageResult<Character> {
            "AEIOU".contains(item) ? .forward(item) : .skip(item, reason: "a consonant")
        }
    }

    final class Collected: GraphObserver, @unchecked Sendable {
        let lock = NSLock()
        var letters: [Character] = []
        var skipped = 0
        func graph(_ event: GraphEvent<Character>) async {
            lock.withLock {
                if case .completed(let letter) = event { letters.append(letter) }
                if case .skipped = event { skipped += 1 }
            }
        }
    }

    @Test func aGraphOfTheHostsOwnStagesRuns() async throws {
        let seen = Collected()
        let graph = Graph(source: Letters(text: "embedding the engine"), stages: [Uppercase(), Vowels()])
        try await graph.run(lanes: Lanes(), temporaryDirectory: FileManager.default.temporaryDirectory, observer: seen)
        #expect(seen.letters.sorted() == Array("EEIEEIE").sorted())
        #expect(seen.skipped == 13)
    }

    /// `EngineOnlyCheck`, a program that imports only `Engine`, built beside the tests.
    static var program: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug"),
        ].map { $0.appendingPathComponent("EngineOnlyCheck").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func aProgramOfTheRuntimeAloneRunsAndLinksNoMediaOrNetworkLibraries() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("engine-only-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { unlink(store + suffix) } }
        let ran = try Self.run(Self.program, ["100", store])
        #expect(ran.status == 0, "\(ran.output)")
        // 0, 2, …, 198 doubled; a multiple of four: 50 of them, sum 2 * (0 + 2 + … + 98) = 4900.
        #expect(ran.output.contains("graph: 50 completed, 50 skipped, sum 4900"), "\(ran.output)")
        #expect(ran.output.contains("store: \(store) at migration"), "\(ran.output)")
        let libraries = try Self.run("/usr/bin/ldd", [Self.program])
        #expect(libraries.status == 0, "\(libraries.output)")
        #expect(libraries.output.contains("libsqlite3"), "the store's SQLite: \(libraries.output)")
        for forbidden in [
            "libavformat", "libavcodec", "libavutil", "libswscale", "libswresample", "libcurl", "libebur128", "libchromaprint",
            "libtcmalloc",  // the engine program's allocator: a host picks its own
        ] {
            #expect(!libraries.output.contains(forbidden), "\(forbidden) is linked:\n\(libraries.output)")
        }
    }
}
