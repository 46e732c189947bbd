import Engine
import Foundation
import Stages
import Testing
import TestSupport

/// `engine run` end to end through the built binary.
@Suite struct RunCommandTests {
    func run(_ arguments: [String], dataDir: TemporaryDirectory, directory: URL? = nil) throws -> (CommandResult, [String: Any]) {
        let result = try Command.engine(["run", "--json", "--data-dir", dataDir.path] + arguments, directory: directory)
        let summary = try #require(try parseJSON(result.stdout) as? [String: Any], "no JSON summary: \(result.stdout) \(result.stderr)")
        return (result, summary)
    }

    /// `--dry-run` says what a run would download and make, and writes nothing: no data
    /// directory where there was none; the database and the library unchanged (a reader of a
    /// WAL database may leave SQLite's own `-wal`/`-shm` index files, empty of data).
    @Test func aDryRunListsTheWorkAndTouchesNothing() async throws {
        let parent = try TemporaryDirectory("parent")
        let dataDir = parent.file("data").path
        let audio = Fixtures.media("audio-id3.mp3"), video = Fixtures.media("video-h264-aac.mp4")
        func dryRun() async throws -> [String: Any] {
            let result = try await Command.engineAsync(["run", "--dry-run", "--json", "--data-dir", dataDir, audio, video])
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try parseJSON(result.stdout) as? [String: Any])
        }
        let fresh = try await dryRun()
        #expect((fresh["download"] as? [Any])?.count == 2)
        #expect(!FileManager.default.fileExists(atPath: dataDir), "a dry run created the data directory")

