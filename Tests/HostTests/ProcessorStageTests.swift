import Foundation
import Testing
import TestSupport

/// The processors as a stage of the default graph: each stored original gets its loudness,
/// peaks and fingerprint in one decode, kept per asset with the key it was made from, the peaks
/// as audiowaveform's `.dat` beside it; renditions carry the ReplayGain tags while the original
/// stays as it was; a `reprocess` makes only the results whose key changed.
@Suite struct ProcessorStageTests {
    let dataDir: TemporaryDirectory
    let files: TemporaryDirectory

    init() throws {
        dataDir = try TemporaryDirectory("data")
        files = try TemporaryDirectory("files")
    }

    func engine(_ arguments: [String]) throws -> CommandResult {
        let result = try Command.engine(arguments + ["--data-dir", dataDir.path])
        #expect(result.status == 0, "\(arguments): \(result.stdout)\(result.stderr)")
        return result
    }

    /// A fixture in the inputs folder under another name.
    func copy(_ fixture: String, as name: String) throws -> String {
        let path = files.file(name).path
        try FileManager.default.copyItem(atPath: Fixtures.media(fixture), toPath: path)
        return path
    }

    func show(_ input: String) throws -> [String: Any] {
        try #require(try parseJSON(engine(["items", "show", "local:file://\(input)", "--json"]).stdout) as? [String: Any])
    }

    func processors(_ item: [String: Any]) -> [String: [String: Any]] {
        item["processors"] as? [String: [String: Any]] ?? [:]
    }

    /// ffmpeg's `ebur128` integrated loudness of the file (its last `lavfi.r128.I`).
    func ffmpegIntegrated(_ path: String) throws -> Double {
        let log = files.file("r128-\(UUID().uuidString).txt").path
        let ran = try Command.run("ffmpeg", [
            "-v", "error", "-i", path, "-af", "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=\(log)", "-f", "null", "-",
        ])
        #expect(ran.status == 0, "\(ran.stderr)")
        let values = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { line in
            line.hasPrefix("lavfi.r128.I=") ? Double(line.dropFirst("lavfi.r128.I=".count)) : nil
        }
        return try #require(values.last)
    }

