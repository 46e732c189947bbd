import Foundation
import Testing
import TestSupport

/// The bundled `graphs/s3-transcode.yaml`, run as shipped against moto: an input bucket's media
/// objects become renditions in an output bucket (ffprobe reads them), no original is kept in
/// the library, the temp folder is left empty; a second run fetches and uploads nothing; a new
/// object is taken on the next run. Objects that differ only in extension get renditions of
/// their own; a rendition the library holds already (the same content, stored by the default
/// graph) goes up as it is.
@Suite struct S3TranscodeGraphTests {
    let moto = MotoServer.shared

    func engine(_ arguments: [String], _ dataDir: TemporaryDirectory) async throws -> CommandResult {
        try await Command.engineAsync(arguments + ["--data-dir", dataDir.path], environment: moto.environment(prefix: "MEDIA"))
    }

    func keys(_ bucket: String) throws -> [String] {
        try moto.boto3(
            "print('\\n'.join(o['Key'] for o in s3.list_objects_v2(Bucket=sys.argv[1]).get('Contents', [])))", [bucket]
        ).split(separator: "\n").map(String.init).sorted()
    }

    /// Files (not folders) under `path`, recursively.
    func files(under path: String) -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter {
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + $0, isDirectory: &folder) && !folder.boolValue
        }
    }

    @Test func theBundledGraphTurnsAnInputBucketIntoRenditionsInAnOutputBucket() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inbox = try moto.makeBucket("sources"), outbox = try moto.makeBucket("renditions")
        try moto.boto3(
            """
            s3.upload_file(sys.argv[2], sys.argv[1], 'incoming/song.wav')
            s3.upload_file(sys.argv[3], sys.argv[1], 'incoming/clips/clip.mp4')
            s3.upload_file(sys.argv[4], sys.argv[1], 'incoming/song.flac')
            s3.put_object(Bucket=sys.argv[1], Key='incoming/readme.txt', Body=b'not media')
            """, [inbox, Fixtures.media("audio-pcm.wav"), Fixtures.media("video-h264-aac.mp4"), Fixtures.media("audio-vorbis-comments.flac")])
        // The WAV's content is in the library already, with its AAC rendition.
        let stored = try await engine(["run", "--json", Fixtures.media("audio-pcm.wav")], dataDir)
        #expect(stored.status == 0, "\(stored.stderr)")
        // Marked (its last byte changed, its size kept), to tell it from a new encode when it comes back.
        let kept = try #require(files(under: dataDir.file("library").path).first { $0.hasSuffix(".aac-128k.m4a") })
        let keptPath = dataDir.file("library").appendingPathComponent(kept)
        var marked = try Data(contentsOf: keptPath)
        marked[marked.count - 1] ^= 0xFF
        try marked.write(to: keptPath)
        for (name, bucket, prefix) in [("media-in", inbox, []), ("media-out", outbox, ["--base-prefix", "published"])] {
            let added = try await engine(
                ["backend", "add", "s3", name, "--bucket", bucket, "--endpoint", moto.endpoint, "--credential-env-prefix", "MEDIA"] + prefix,
                dataDir)
            #expect(added.status == 0, "\(added.stderr)")
        }
        // `collect` lists what a run takes in: the media objects, not the text file.
        let listed = try await engine(["collect", "--json", "s3://media-in/incoming/"], dataDir)
        let urls = (try parseJSON(listed.stdout) as? [[String: Any]] ?? []).compactMap { $0["url"] as? String }
        #expect(
            urls == ["s3://media-in/incoming/clips/clip.mp4", "s3://media-in/incoming/song.flac", "s3://media-in/incoming/song.wav"],
            "\(listed.stdout)\(listed.stderr)")

        func run() async throws -> [String: Any] {
            let result = try await engine(["run", "--json", "--graph", "s3-transcode"], dataDir)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            return try #require(try parseJSON(result.stdout) as? [String: Any], "\(result.stdout)\(result.stderr)")
        }
        let first = try await run()
        #expect(first["collected"] as? Int == 3 && first["downloaded"] as? Int == 3 && first["uploaded"] as? Int == 3, "\(first)")

        // The renditions under the output prefix, named after the input keys; nothing else.
        let expected = [
            "published/incoming/clips/clip.mp4.h264-720p.mp4", "published/incoming/clips/clip.mp4.thumbnail.jpg",
            "published/incoming/song.flac.aac-128k.m4a", "published/incoming/song.wav.aac-128k.m4a",
        ]
        #expect(try keys(outbox) == expected)
        let back = try TemporaryDirectory("back")
        var codecs: [String] = []
        for key in expected {
            let path = back.file((key as NSString).lastPathComponent).path
            try moto.download(bucket: outbox, key: key, to: path)
            let report = try #require(try FFprobeReport.of(path), "ffprobe reads \(key)")
            codecs.append(report.streams.compactMap { $0["codec_name"] }.joined(separator: "+"))
        }
        #expect(codecs == ["h264+aac", "mjpeg", "aac", "aac"], "\(codecs)")

        // No new original in the library (only the one stored before, with its peaks), nothing left in the
        // temp folder; the catalog knows where each original is (the input bucket) and where
        // its renditions went. The WAV's rendition is the library's file.
        let library = files(under: dataDir.file("library").path)
        #expect(library.count == 3 && library.filter { $0.hasSuffix(".peaks.dat") }.count == 1, "\(library)")
        #expect(files(under: dataDir.file("tmp").path).isEmpty)
        let items = try #require(try parseJSON(try await engine(["items", "--json"], dataDir).stdout) as? [[String: Any]])
        let remote = items.filter { $0["backend"] as? String == "media-in" }
        #expect(items.count == 4 && Set(remote.compactMap { $0["locator"] as? String }) == ["incoming/song.flac", "incoming/clips/clip.mp4"], "\(items)")
        #expect(Set(remote.flatMap { ($0["renditions"] as? [[String: Any]] ?? []).compactMap { $0["backend"] as? String } }) == ["media-out"])
        #expect(try Data(contentsOf: back.file("song.wav.aac-128k.m4a")) == marked, "the library's rendition went up, not a new encode")

        // A second run: listed again, nothing fetched or put.
        func requests(_ method: String, _ bucket: String) throws -> Int {
            try moto.requests().filter { $0.contains("\"\(method) /\(bucket)/") }.count
        }
        let (gets, puts) = (try requests("GET", inbox), try requests("PUT", outbox))
        let again = try await run()
        #expect(again["downloaded"] as? Int == 0 && again["uploaded"] as? Int == 0 && again["skipped"] as? Int == 3, "\(again)")
        #expect(try requests("GET", inbox) == gets && requests("PUT", outbox) == puts, "no object fetched or put")

        // A new object is taken on the next run, alone.
        try moto.boto3("s3.upload_file(sys.argv[2], sys.argv[1], 'incoming/late.ogg')", [inbox, Fixtures.media("audio-vorbis.ogg")])
        let third = try await run()
        #expect(third["downloaded"] as? Int == 1 && third["uploaded"] as? Int == 1, "\(third)")
        #expect(try keys(outbox).contains("published/incoming/late.ogg.aac-128k.m4a"))
    }
}
