import Foundation
import GRDB
import Testing
import TestSupport

/// The ranking resolver against scripts/catalog-server.py's search sources: `loud` offers a
/// higher bitrate of the wrong song (and of a much longer version), `garbage` the right song as
/// a large WAV that is no media at all, `lossless` the right song as FLAC whose download is cut
/// short, `small` the right song at a lower bitrate, `down` fails.
@Suite struct ResolverTests {
    static func graph(_ server: CatalogServer) -> String {
        let fields = "{url: stream, title: name, creators: \"artists[].name\", duration: length, format: codec, bitrate: kbps, size: bytes}"
        let search = "?title={title}&artist={creator}&duration={duration}"
        return """
            graph: default
            resolve:
              min_confidence: 0.85
              duration_tolerance: 5
              sources:
                - {name: loud, url: "\(server.url("/search/loud"))\(search)", list: results, fields: \(fields)}
                - {name: down, url: "\(server.url("/search/down"))\(search)", list: results, fields: \(fields)}
                - {name: garbage, url: "\(server.url("/search/garbage"))\(search)", list: results, fields: \(fields)}
                - {name: lossless, url: "\(server.url("/search/lossless"))\(search)", list: results, fields: \(fields)}
                - {name: small, url: "\(server.url("/search/small"))\(search)", list: results, fields: \(fields)}
            """
    }

    @Test func theBestCandidateIsChosenATruncatedOneFallsBackAndTheTraceSaysWhy() async throws {
        let (server, _) = try CatalogServer.start()
        let files = try TemporaryDirectory("resolve"), dataDir = try TemporaryDirectory("data")
        let graph = try files.write("resolve.yaml", Self.graph(server))
        let own = server.url("/media/tone.mp3?own-1")
        let playlist = try files.write("list.m3u", "#EXTM3U\n#EXTINF:180,Ann Example - Night Shift\n\(own)\n")
        let run = try await Command.engineAsync(["run", "--json", "--no-renditions", "--graph", graph, "--data-dir", dataDir.path, playlist])
        #expect(run.status == 0, "\(run.stderr)")

        let key = "127.0.0.1:\(own)"
        let shown = try await Command.engineAsync(["items", "show", key, "--json", "--data-dir", dataDir.path])
        #expect(shown.status == 0, "\(shown.stderr)")
        let item = try #require(try parseJSON(shown.stdout) as? [String: Any])
        let trace = try #require(item["resolve"] as? [String: Any])
        #expect(trace["chosen_source"] as? String == "small")
        #expect(trace["attempt"] as? Int == 3)
        let candidates = try #require(trace["candidates"] as? [[String: Any]])
        func candidate(_ source: String, _ url: String) -> [String: Any]? {
            candidates.first { $0["source"] as? String == source && ($0["url"] as? String)?.hasSuffix(url) == true }
        }
        // The wrong song and the far longer version are rejected, whatever their bitrate.
        #expect(candidate("loud", "loud-wrong")?["verdict"] as? String == "rejected")
        #expect((candidate("loud", "loud-wrong")?["reason"] as? String)?.hasPrefix("rejected: confidence 0.") == true)
        #expect(candidate("loud", "loud-long")?["reason"] as? String == "rejected: duration off by 40.0 s (tolerance 5.0 s)")
        // The two lossless copies ranked first (the larger before): one was no media (the probe
        // failed), the other's download was cut short; both sources are demoted for the item.
        #expect(candidate("garbage", "/media/notmedia.wav")?["verdict"] as? String == "failed")
        #expect(candidate("lossless", "/truncated/tone.mp3")?["verdict"] as? String == "failed")
        let failures = try #require(trace["failures"] as? [[String: Any]])
        #expect(failures.map { $0["source"] as? String } == ["garbage", "lossless"])
        #expect(failures.map { $0["attempt"] as? Int } == [1, 2])
        #expect((failures.last?["error"] as? String)?.contains("connection closed after") == true, "\(failures)")
        // The right song at a lower bitrate is chosen; the item's own URL (quality unknown) ranks after it.
        #expect(candidate("small", "?small")?["verdict"] as? String == "chosen")
        #expect(candidate("small", "?small")?["quality"] as? String == "low")
        #expect(candidate("127.0.0.1", "own-1")?["verdict"] as? String == "candidate")
        #expect(candidate("127.0.0.1", "own-1")?["rank"] as? Int == 2)
        #expect((trace["search_errors"] as? [String])?.contains { $0.hasPrefix("down: ") && $0.hasSuffix("HTTP 503") } == true)

        // The library names the source it was downloaded from.
        #expect(item["locator"] as? String == "small/Ann Example/Night Shift.mp3")
        let explain = try await Command.engineAsync(["items", "show", key, "--explain", "--data-dir", dataDir.path])
        #expect(explain.stdout.contains("attempt 3: downloading from small: "), "\(explain.stdout)")
        #expect(explain.stdout.contains("failed on attempt 2: lossless: "))
        #expect(explain.stdout.contains("[rejected] loud: Day Shift"))

        // The job recorded each fallback as a retry, not a failure (a probe failure too, which
        // is no transient error: it fails an item with no candidate left).
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let outcomes = try await database.read { db in try String.fetchAll(db, sql: "SELECT outcome FROM job_item_attempts") }
        #expect(outcomes == ["retry", "retry"])
    }
}

extension ResolverTests {
    /// Every candidate fails (the item's own URL too): the item fails after each was tried
    /// once and the retry policy's tries — never an endless round of fallbacks.
    @Test func whenEveryCandidateFailsTheItemFailsAfterBoundedTries() async throws {
        let (server, _) = try CatalogServer.start()
        let files = try TemporaryDirectory("resolve"), dataDir = try TemporaryDirectory("data")
        let fields = "{url: stream, title: name, creators: \"artists[].name\", duration: length, format: codec, bitrate: kbps, size: bytes}"
        let search = "?title={title}&artist={creator}&duration={duration}"
        let graph = try files.write(
            "resolve.yaml",
            """
            graph: default
            download: {attempts: 5, retry_delay: 0.05}
            resolve:
              sources:
                - {name: garbage, url: "\(server.url("/search/garbage"))\(search)", list: results, fields: \(fields)}
                - {name: lossless, url: "\(server.url("/search/lossless"))\(search)", list: results, fields: \(fields)}
            """)
        let own = server.url("/truncated/tone.mp3?own")
        let playlist = try files.write("list.m3u", "#EXTM3U\n#EXTINF:180,Ann Example - Night Shift\n\(own)\n")
        let run = try EngineProcess(["run", "--json", "--no-renditions", "--graph", graph, "--data-dir", dataDir.path, playlist])
        #expect(try await run.wait(timeout: .seconds(60)) == 1, "\(run.errors)")
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let (status, attempts, failed) = try await database.read { db in
            (
                try String.fetchOne(db, sql: "SELECT status FROM job_items")!,
                try Int.fetchOne(db, sql: "SELECT attempts FROM job_items")!,
                try String.fetchAll(db, sql: "SELECT source FROM job_item_source_failures ORDER BY id")
            )
        }
        #expect(status == "failed")
        // Three fallbacks (garbage, lossless, its own URL), then the best again with no fallback
        // left: its probe fails (no transient error), and so does the item.
        #expect(Array(failed.prefix(3)) == ["garbage", "lossless", "127.0.0.1"])
        #expect(attempts == 4, "\(attempts) attempts")
        #expect(failed.count == attempts, "each attempt's candidate failed once: \(failed)")
    }
}
