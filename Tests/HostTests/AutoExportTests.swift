import Foundation
import Testing
import TestSupport

/// `exports.auto: true`: a collection's export folder is written as soon as the job has
/// settled its items, while the job goes on with others; a partial collection gets none; a
/// runner that starts makes the folders of collections completed before it.
@Suite struct AutoExportTests {
    @Test func aCollectionIsExportedWhileTheJobGoesOnWithAnother() async throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        try dataDir.write("config.yaml", "exports:\n  auto: true\n  playlist: xspf\n")
        let quick = try lists.write("quick.m3u", [Fixtures.media("audio-id3.mp3"), Fixtures.media("audio-aac.m4a")].joined(separator: "\n") + "\n")
        let broken = try lists.write("broken.m3u", "\(Fixtures.media("audio-pcm.wav"))\n\(lists.file("gone.mp3").path)\n")
        let held = try HeldServer()
        let slow = try held.playlist(1, in: lists)
        // The held download waits for the test however long a loaded machine takes to get there.
        let run = try EngineProcess(["run", "--no-renditions", "--no-processors", "--stall-timeout", "3600", quick, broken, slow, "--data-dir", dataDir.path])
        defer { run.signal(SIGKILL) }

        // The held download keeps the job running; the quick collection's folder comes meanwhile.
        let folder = dataDir.url.appendingPathComponent("exports/quick")
        try await waitUntil("the quick folder", timeout: .seconds(120), every: .milliseconds(100)) { FileManager.default.fileExists(atPath: folder.path) || !run.isRunning }
        #expect(run.isRunning, "the job was still running when the folder came: \(run.errors)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.contains("quick.xspf") && names.filter { $0.hasPrefix("0") }.count == 2, "\(names)")

        try held.release()
        #expect(try await run.wait() == 1, "an item of broken failed: \(run.errors)")
        let events = try Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path])
        #expect(
            FileManager.default.fileExists(atPath: dataDir.url.appendingPathComponent("exports/held/held.xspf").path),
            "the held collection, at the end: \(events.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dataDir.url.appendingPathComponent("exports/broken").path), "a partial collection is never exported")
        #expect(events.stdout.contains("collection 'quick' exported to"), "\(events.stdout)")
    }

    @Test func aStartingRunnerExportsTheCollectionsCompletedBeforeIt() throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let earlier = try lists.write("earlier.m3u", Fixtures.media("audio-cover-art.mp3") + "\n")
        func engine(_ arguments: [String]) throws -> CommandResult { try Command.engine(arguments + ["--data-dir", dataDir.path]) }
        #expect(try engine(["run", "--no-renditions", "--no-processors", earlier]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: dataDir.url.appendingPathComponent("exports").path))

        // Completed while no folder was kept (as by a runner killed before its export): the
        // next runner to start makes it, with nothing queued.
        try dataDir.write("config.yaml", "exports:\n  auto: true\n")
        #expect(try engine(["worker", "--until-idle"]).status == 0)
        let folder = dataDir.url.appendingPathComponent("exports/earlier")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.contains("cover.jpg") && names.contains("earlier.m3u8") && names.contains(".media-engine-export.json"), "\(names)")
        let manifest = try String(contentsOfFile: folder.appendingPathComponent(".media-engine-export.json").path, encoding: .utf8)

        // Unchanged: left as it is (the manifest keeps its time).
        #expect(try engine(["worker", "--until-idle"]).status == 0)
        #expect(try String(contentsOfFile: folder.appendingPathComponent(".media-engine-export.json").path, encoding: .utf8) == manifest)
        let refused = try Command.engine(["config", "check", "--data-dir", dataDir.path], environment: ["ENGINE_EXPORTS_PLAYLIST": "wav"])
        #expect(refused.status == 2 && refused.stderr.contains("exports.playlist"), "\(refused.stderr)")
    }
}