        #expect(try await Command.engineAsync(["run", "--no-renditions", "--data-dir", dataDir, audio]).status == 0)
        func snapshot() throws -> [String: Data] {
            let files = FileManager.default.enumerator(atPath: dataDir)?.compactMap { $0 as? String } ?? []
            return try Dictionary(uniqueKeysWithValues: files.filter { !$0.hasSuffix("-shm") && !$0.hasSuffix("-wal") }.compactMap { name in
                var isFolder: ObjCBool = false
                FileManager.default.fileExists(atPath: dataDir + "/" + name, isDirectory: &isFolder)
                return isFolder.boolValue ? nil : (name, try Data(contentsOf: URL(fileURLWithPath: dataDir + "/" + name)))
            })
        }
        let before = try snapshot()
        let planned = try await dryRun()
        #expect(try snapshot() == before, "a dry run changed the data directory")
        let downloads = (planned["download"] as? [[String: Any]])?.compactMap { $0["item_key"] as? String }
        #expect(downloads == ["local:\(URL(fileURLWithPath: video).absoluteString)"])
        let completion = try #require((planned["renditions"] as? [[String: Any]])?.first)
        #expect(completion["item_key"] as? String == "local:\(URL(fileURLWithPath: audio).absoluteString)")
        let perKind = try #require(planned["renditions_per_kind"] as? [String: Any])
        #expect(completion["profiles"] as? [String] == perKind["audio"] as? [String], "the stored audio lacks the planned audio renditions")
    }

    /// The dry run plans as the run decides: a stored item that lacks only the graph's
    /// processor results is to complete with them (not counted complete); one whose library
    /// file is gone is to download again, which `--limit` does not count; `--limit` takes new
    /// items up to it and none after the first past it. After the run, all count as complete.
    @Test func aDryRunPlansMissingProcessorResultsFilesGoneFromTheLibraryAndTheLimit() async throws {
        let dataDir = try TemporaryDirectory("data")
        let lost = Fixtures.media("audio-vorbis.ogg"), new = Fixtures.media("audio-pcm.wav")
        let pastLimit = Fixtures.media("audio-vorbis-comments.flac"), stored = Fixtures.media("audio-id3.mp3")
        func key(_ path: String) -> String { "local:\(URL(fileURLWithPath: path).absoluteString)" }
        let first = try await Command.engineAsync(["run", "--no-renditions", "--no-processors", "--data-dir", dataDir.path, lost, stored])
        #expect(first.status == 0, "\(first.stderr)")
        let library = dataDir.url.appendingPathComponent("library")
        let files = FileManager.default.enumerator(atPath: library.path)?.compactMap { $0 as? String } ?? []
        let ogg = try #require(files.first { $0.hasSuffix(".ogg") }, "no stored .ogg in \(files)")
        try FileManager.default.removeItem(at: library.appendingPathComponent(ogg))

        func dryRun(_ extra: [String] = [], renditions: Bool = false) async throws -> [String: Any] {
            let result = try await Command.engineAsync(
                ["run", "--dry-run", "--json", "--data-dir", dataDir.path] + (renditions ? [] : ["--no-renditions"]) + extra + [lost, new, pastLimit, stored])
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try parseJSON(result.stdout) as? [String: Any])
        }
        func keys(_ plan: [String: Any], _ list: String) -> [String]? { (plan[list] as? [[String: Any]])?.compactMap { $0["item_key"] as? String } }
        let planned = try await dryRun()
        #expect(keys(planned, "download") == [lost, new, pastLimit].map(key))
        #expect(keys(planned, "processors") == [key(stored)])
        let processors = try #require((planned["processors"] as? [[String: Any]])?.first)
        #expect(processors["processors"] as? [String] == ProcessorPlan.standard.audio.map(\.rawValue))
        #expect(planned["already_stored"] as? Int == 0)
        let limited = try await dryRun(["--limit", "1"])
        #expect(keys(limited, "download") == [lost, new].map(key), "the re-download is not counted; nothing after the first item past the limit")
        #expect(keys(limited, "processors") == [])
        // The run with that limit does what its dry run said, and nothing more.
        let limitedRun = try await Command.engineAsync(["run", "--no-renditions", "--limit", "1", "--data-dir", dataDir.path, lost, new, pastLimit, stored])
        #expect(limitedRun.status == 0, "\(limitedRun.stderr)")
        let rest = try await dryRun()
        #expect(keys(rest, "download") == [key(pastLimit)])
        #expect(keys(rest, "processors") == [key(stored)])

        let run = try await Command.engineAsync(["run", "--no-renditions", "--data-dir", dataDir.path, lost, new, pastLimit, stored])
        #expect(run.status == 0, "\(run.stderr)")
        let after = try await dryRun()
        #expect(keys(after, "download") == [])
        #expect(keys(after, "processors") == [])
        #expect(after["already_stored"] as? Int == 4)
        // Coarser peaks: not a reason to take a stored item again, but an item taken again for a
        // missing rendition remakes them.
        let graphs = try TemporaryDirectory("graphs")
        let coarse = try graphs.write("coarse.yaml", "processors: {audio: [loudness, peaks, fingerprint], samples_per_pixel: 512}\n")
        #expect(try await dryRun(["--graph", coarse])["already_stored"] as? Int == 4)
        let withRenditions = try await dryRun(["--graph", coarse], renditions: true)
        #expect(keys(withRenditions, "renditions") == [lost, new, pastLimit, stored].map(key))
        #expect((withRenditions["processors"] as? [[String: Any]])?.map { $0["processors"] as? [String] } == Array(repeating: ["peaks"], count: 4))
        // Peaks files gone from the library are results to make again: peaks only.
        let peaks = (FileManager.default.enumerator(atPath: library.path)?.compactMap { $0 as? String } ?? []).filter { $0.contains(".peaks.") }
        #expect(peaks.count == 4, "\(peaks)")
        for file in peaks { try FileManager.default.removeItem(at: library.appendingPathComponent(file)) }
        let remake = try await dryRun()
        #expect(keys(remake, "processors") == [lost, new, pastLimit, stored].map(key))
        #expect((remake["processors"] as? [[String: Any]])?.allSatisfy { $0["processors"] as? [String] == ["peaks"] } == true)
    }

    /// Inputs as plain arguments, as `engine collect` and yt-dlp take them, beside `--input`.
    @Test func inputsMayBeGivenAsPlainArguments() throws {
        let dataDir = try TemporaryDirectory("data")
        let (result, summary) = try run(
            ["--no-renditions", Fixtures.media("audio-id3.mp3"), "--input", Fixtures.media("audio-pcm.wav"), Fixtures.media("audio-vorbis.ogg")],
            dataDir: dataDir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(summary["stored"] as? Int == 3)
        #expect(!result.stderr.contains("demo catalog"))
    }

    /// With neither --data-dir, ENGINE_DATA_DIR nor XDG_DATA_HOME, the data directory is
    /// `$HOME/.local/share/media-engine`: `$HOME`, not the password file's home.
    @Test func theDefaultDataDirectoryFollowsHome() throws {
        let home = try TemporaryDirectory("home")
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["XDG_DATA_HOME"] = nil
        environment["ENGINE_DATA_DIR"] = nil
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.engineBinary)
        process.arguments = ["run", "--json", "--no-renditions", Fixtures.media("audio-id3.mp3")]
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(summary["data_dir"] as? String == home.url.appendingPathComponent(".local/share/media-engine").path)
    }

    func libraryItems(_ dataDir: TemporaryDirectory) throws -> [[String: Any]] {
        let result = try Command.engine(["items", "--json", "--data-dir", dataDir.path])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try parseJSON(result.stdout) as? [[String: Any]])
    }

    func failures(_ summary: [String: Any]) -> [String: String] {
        let list = summary["failures"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["subject"] as? String ?? "", $0["message"] as? String ?? "") }, uniquingKeysWith: { a, _ in a })
    }

    @Test func demoCatalogIsStoredCompletelyFromAnyDirectoryAndASecondRunIsANoOp() throws {
        let dataDir = try TemporaryDirectory("data")
        let elsewhere = try TemporaryDirectory("cwd")
        let demo = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("fixtures/demo/demo.m3u8"), encoding: .utf8)
        let entries = demo.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count

        let (first, summary) = try run([], dataDir: dataDir, directory: elsewhere.url)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stderr.contains("no input given: ingesting the bundled demo catalog ("), "\(first.stderr)")
        #expect(summary["collected"] as? Int == entries)
        #expect(summary["stored"] as? Int == entries)
        #expect(summary["failed"] as? Int == 0)
        let items = try libraryItems(dataDir)
        #expect(items.count == entries)
        for item in items {
            let path = try #require(item["path"] as? String)
            #expect(path.hasPrefix(dataDir.url.appendingPathComponent("library").path + "/"))
            #expect(FileManager.default.fileExists(atPath: path))
            #expect((item["sha256"] as? String)?.count == 64)
            #expect(item["duration"] as? Double != nil)
            #expect((item["creators"] as? [String])?.isEmpty == false)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dataDir.file("tmp").path).isEmpty)
        try expectStandardRenditions(items)

        let (second, again) = try run([], dataDir: dataDir, directory: elsewhere.url)
        #expect(second.status == 0)
        #expect(again["downloaded"] as? Int == 0)
        #expect(again["skipped"] as? Int == entries)
        let text = try Command.engine(["run", "--data-dir", dataDir.path])
        #expect(text.stdout.contains("nothing to download"), "\(text.stdout)")
        #expect(try libraryItems(dataDir).count == entries)
    }

    /// Audio items have an AAC rendition, video items 720p H.264 and a JPEG thumbnail, each
    /// beside the original and readable by ffprobe.
    func expectStandardRenditions(_ items: [[String: Any]]) throws {
        for item in items {
            let kind = item["media_kind"] as? String
            let renditions = item["renditions"] as? [[String: Any]] ?? []
            let profiles = renditions.compactMap { $0["profile"] as? String }.sorted()
            #expect(profiles == (kind == "video" ? ["h264-720p", "thumbnail"] : ["aac-128k"]), "\(item["title"] ?? "")")
            let folder = ((item["path"] as? String ?? "") as NSString).deletingLastPathComponent
            for rendition in renditions {
                let path = try #require(rendition["path"] as? String)
                #expect((path as NSString).deletingLastPathComponent == folder, "stored beside the original")
                let report = try #require(try FFprobeReport.of(path), "ffprobe cannot read \(path)")
                let codec = rendition["profile"] as? String == "thumbnail" ? "mjpeg" : rendition["profile"] as? String == "aac-128k" ? "aac" : "h264"
                #expect(report.streams.contains { $0["codec_name"] == codec })
            }
        }
    }

    @Test func renditionsCanBeTurnedOffAndAddedLaterWithoutDownloadingAgain() throws {
        let dataDir = try TemporaryDirectory("data")
        let (plain, plainSummary) = try run(["--no-renditions"], dataDir: dataDir)
        #expect(plain.status == 0)
        #expect(plainSummary["renditions"] as? Int == 0)
        #expect(try libraryItems(dataDir).allSatisfy { ($0["renditions"] as? [Any])?.isEmpty == true })

        let (later, laterSummary) = try run([], dataDir: dataDir)
        #expect(later.status == 0)
        #expect(laterSummary["downloaded"] as? Int == 0)
        #expect(laterSummary["renditions_only"] as? Int == plainSummary["stored"] as? Int)
        try expectStandardRenditions(try libraryItems(dataDir))
    }

    @Test func aGraphFileSetsTheRenditionsWithItsOwnProfiles() throws {
        let dataDir = try TemporaryDirectory("data")
        let files = try TemporaryDirectory("graph")
        let graph = try files.write("graph.yaml", """
            graph: default
            profiles:
              opus-low: {base: opus-96k, audio_bitrate: 32000}
            renditions:
              audio: [opus-low]
              video: []
            """)
        let (result, summary) = try run(["--graph", graph, "--input", Fixtures.media("audio-id3.mp3"),
                                         "--input", Fixtures.media("video-h264-aac.mp4")], dataDir: dataDir)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(summary["renditions"] as? Int == 1)
        let items = try libraryItems(dataDir)
        let audio = try #require(items.first { $0["media_kind"] as? String == "audio" })
        let rendition = try #require((audio["renditions"] as? [[String: Any]])?.first)
        #expect(rendition["profile"] as? String == "opus-low")
        let report = try #require(try FFprobeReport.of(rendition["path"] as? String ?? ""))
        #expect(report.first("audio")?["codec_name"] == "opus")
        #expect((items.first { $0["media_kind"] as? String == "video" }?["renditions"] as? [Any])?.isEmpty == true)

        let broken = try files.write("broken.yaml", "renditions:\n  video: [nope]\n")
        let refused = try Command.engine(["run", "--graph", broken, "--data-dir", dataDir.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("broken.yaml:2: unknown profile 'nope'"))
    }

    @Test func originalsWithTheSameNameKeepRenditionsOfTheirOwn() throws {
        let dataDir = try TemporaryDirectory("data")
        let lists = try TemporaryDirectory("lists")
        let playlist = try lists.write("same.m3u", """
            #EXTINF:2,Band - Song
            \(Fixtures.media("audio-id3.mp3"))
            #EXTINF:2,Band - Song
            \(Fixtures.media("audio-vorbis-comments.flac"))

            """)
        let (result, _) = try run(["--input", playlist], dataDir: dataDir)
        #expect(result.status == 0, "\(result.stdout)")
        let renditions = try libraryItems(dataDir).flatMap { $0["renditions"] as? [[String: Any]] ?? [] }
        let paths = renditions.compactMap { $0["path"] as? String }
        #expect(paths.count == 2)
        #expect(Set(paths).count == 2, "\(paths)")
        #expect(Set(renditions.compactMap { $0["sha256"] as? String }).count == 2)
        #expect(paths.allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }

    @Test func aSecondRunKeepsWhatTheTagsSaid() throws {
        let dataDir = try TemporaryDirectory("data")
        let folder = try TemporaryDirectory("folder")
        try FileManager.default.copyItem(atPath: Fixtures.media("audio-id3.mp3"), toPath: folder.file("track01.mp3").path)
        let tags = try #require(try FFprobeReport.of(Fixtures.media("audio-id3.mp3")))
        let title = try #require(tags.tag("title")), artist = try #require(tags.tag("artist"))
        #expect(title != "track01", "the fixture's tag title differs from its file name")
        for _ in 0..<2 {
            let (result, _) = try run(["--input", folder.path, "--no-renditions"], dataDir: dataDir)
            #expect(result.status == 0)
            let item = try #require(try libraryItems(dataDir).first)
            #expect(item["title"] as? String == title)
            #expect(item["creators"] as? [String] == [artist])
        }
    }

    @Test func brokenEntriesFailWithTheirReasonsAndTheGoodOnesAreStored() throws {
        let dataDir = try TemporaryDirectory("data")
        let lists = try TemporaryDirectory("lists")
        let good = [Fixtures.media("audio-pcm.wav"), Fixtures.media("audio-vorbis.ogg")]
        let bad = ["/nonexistent/missing.mp3", Fixtures.bad("not-audio.mp3"), Fixtures.bad("truncated.mp4"), Fixtures.bad("empty.mp4")]
        let playlist = try lists.write("broken.m3u", "#EXTM3U\n" + (good + bad).joined(separator: "\n") + "\nftp://example.com/song.mp3\n")

        let (result, summary) = try run(["--input", playlist], dataDir: dataDir)
        #expect(result.status == 1)
        #expect(summary["stored"] as? Int == good.count)
        let failed = failures(summary)
        #expect(failed.count == bad.count)
        #expect(failed["file:///nonexistent/missing.mp3"]?.contains("missing.mp3") == true)
        #expect(failed["file://\(Fixtures.bad("not-audio.mp3"))"] != nil)
        #expect(failed["file://\(Fixtures.bad("truncated.mp4"))"]?.contains("moov atom not found") == true)
        #expect(failed["file://\(Fixtures.bad("empty.mp4"))"] != nil)
        let issues = summary["issues"] as? [[String: Any]] ?? []
        #expect(issues.count == 1)
        #expect((issues.first?["message"] as? String)?.contains("ftp") == true)
        #expect(try libraryItems(dataDir).count == good.count)
    }

    @Test func httpFaultsAreItemErrorsWhileTheOtherItemsComplete() throws {
        let dataDir = try TemporaryDirectory("data")
        let server = try FaultServer(root: Fixtures.mediaDirectory, slowSeconds: 30)
        let good = ["/files/audio-id3.mp3", "/files/video-h264-aac.mp4", "/redirect/2/audio-aac.m4a"].map(server.url)
        // What each fault must be reported as: the cause after "<url>: ", never words the URL
        // itself contains. The dropped transfer stops at half the file (the server's fault).
        let dropped = try #require(try FileManager.default.attributesOfItem(atPath: Fixtures.media("audio-vorbis-comments.flac"))[.size] as? Int)
        let faults = [
            server.url("/status/404"): "HTTP 404",
            server.url("/status/500"): "HTTP 500",
            server.url("/slow/audio-pcm.wav"): "stalled: no data for 1 s",
            server.url("/drop/audio-vorbis-comments.flac"): "connection closed after \(dropped / 2) of \(dropped) bytes",
        ]
        let lists = try TemporaryDirectory("lists")
        let playlist = try lists.write("remote.txt", (good + faults.keys.sorted()).joined(separator: "\n") + "\n")

        let (result, summary) = try run(["--input", playlist, "--stall-timeout", "1"], dataDir: dataDir)
        #expect(result.status == 1)
        #expect(summary["stored"] as? Int == good.count)
        let failed = failures(summary)
        #expect(failed.count == faults.count)
        for (url, reason) in faults {
            #expect(failed[url] == "\(url): \(reason)", "\(url): \(failed[url] ?? "no failure")")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dataDir.file("tmp").path).isEmpty)
    }

    @Test func hostileTitlesLandInsideTheLibraryWithReadableNames() throws {
        let dataDir = try TemporaryDirectory("data")
        let lists = try TemporaryDirectory("lists")
        let long = String(repeating: "Very Long Title ", count: 32) + "End"  // over 500 characters
        let titles = ["../../etc/passwd", "Bell\u{07}and\tTab\u{1B}[31mEscape", long]
        let files = [Fixtures.media("audio-id3.mp3"), Fixtures.media("audio-pcm.wav"), Fixtures.media("audio-aac.m4a")]
        let playlist = zip(titles, files).map { "#EXTINF:1,\($0)\n\($1)" }.joined(separator: "\n")
        let path = try lists.write("hostile.m3u8", "#EXTM3U\n\(playlist)\n")

        let (result, summary) = try run(["--input", path], dataDir: dataDir)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(summary["stored"] as? Int == 3)
        let library = dataDir.url.appendingPathComponent("library").standardizedFileURL.path
        let names = try libraryItems(dataDir).map { item -> String in
            let path = item["path"] as? String ?? ""
            #expect(URL(fileURLWithPath: path).standardizedFileURL.path.hasPrefix(library + "/"))
            #expect(FileManager.default.fileExists(atPath: path))
            for component in (item["locator"] as? String ?? "").split(separator: "/") {
                #expect(component.utf8.count <= 255)
                #expect(!component.hasPrefix("."))
                #expect(!component.unicodeScalars.contains { $0.properties.generalCategory == .control })
            }
            return URL(fileURLWithPath: path).lastPathComponent
        }
        #expect(names.contains { $0.contains("etc⧸passwd") })
        #expect(names.contains { $0.hasPrefix("Bell and Tab [31mEscape") })
        #expect(names.contains { $0.hasPrefix(String(long.prefix(100))) })
        #expect(FileManager.default.fileExists(atPath: "/etc/passwd"))
    }

    @Test func theSameBytesTwiceAreOneFile() throws {
        let dataDir = try TemporaryDirectory("data")
        let copies = try TemporaryDirectory("copies")
        for name in ["first.mp3", "second.mp3"] {
            try FileManager.default.copyItem(atPath: Fixtures.media("audio-id3.mp3"), toPath: copies.file(name).path)
        }
        let (result, summary) = try run(["--input", copies.path], dataDir: dataDir)
        #expect(result.status == 0)
        #expect(summary["stored"] as? Int == 2)
        #expect(summary["reused"] as? Int == 1)
        let items = try libraryItems(dataDir)
        #expect(items.count == 2)
        #expect(Set(items.compactMap { $0["path"] as? String }).count == 1)
        let stored = try FileManager.default.subpathsOfDirectory(atPath: dataDir.file("library").path)
            .filter { $0.hasSuffix(".mp3") }
        #expect(stored.count == 1, "\(stored)")
    }

    /// Two items with the same bytes share one original and one rendition of each profile:
    /// one file each in the library, one asset, however the two items overlap in the graph.
    @Test func itemsWithTheSameContentShareTheirRenditions() throws {
        let dataDir = try TemporaryDirectory("data")
        let copies = try TemporaryDirectory("copies")
        for name in ["one.mp3", "two.mp3", "three.mp3"] {
            try FileManager.default.copyItem(atPath: Fixtures.media("audio-id3.mp3"), toPath: copies.file(name).path)
        }
        let (result, summary) = try run(["--input", copies.path], dataDir: dataDir)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(summary["reused"] as? Int == 2)
        let items = try libraryItems(dataDir)
        #expect(items.count == 3)
        let renditions = items.map { ($0["renditions"] as? [[String: Any]]) ?? [] }
        #expect(renditions.allSatisfy { $0.count == 1 }, "\(renditions)")
        #expect(Set(renditions.compactMap { $0.first?["path"] as? String }).count == 1, "one rendition file for the three")
        #expect(Set(renditions.compactMap { $0.first?["sha256"] as? String }).count == 1)
        let files = try FileManager.default.subpathsOfDirectory(atPath: dataDir.file("library").path).filter { $0.hasSuffix(".m4a") }
        #expect(files.count == 1, "\(files)")
    }

    @Test func aSecondRunnerOnTheSameDataDirectoryIsRefused() throws {
        let dataDir = try TemporaryDirectory("data")
        let lock = try DataDirectory(root: dataDir.url).lockRunner()
        let result = try Command.engine(["run", "--data-dir", dataDir.path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("another engine runner (pid \(getpid())) is using the data directory"), "\(result.stderr)")
        let worker = try Command.engine(["worker", "--data-dir", dataDir.path])
        #expect(worker.status == 3)
        #expect(worker.stderr.contains("(pid \(getpid()))"))
        withExtendedLifetime(lock) {}
    }

    @Test func unknownGraphIsAUsageError() throws {
        let result = try Command.engine(["run", "--graph", "nonsense"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown graph"))
    }
}
