import Foundation
import Testing
import TestSupport

/// `engine items duplicates --acoustic`: one song as an MP3, a FLAC and a later-starting Ogg
/// cut is one recording; another song is not.
@Suite struct AcousticDuplicatesTests {
    /// A tune of changing tones over pink noise with a tremolo (Chromaprint needs a changing
    /// spectrum), `seconds` long from `start`; `variant` picks another tune and noise.
    func song(_ name: String, variant: Int, start: Int = 0, seconds: Int = 30, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file(name).path
        let base = 300 + 170 * variant, step = 200 + 90 * variant
        let tone = "0.3*sin(2*PI*(\(base)+\(step)*floor(mod(t*\(2 + variant),7)))*t)+0.2*sin(2*PI*(500+130*floor(mod(t*3,5)))*t)"
        let made = try Command.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "aevalsrc=exprs='\(tone)|\(tone)':s=44100:d=\(start + seconds)",
            "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.2:sample_rate=44100:duration=\(start + seconds):seed=\(7 + variant)",
            "-filter_complex", "[1]tremolo=f=3:d=0.8[n];[0][n]amix=inputs=2:normalize=0,atrim=start=\(start)", path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        return path
    }

    @Test func oneSongInThreeEncodingsAndCutsIsOneRecordingAndAnotherSongIsNot() throws {
        let dataDir = try TemporaryDirectory("data"), inputs = try TemporaryDirectory("songs")
        let songs = [
            try song("a.mp3", variant: 0, in: inputs), try song("a.flac", variant: 0, in: inputs),
            try song("a-cut.ogg", variant: 0, start: 4, seconds: 26, in: inputs), try song("b.flac", variant: 1, in: inputs),
        ]
        let run = try Command.engine(["run", "--no-renditions", "--data-dir", dataDir.path] + songs)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let listed = try Command.engine(["items", "duplicates", "--acoustic", "--json", "--data-dir", dataDir.path])
        #expect(listed.status == 0, "\(listed.stderr)")
        let groups = try #require(try parseJSON(listed.stdout) as? [[String: Any]])
        #expect(groups.count == 1, "\(groups)")
        let members = (groups.first?["items"] as? [[String: Any]] ?? []).compactMap { ($0["key"] as? String).map { ($0 as NSString).lastPathComponent } }
        #expect(Set(members) == ["a.mp3", "a.flac", "a-cut.ogg"], "\(members)")
        #expect((groups.first?["similarity"] as? Double ?? 0) >= 0.8, "\(groups)")

        let strict = try Command.engine(["items", "duplicates", "--acoustic", "--threshold", "1", "--json", "--data-dir", dataDir.path])
        #expect((try parseJSON(strict.stdout) as? [Any])?.isEmpty == true, "no two encodings are bit for bit one fingerprint: \(strict.stdout)")
        let refused = try Command.engine(["items", "duplicates", "--data-dir", dataDir.path])
        #expect(refused.status == 64 || refused.status == 2, "\(refused.status)")
        #expect(refused.stderr.contains("--acoustic"), "\(refused.stderr)")
    }

    /// `on_same_recording`: with `skip` an incoming MP3 of a song the library has as FLAC is
    /// not kept (nothing of it in the library, the reason on its job item), another song is;
    /// with `link` a later cut of it points at the FLAC's files.
    @Test func anIncomingCopyOfARecordingIsSkippedOrLinked() throws {
        let dataDir = try TemporaryDirectory("data"), inputs = try TemporaryDirectory("songs")
        let flac = try song("a.flac", variant: 0, in: inputs)
        let mp3 = try song("a.mp3", variant: 0, in: inputs), other = try song("b.flac", variant: 1, in: inputs)
        let cut = try song("a-cut.ogg", variant: 0, start: 4, seconds: 26, in: inputs)
        func graph(_ choice: String) throws -> String {
            try inputs.write("\(choice).yaml", "renditions: none\nprocessors: {audio: [loudness, peaks, fingerprint], on_same_recording: \(choice)}\n")
        }
        func run(_ choice: String, _ files: [String]) throws -> [String: Any] {
            let ran = try Command.engine(["run", "--json", "--graph", try graph(choice), "--data-dir", dataDir.path] + files)
            #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
            return try #require(try parseJSON(ran.stdout) as? [String: Any], "\(ran.stdout)")
        }
        func library() throws -> [String: String] {
            let items = try #require(try parseJSON(Command.engine(["items", "--json", "--data-dir", dataDir.path]).stdout) as? [[String: Any]])
            var byName: [String: String] = [:]
            for item in items { byName[((item["remote_id"] as? String ?? "") as NSString).lastPathComponent] = item["path"] as? String ?? "" }
            return byName
        }
        _ = try run("skip", [flac])
        let second = try run("skip", [mp3, other])
        #expect(second["skipped"] as? Int == 1 && second["stored"] as? Int == 1, "\(second)")
        let kept = try library()
        #expect(Set(kept.keys) == ["a.flac", "b.flac"], "\(kept)")
        let files = try FileManager.default.subpathsOfDirectory(atPath: dataDir.file("library").path)
        #expect(!files.contains { $0.hasSuffix(".mp3") }, "nothing of the skipped copy stays: \(files)")
        let skipped = try #require(
            try parseJSON(Command.engine(["items", "--json", "status:skipped", "--data-dir", dataDir.path]).stdout) as? [[String: Any]])
        #expect(skipped.count == 1 && (skipped.first?["remote_id"] as? String)?.hasSuffix("a.mp3") == true, "\(skipped)")
        #expect((skipped.first?["last_error"] as? String)?.hasPrefix("the same recording as local:file://\(flac) (similarity") == true, "\(skipped)")

        _ = try run("link", [cut])
        let linked = try library()
        #expect(linked["a-cut.ogg"] == kept["a.flac"], "the cut points at the FLAC's file: \(linked)")
        #expect(!(try FileManager.default.subpathsOfDirectory(atPath: dataDir.file("library").path)).contains { $0.hasSuffix(".ogg") })
    }

    /// `skip` never takes out an original the library held before: stored copies that pass the
    /// graph again (a new rendition to make) stay, though they are now fingerprinted.
    @Test func storedCopiesAreNeverTakenOut() throws {
        let dataDir = try TemporaryDirectory("data"), inputs = try TemporaryDirectory("songs")
        let songs = [try song("a.flac", variant: 0, in: inputs), try song("a.mp3", variant: 0, in: inputs)]
        let before = try inputs.write("before.yaml", "renditions: none\nprocessors: {audio: [loudness]}\n")
        let after = try inputs.write(
            "after.yaml", "renditions: {audio: [mp3-192k], video: []}\nprocessors: {audio: [loudness, fingerprint], on_same_recording: skip}\n")
        for graph in [before, after] {
            let ran = try Command.engine(["run", "--graph", graph, "--data-dir", dataDir.path] + songs)
            #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        }
        let items = try #require(try parseJSON(Command.engine(["items", "--json", "--data-dir", dataDir.path]).stdout) as? [[String: Any]])
        #expect(items.count == 2 && items.allSatisfy { ($0["renditions"] as? [Any])?.count == 1 }, "\(items)")
        let refused = try Command.engine(["graph", try inputs.write("bad.yaml", "processors: {audio: [loudness], on_same_recording: link}\n")])
        #expect(refused.status == 2 && refused.stderr.contains("needs the fingerprint"), "\(refused.stderr)")
    }
}
