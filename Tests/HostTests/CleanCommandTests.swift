import Engine
import Foundation
import Testing
import TestSupport

/// `engine clean` removes temp leftovers and partials no job will resume, says what, and
/// touches nothing else: not the library, the database, or a partial a job goes on with.
@Suite struct CleanCommandTests {
    @Test func cleanRemovesOnlyWhatItSays() async throws {
        let dataDir = try TemporaryDirectory("data")
        let stored = try await Command.engineAsync(["run", "--no-renditions", "--data-dir", dataDir.path, Fixtures.media("audio-pcm.wav")])
        #expect(stored.status == 0, "\(stored.stderr)")
        // An item a job will resume (claimed: running), and leftovers: a crashed transcode's
        // file, a partial of an item no job has.
        let store = try SQLiteJobStore(path: dataDir.file("engine.sqlite").path)
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["x"], stages: ["catalog"]))
        _ = try await store.enqueue(
            jobID: job.id, items: [MediaItem(source: "t", remoteID: "open", title: "open", url: "http://127.0.0.1:9/open.mp3")],
            completingInput: nil, newItemLimit: nil)
        let open = try #require(try await store.claim(jobID: job.id, holder: "test", limit: 1, leaseDuration: .seconds(600)).first)
        let tmp = dataDir.file("tmp").path
        let keep = "\(tmp)/item-\(open.lease.jobItemID).part"
        let leftovers = ["\(tmp)/\(UUID().uuidString).m4a", "\(tmp)/item-999999.part", "\(tmp)/item-999999.part.meta"]
        // A file the engine did not make (the temp folder set to hold someone's): never touched.
        let foreign = "\(tmp)/song.mp3"
        try Data(repeating: 1, count: 10).write(to: URL(fileURLWithPath: foreign))
        let logs = dataDir.file("logs").path
        let rotated = "\(logs)/engine.log.1", current = "\(logs)/engine.log"
        #expect(FileManager.default.fileExists(atPath: current), "the run logged")
        for path in [keep, rotated] + leftovers { try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: path)) }
        func everything() -> Set<String> {
            Set((FileManager.default.enumerator(atPath: dataDir.path)?.allObjects as? [String] ?? []).map { dataDir.path + "/" + $0 })
        }

        let dry = try await Command.engineAsync(["clean", "--dry-run", "--data-dir", dataDir.path])
        #expect(dry.status == 0 && dry.stdout.contains("would remove 4 file(s), 3.9 KiB; kept 1 partial download(s)"), "\(dry.stdout)\(dry.stderr)")
        let before = everything()
        let cleaned = try await Command.engineAsync(["clean", "--data-dir", dataDir.path])
        #expect(cleaned.status == 0, "\(cleaned.stderr)")
        let said = Set(cleaned.stdout.split(separator: "\n").compactMap { line in
            line.hasPrefix("removed /") ? String(line.dropFirst("removed ".count).split(separator: " (").first ?? "") : nil
        })
        #expect(said == Set(leftovers + [rotated]), "\(cleaned.stdout)")
        #expect(before.subtracting(everything()) == said, "exactly the files it named are gone")
        #expect(FileManager.default.fileExists(atPath: keep) && FileManager.default.fileExists(atPath: current))
        #expect(FileManager.default.fileExists(atPath: foreign))
    }
}