    @Test func ingestMeasuresEachOriginalOnceAndTagsItsRenditions() throws {
        // The source says it needs +9.99 dB: a tag no rendition may keep.
        let input = files.file("track.flac").path
        let tagged = try Command.run("ffmpeg", [
            "-v", "error", "-i", Fixtures.media("audio-vorbis-comments.flac"), "-c", "copy", "-metadata", "REPLAYGAIN_TRACK_GAIN=+9.99 dB", input,
        ])
        #expect(tagged.status == 0, "\(tagged.stderr)")
        let graph = try files.write("graph.yaml", "renditions: {audio: [opus-96k, mp3-192k, flac, remux, aac-128k], video: []}\n")
        _ = try engine(["run", "--graph", graph, input])
        let item = try show(input)
        let sha256 = try #require(item["sha256"] as? String)
        let results = processors(item)
        #expect(Set(results.keys) == ["loudness", "peaks", "fingerprint"], "\(results.keys)")
        for (name, result) in results {
            let key = result["made_from"] as? [String: Any]
            #expect(key?["input_sha256"] as? String == sha256, "\(name) names the content it was made from")
            #expect((key?["tools"] as? String)?.hasPrefix("\(name) 1; ") == true, "\(name): \(key ?? [:])")
        }
        let loudness = try #require(results["loudness"])
        let integrated = try #require(loudness["integrated_lufs"] as? Double)
        #expect(abs(integrated - (try ffmpegIntegrated(input))) <= 0.05)
        let gain = try #require(loudness["replaygain_track_gain_db"] as? Double)
        let peak = try #require(loudness["replaygain_track_peak"] as? Double)
        #expect(abs(gain - (-18 - integrated)) < 1e-9)

        // The peaks file is the one `engine analyze --peaks-dir` writes for the same file.
        let derived = try #require((item["derived_files"] as? [[String: Any]])?.first)
        #expect(derived["kind"] as? String == "peaks")
        let peaksPath = try #require(derived["path"] as? String)
        #expect(peaksPath.hasSuffix("track.peaks.dat") || peaksPath.hasSuffix(".peaks.dat"), "\(peaksPath)")
        let analyzed = files.file("analyzed")
        #expect(try Command.engine(["analyze", input, "--peaks-dir", analyzed.path]).status == 0)
        #expect(FileManager.default.contents(atPath: peaksPath) == FileManager.default.contents(atPath: analyzed.appendingPathComponent("track.dat").path))
        #expect(try Command.run("sha256sum", [peaksPath]).stdout.hasPrefix(derived["sha256"] as? String ?? "-"))

        // Renditions carry the gain; the original is the input, byte for byte.
        let renditions = try #require(item["renditions"] as? [[String: Any]])
        func rendition(_ profile: String) throws -> FFprobeReport {
            let path = try #require(renditions.first { $0["profile"] as? String == profile }?["path"] as? String)
            return try #require(try FFprobeReport.of(path))
        }
        for profile in ["mp3-192k", "flac", "remux", "aac-128k"] {
            let report = try rendition(profile)
            #expect(report.tag("replaygain_track_gain") == String(format: "%.2f dB", gain), "\(profile): \(report.formatTags)")
            #expect(report.streamTags.allSatisfy { $0["replaygain_track_gain"] == nil || $0["replaygain_track_gain"] == String(format: "%.2f dB", gain) },
                    "\(profile): no stream keeps the source's gain: \(report.streamTags)")
            #expect(report.tag("replaygain_track_peak") == String(format: "%.6f", peak), "\(profile)")
        }
        let m4a = try rendition("aac-128k")
        #expect(m4a.tag("title") != nil && m4a.duration != nil, "the iTunes tags and the file as they were: \(m4a.formatTags)")
        let opus = try rendition("opus-96k")
        #expect(opus.tag("r128_track_gain") == "\(Int(((-23 - integrated) * 256).rounded()))", "\(opus.streamTags)")
        #expect(opus.tag("replaygain_track_gain") == nil, "Opus carries R128 gain only")
        let original = try #require(item["path"] as? String)
        #expect(FileManager.default.contents(atPath: original) == FileManager.default.contents(atPath: input))
        #expect(try FFprobeReport.of(original)?.tag("replaygain_track_gain") == "+9.99 dB", "the original as it came")
    }

    /// Marks every stored processor result so that one made again shows; `tools` set for
    /// `processor` stands for a new version of it.
    func tamper(setting tools: String? = nil, of processor: String? = nil) throws {
        var sql = "UPDATE processor_results SET result = '{\"tampered\":1}' WHERE asset_id IS NOT NULL;"
        if let tools, let processor { sql += "UPDATE processor_results SET tools = '\(tools)' WHERE processor = '\(processor)';" }
        try execute(sql)
    }

    /// Changes the store behind the engine's back (python3's sqlite3: no sqlite3 CLI needed).
    func execute(_ sql: String) throws {
        let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit(); c.close()"
        let ran = try Command.run("python3", ["-c", script, dataDir.file("engine.sqlite").path, sql])
        #expect(ran.status == 0, "\(ran.stderr)")
    }

    func reprocess(_ graph: String) throws {
        _ = try engine(["jobs", "submit", "reprocess", "--graph", graph])
        _ = try engine(["worker", "--until-idle"])
    }

    func remade(_ input: String) throws -> Set<String> {
        Set(processors(try show(input)).filter { $0.value["tampered"] == nil }.keys)
    }

    /// An attempt cut off after placing the peaks file, before recording it or any result (as
    /// a killed worker leaves it): the retry finds the original stored and must not skip the
    /// item as complete. The next run makes the results, adopting the file left in the library,
    /// and stores nothing again. A result made from another key (another libav, other settings)
    /// is `engine reprocess`'s: a plain run skips the item.
    @Test func aStoredItemWithoutItsResultsGetsThemFromTheNextRun() throws {
        let input = try copy("audio-id3.mp3", as: "song.mp3")
        func run() throws -> [String: Any] {
            try #require(try parseJSON(engine(["run", "--no-renditions", "--json", input]).stdout) as? [String: Any])
        }
        func peaksPath() throws -> String? { (try show(input)["derived_files"] as? [[String: Any]])?.first?["path"] as? String }
        #expect(try run()["stored"] as? Int == 1)
        let peaks = try #require(try peaksPath())
        try execute(
            """
            DELETE FROM processor_results;
            DELETE FROM item_assets WHERE asset_id IN (SELECT id FROM file_assets WHERE kind = 'peaks');
            DELETE FROM file_locations WHERE asset_id IN (SELECT id FROM file_assets WHERE kind = 'peaks');
            DELETE FROM file_assets WHERE kind = 'peaks';
            """)
        #expect(processors(try show(input)).isEmpty)
        #expect(FileManager.default.fileExists(atPath: peaks))

        let second = try run()
        #expect(second["downloaded"] as? Int == 0 && second["stored"] as? Int == 0, "\(second)")
        #expect(Set(processors(try show(input)).keys) == ["loudness", "peaks", "fingerprint"])
        #expect(try peaksPath() == peaks, "the file left in the library is adopted, not placed beside it")

        try tamper(setting: "loudness 0; libebur128 0", of: "loudness")
        let third = try run()
        #expect(third["skipped"] as? Int == 1, "\(third)")
        #expect(try remade(input).isEmpty, "a changed key makes nothing again outside reprocess")
    }

    @Test func reprocessMakesOnlyTheResultsWhoseKeyChanged() throws {
        let input = try copy("audio-id3.mp3", as: "song.mp3")
        let standard = try files.write("standard.yaml", "renditions: none\n")
        let coarse = try files.write("coarse.yaml", "renditions: none\nprocessors: {audio: [loudness, peaks, fingerprint], samples_per_pixel: 512}\n")
        _ = try engine(["run", "--graph", standard, input])
        #expect(try remade(input) == ["loudness", "peaks", "fingerprint"])

        try tamper()
        try reprocess(standard)
        #expect(try remade(input).isEmpty, "nothing changed: nothing made again")

        try reprocess(coarse)
        #expect(try remade(input) == ["peaks"], "only the processor whose settings changed")
        let item = try show(input)
        #expect(processors(item)["peaks"]?["samples_per_pixel"] as? Int == 512)
        let peaksPath = try #require((item["derived_files"] as? [[String: Any]])?.first?["path"] as? String)
        let header = try #require(FileManager.default.contents(atPath: peaksPath))
        #expect(header.count > 16 && header[12..<16] == Data([0x00, 0x02, 0x00, 0x00]), "samples per pixel 512 in the .dat")

        try tamper(setting: "loudness 0; libebur128 0", of: "loudness")
        try reprocess(coarse)
        #expect(try remade(input) == ["loudness"], "only the processor whose version changed")

        try tamper()
        try FileManager.default.removeItem(atPath: peaksPath)
        try reprocess(coarse)
        #expect(try remade(input) == ["peaks"], "a missing peaks file is made again")
        #expect(FileManager.default.fileExists(atPath: peaksPath))

        // The result kept, the file's record not (a crash between the two): made again.
        try tamper()
        let forget = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); ids=[r[0] for r in c.execute(\"SELECT id FROM file_assets WHERE kind = 'peaks'\")]; "
            + "[c.execute(q, (i,)) for i in ids for q in ('DELETE FROM file_locations WHERE asset_id = ?', 'DELETE FROM item_assets WHERE asset_id = ?', 'DELETE FROM file_assets WHERE id = ?')]; c.commit()"
        #expect(try Command.run("python3", ["-c", forget, dataDir.file("engine.sqlite").path]).status == 0)
        try reprocess(coarse)
        #expect(try remade(input) == ["peaks"], "a peaks result without its file is made again")
        #expect((try show(input)["derived_files"] as? [[String: Any]])?.count == 1)
    }

    /// A folder of two tracks 12 LU apart is one album: after a reprocess (the album is known
    /// once both are measured), each rendition carries its own track gain and the album's,
    /// which is what `engine analyze` gives for the two files together.
    @Test func everyRenditionOfACollectionCarriesTheAlbumGain() throws {
        let album = files.file("album")
        try FileManager.default.createDirectory(at: album, withIntermediateDirectories: true)
        for (index, volume) in [-10, 2].enumerated() {
            let made = try Command.run("ffmpeg", [
                "-v", "error", "-f", "lavfi", "-i", "sine=f=\(440 + 200 * index):d=8", "-af", "volume=\(volume)dB",
                album.appendingPathComponent("t\(index).flac").path,
            ])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let tracks = (0..<2).map { album.appendingPathComponent("t\($0).flac").path }
        let graph = try files.write("mp3.yaml", "renditions: {audio: [mp3-192k], video: []}\n")
        _ = try engine(["run", "--graph", graph, album.path])
        _ = try engine(["reprocess", "--graph", graph])
        let analyzed = try #require(try parseJSON(Command.engine(["analyze", "--json"] + tracks).stdout) as? [String: Any])
        let albumGain = try #require((analyzed["album"] as? [String: Any])?["replaygain_album_gain_db"] as? Double)
        var trackGains: [String] = []
        for track in tracks {
            let item = try show(track)
            #expect((item["album_gain"] as? [String: Any])?["tracks"] as? Int == 2, "\(item["album_gain"] ?? "none")")
            let path = try #require((item["renditions"] as? [[String: Any]])?.first?["path"] as? String)
            let report = try #require(try FFprobeReport.of(path))
            #expect(report.tag("replaygain_album_gain") == String(format: "%.2f dB", albumGain), "\(report.formatTags)")
            trackGains.append(report.tag("replaygain_track_gain") ?? "")
        }
        #expect(Set(trackGains).count == 2 && !trackGains.contains(""), "\(trackGains)")
    }

    /// A video's scene cuts and a poster per scene beside it; a reprocess with a poster every
    /// second makes more, and back to one per scene takes the extra ones out, files and records.
    @Test func aVideoGetsItsScenesAndPostersAndAReprocessKeepsThemInStep() throws {
        let inputs = files.file("video")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        let segments = ["testsrc2", "color=c=red", "smptebars", "rgbtestsrc"]
        var arguments = ["-v", "error"]
        for source in segments { arguments += ["-f", "lavfi", "-i", "\(source)\(source.contains("=") ? ":" : "=")s=320x240:r=25:d=2"] }
        arguments += ["-filter_complex", "concat=n=\(segments.count):v=1:a=0,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast"]
        let video = inputs.appendingPathComponent("four.mp4").path
        #expect(try Command.run("ffmpeg", arguments + [video]).status == 0)
        let standard = try files.write("video.yaml", "renditions: none\n")
        _ = try engine(["run", "--graph", standard, video])

        func posters() throws -> [String] {
            let item = try show(video)
            return (item["derived_files"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "poster" }.compactMap { $0["path"] as? String }
        }
        let item = try show(video)
        let scenes = try #require(processors(item)["scenes"])
        let cuts = (scenes["cuts"] as? [[String: Any]] ?? []).compactMap { $0["time"] as? Double }
        #expect(cuts == [2, 4, 6], "\(scenes)")
        let first = try posters()
        #expect(first.count == 4 && first.allSatisfy { $0.hasSuffix(".jpg") }, "\(first)")
        for path in first {
            let stream = try #require(try FFprobeReport.of(path)?.video, "\(path)")
            #expect(stream["codec_name"] == "mjpeg" && stream["width"] == "320", "\(stream)")
        }

        let everySecond = try files.write("every.yaml", "renditions: none\nprocessors: {video: [scenes], poster_every: 1}\n")
        _ = try engine(["reprocess", "--graph", everySecond])
        let more = try posters()
        #expect(more.count == 8, "two a scene: \(more)")
        _ = try engine(["reprocess", "--graph", standard])
        #expect(try posters() == first, "one a scene again")
        let gone = Set(more).subtracting(first)
        #expect(gone.count == 4 && gone.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "\(gone)")

        let none = try files.write("none.yaml", "renditions: none\nprocessors: {video: [scenes], poster_width: 0}\n")
        _ = try engine(["reprocess", "--graph", none])
        #expect(try posters().isEmpty && first.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "no posters wanted: none kept")
        let plan = try engine(["reprocess", "--dry-run", "--graph", none]).stdout
        #expect(plan.contains("0 to make, 0 to replace, 0 to remove"), "\(plan)")
    }

    /// Two items with the same content share the peaks: removing one leaves the other's.
    @Test func removingOneOfTwoItemsWithTheSameContentKeepsTheSharedFiles() throws {
        for folder in ["one", "two"] { try FileManager.default.createDirectory(at: files.file(folder), withIntermediateDirectories: true) }
        let first = try copy("audio-id3.mp3", as: "one/song.mp3"), second = try copy("audio-id3.mp3", as: "two/song.mp3")
        let graph = try files.write("plain.yaml", "renditions: none\n")
        _ = try engine(["run", "--graph", graph, files.file("one").path])  // makes the peaks
        _ = try engine(["run", "--graph", graph, files.file("two").path])  // finds them made
        let peaks = try #require((try show(first)["derived_files"] as? [[String: Any]])?.first?["path"] as? String)
        let removed = try engine(["items", "remove", "--delete-files", "collection:one"])
        #expect(removed.stdout.contains("removed 1 item(s)"), "\(removed.stdout)")
        #expect(FileManager.default.fileExists(atPath: peaks), "the other item still has them")
        #expect((try show(second)["derived_files"] as? [[String: Any]])?.first?["path"] as? String == peaks)
        let last = try engine(["items", "remove", "--delete-files", "collection:two"])
        #expect(last.stdout.contains("removed 1 item(s)"), "\(last.stdout)")
        #expect(!FileManager.default.fileExists(atPath: peaks), "with the last item, the files made from its original go")
    }
}
