import Foundation
import Testing
import TestSupport

/// A rendition that cannot be made does not fail the item whose original is stored: it is
/// recorded with its reason, a rerun does not try it again (and exits 0), `jobs retry` and a
/// changed profile do. A damaged input that can be made is made, with its warnings kept.
@Suite struct RenditionFailureTests {
    func engine(_ arguments: [String], _ dataDir: TemporaryDirectory) async throws -> CommandResult {
        try await Command.engineAsync(arguments + ["--data-dir", dataDir.path])
    }

    func items(_ dataDir: TemporaryDirectory) async throws -> [String: [String: Any]] {
        let result = try await engine(["items", "--json"], dataDir)
        let list = try #require(try parseJSON(result.stdout) as? [[String: Any]], "\(result.stderr)")
        // By file name (a copy of a tagged fixture keeps its tags' title).
        return Dictionary(uniqueKeysWithValues: list.map {
            (URL(string: $0["remote_id"] as? String ?? "")?.deletingPathExtension().lastPathComponent ?? "", $0)
        })
    }

    @Test func aFailedRenditionIsRecordedAndTriedAgainOnlyOnRetryOrAChangedProfile() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inputs = try TemporaryDirectory("inputs")
        try DamagedMedia.undecodableWAV(to: inputs.file("undecodable.wav").path)
        try DamagedMedia.corruptMiddle(of: Fixtures.media("audio-id3.mp3"), count: 3000, to: inputs.file("damaged.mp3").path)

        let first = try await engine(["run", inputs.path], dataDir)
        #expect(first.status == 1, "a failed rendition is an error of the run: \(first.stdout)")
        #expect(first.stdout.contains("2 stored"), "\(first.stdout)")
        #expect(first.stdout.contains("renditions failed (1); the items stay stored"), "\(first.stdout)")
        var stored = try await items(dataDir)
        let undecodable = try #require(stored["undecodable"]), damaged = try #require(stored["damaged"])
        #expect(undecodable["status"] as? String == "succeeded")
        let failure = try #require((undecodable["failed_renditions"] as? [[String: Any]])?.first)
        #expect(failure["profile"] as? String == "aac-128k")
        #expect((failure["error"] as? String)?.contains("no frame could be decoded") == true, "\(failure)")
        #expect((undecodable["renditions"] as? [Any])?.isEmpty == true)
        // The damaged file's rendition is made, with what was skipped on record.
        let rendition = try #require((damaged["renditions"] as? [[String: Any]])?.first)
        let warnings = rendition["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("could not be decoded and") }, "\(rendition)")
        for (status, name) in [("warnings", "damaged.mp3"), ("rendition-failed", "undecodable.wav")] {
            let listed = try parseJSON(try await engine(["items", "--json", "status:\(status)"], dataDir).stdout) as? [[String: Any]]
            #expect(listed?.compactMap { $0["remote_id"] as? String }.map { ($0 as NSString).lastPathComponent } == [name])
        }

        let again = try await engine(["run", inputs.path], dataDir)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("1 rendition failed earlier; `engine jobs retry 2` or a changed profile tries again"), "\(again.stdout)")
        #expect(again.stdout.contains("2 skipped"), "\(again.stdout)")
        #expect(!again.stdout.contains("got their missing renditions"), "\(again.stdout)")

        let retry = try await engine(["jobs", "retry", "2"], dataDir)
        #expect(retry.stdout.contains("1 item(s) requeued"), "\(retry.stdout)\(retry.stderr)")
        let retried = try await engine(["run", "--resume"], dataDir)
        #expect(retried.status == 1, "\(retried.stdout)")
        #expect(retried.stdout.contains("renditions failed (1)"), "tried again: \(retried.stdout)")

        // A changed profile (another bitrate under the same name) is a new attempt.
        let graph = try dataDir.write(
            "graph.yaml", "renditions: {audio: [aac-128k], video: []}\nprofiles: {aac-128k: {base: aac-128k, audio_bitrate: 96000}}\n")
        let changed = try await engine(["run", "--graph", graph, inputs.path], dataDir)
        #expect(changed.stdout.contains("renditions failed (1)"), "\(changed.stdout)")
        stored = try await items(dataDir)
        #expect((stored["undecodable"]?["failed_renditions"] as? [Any])?.count == 1, "one record per content and profile")
    }

    /// Two renditions of each audio item, made from one decode: both stored, each readable by
    /// ffprobe as its profile says; an input no decoder can read records both failures (the
    /// shared run fails, each profile is then tried alone and fails on its own).
    @Test func severalRenditionsOfAnItemAreMadeTogetherAndFailApart() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inputs = try TemporaryDirectory("inputs")
        try DamagedMedia.undecodableWAV(to: inputs.file("undecodable.wav").path)
        try FileManager.default.copyItem(atPath: Fixtures.media("audio-vorbis-comments.flac"), toPath: inputs.file("good.flac").path)
        // A profile listed twice is made once (and waits on no lock of its own).
        let graph = try dataDir.write("graph.yaml", "renditions: {audio: [opus-96k, aac-128k, opus-96k], video: []}\n")
        let run = try await withDeadline("the run", timeout: .seconds(120)) { try await engine(["run", "--graph", graph, inputs.path], dataDir) }
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let stored = try await items(dataDir)
        let failures = (stored["undecodable"]?["failed_renditions"] as? [[String: Any]])?.compactMap { $0["profile"] as? String }
        #expect(failures?.sorted() == ["aac-128k", "opus-96k"])
        let good = try #require(stored["good"]?["renditions"] as? [[String: Any]])
        #expect(good.compactMap { $0["profile"] as? String }.sorted() == ["aac-128k", "opus-96k"])
        let length = try #require(try FFprobeReport.of(Fixtures.media("audio-vorbis-comments.flac"))?.duration)
        for rendition in good {
            let path = try #require(rendition["path"] as? String, "\(rendition)")
            let report = try #require(try FFprobeReport.of(path), "ffprobe cannot read \(path)")
            #expect(report.first("audio")?["codec_name"] == (rendition["profile"] as? String == "aac-128k" ? "aac" : "opus"))
            #expect(abs((report.duration ?? 0) - length) < 0.1, "\(report.format)")
        }
    }
}
