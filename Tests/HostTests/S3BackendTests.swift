import Engine
import Foundation
import Testing
import TestSupport

/// S3 backends through the built binary against moto: added, listed and removed; stored files
/// uploaded (and not again), read back through boto3; a presigned URL for curl; a missing
/// credential named; the secret never in an output, a log or the database.
@Suite struct S3BackendTests {
    let moto = MotoServer.shared

    /// A data directory with the fixtures (and their AAC renditions) stored, and a backend
    /// `moto` on a new bucket under the prefix `lib`.
    func library(renditions: Bool = true) async throws -> (TemporaryDirectory, String) {
        let dataDir = try TemporaryDirectory("data")
        let stored = try await engine(
            ["run"] + (renditions ? [] : ["--no-renditions"]) + [Fixtures.media("audio-id3.mp3"), Fixtures.media("audio-pcm.wav")], dataDir)
        #expect(stored.status == 0, "\(stored.stderr)")
        let bucket = try moto.makeBucket()
        let added = try await engine(
            ["backend", "add", "s3", "moto", "--bucket", bucket, "--endpoint", moto.endpoint, "--base-prefix", "lib",
             "--credential-env-prefix", "MOTO"], dataDir)
        #expect(added.status == 0, "\(added.stderr)")
        return (dataDir, bucket)
    }

    func engine(_ arguments: [String], _ dataDir: TemporaryDirectory, credentials: Bool = true) async throws -> CommandResult {
        try await Command.engineAsync(arguments + ["--data-dir", dataDir.path], environment: credentials ? moto.environment(prefix: "MOTO") : [:])
    }

    func keys(_ bucket: String) throws -> [String] {
        try moto.boto3(
            "print('\\n'.join(o['Key'] for o in s3.list_objects_v2(Bucket=sys.argv[1]).get('Contents', [])))", [bucket]
        ).split(separator: "\n").map(String.init).sorted()
    }

    @Test func storedFilesGoUpOnceUnderKeysThatMirrorTheLibrary() async throws {
        let (dataDir, bucket) = try await library()
        let first = try await engine(["upload", "--backend", "moto", "--json"], dataDir)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let summary = try #require(try parseJSON(first.stdout) as? [String: Any])
        #expect(summary["uploaded"] as? Int == 2, "\(summary)")

        // Every stored file (originals and renditions), under the prefix, as the library names it.
        let items = try #require(try parseJSON(try await engine(["items", "--json"], dataDir).stdout) as? [[String: Any]])
        var locators = items.compactMap { $0["locator"] as? String }
        locators += items.flatMap { ($0["renditions"] as? [[String: Any]] ?? []).compactMap { $0["locator"] as? String } }
        for item in items {
            let key = "\(item["source"] as? String ?? ""):\(item["remote_id"] as? String ?? "")"
            let shown = try parseJSON(try await engine(["items", "show", key, "--json"], dataDir).stdout) as? [String: Any]
            locators += (shown?["derived_files"] as? [[String: Any]] ?? []).compactMap { $0["locator"] as? String }
        }
        #expect(locators.count == 6, "each item's original, rendition and peaks: \(locators)")
        #expect(try await keys(bucket) == locators.map { "lib/" + $0 }.sorted())
        let original = try #require(items.first { ($0["locator"] as? String)?.hasSuffix(".wav") == true })
        let back = try TemporaryDirectory("back")
        try moto.download(bucket: bucket, key: "lib/" + (original["locator"] as! String), to: back.file("wav").path)
        #expect(try Data(contentsOf: back.file("wav")) == Data(contentsOf: URL(fileURLWithPath: original["path"] as! String)))
        let type = try moto.boto3("print(s3.head_object(Bucket=sys.argv[1], Key=sys.argv[2])['ContentType'])", [bucket, "lib/" + (original["locator"] as! String)])
        #expect(type.trimmingCharacters(in: .whitespacesAndNewlines) == "audio/wav")

        func puts() throws -> Int { try moto.requests().filter { $0.contains("\"PUT /\(bucket)/") }.count }
        let before = try puts()
        #expect(before == 6)
        let second = try await engine(["upload", "--backend", "moto", "--json"], dataDir)
        #expect((try parseJSON(second.stdout) as? [String: Any])?["uploaded"] as? Int == 0, "\(second.stdout)")
        #expect(try puts() == before, "a second upload sends nothing")

        let listed = try #require(try parseJSON(try await engine(["backend", "list", "--json"], dataDir).stdout) as? [[String: Any]])
        #expect(listed.first { $0["name"] as? String == "moto" }?["locations"] as? Int == 6)
        let refused = try await engine(["backend", "remove", "moto"], dataDir)
        #expect(refused.status == 2 && refused.stderr.contains("holds 6 file location(s)"), "\(refused.stderr)")
        #expect(try await engine(["backend", "remove", "moto", "--force"], dataDir).status == 0)
    }

    @Test func aPresignedURLFromTheCommandWorksWithCurl() async throws {
        let (dataDir, _) = try await library(renditions: false)
        #expect(try await engine(["upload", "--backend", "moto"], dataDir).status == 0)
        let items = try #require(try parseJSON(try await engine(["items", "--json"], dataDir).stdout) as? [[String: Any]])
        let item = try #require(items.first)
        let url = try await engine(["presign", "moto", "lib/" + (item["locator"] as! String), "--expires", "120"], dataDir)
        #expect(url.status == 0, "\(url.stderr)")
        let back = try TemporaryDirectory("back")
        let fetched = try Command.run("curl", ["-sS", "-f", "-o", back.file("got").path, url.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(try Data(contentsOf: back.file("got")) == Data(contentsOf: URL(fileURLWithPath: item["path"] as! String)))
    }

    @Test func aMissingCredentialIsNamedAndNoSecretIsEverShown() async throws {
        let (dataDir, _) = try await library(renditions: false)
        let missing = try await engine(["upload", "--backend", "moto"], dataDir, credentials: false)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("backend 'moto': MOTO_ACCESS_KEY_ID is not set"), "\(missing.stderr)")
        let unknown = try await engine(["upload", "--backend", "elsewhere"], dataDir)
        #expect(unknown.stderr.contains("unknown backend 'elsewhere' (known: moto)"), "\(unknown.stderr)")

        // With the credentials, and a log at debug level: the secret is nowhere.
        let uploaded = try await Command.engineAsync(
            ["upload", "--backend", "moto", "--data-dir", dataDir.path],
            environment: moto.environment(prefix: "MOTO").merging(["LOG_LEVEL": "debug"]) { $1 })
        let listed = try await engine(["backend", "list", "--json"], dataDir)
        var everything = [missing, unknown, uploaded, listed].map { $0.stdout + $0.stderr }.joined()
        for name in try FileManager.default.contentsOfDirectory(atPath: dataDir.path) where name.hasPrefix("engine.sqlite") {
            everything += String(decoding: try Data(contentsOf: dataDir.file(name)), as: UTF8.self)
        }
        #expect(!everything.contains(MotoServer.secretAccessKey))
        #expect(everything.contains("credentials_set"), "the listing ran")
    }

    /// The default graph with `upload: {backend: NAME}` puts each stored file up as part of the run.
    @Test func aGraphFileNamingABackendUploadsWhatTheRunStores() async throws {
        let dataDir = try TemporaryDirectory("data")
        let bucket = try moto.makeBucket("graph")
        #expect(try await engine(
            ["backend", "add", "s3", "moto", "--bucket", bucket, "--endpoint", moto.endpoint, "--credential-env-prefix", "MOTO"], dataDir).status == 0)
        let graph = try dataDir.write("graph.yaml", "renditions: {audio: [aac-128k], video: []}\nupload: {backend: moto}\n")
        let run = try await engine(["run", "--json", "--graph", graph, Fixtures.media("audio-id3.mp3")], dataDir)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let summary = try #require(try parseJSON(run.stdout) as? [String: Any])
        #expect(summary["stored"] as? Int == 1 && summary["uploaded"] as? Int == 1, "\(summary)")
        #expect(try await keys(bucket).count == 3, "the original, its rendition and its peaks")
    }

    /// `engine upload` takes the multipart settings: a 6 MB file goes up in two parts of 5 MiB
    /// and the rest when the threshold is 5M (its ETag names the parts), in one piece otherwise.
    @Test func uploadTakesTheMultipartSettings() async throws {
        let dataDir = try TemporaryDirectory("data")
        let tone = dataDir.file("tone.wav").path
        let made = try Command.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=500:duration=36", "-ac", "2", tone])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try await engine(["run", "--no-renditions", "--no-processors", tone], dataDir).status == 0)
        func etag(threshold: String?) async throws -> String {
            let bucket = try moto.makeBucket("parts")
            let name = "m\(UUID().uuidString.prefix(6).lowercased())"
            #expect(try await engine(
                ["backend", "add", "s3", name, "--bucket", bucket, "--endpoint", moto.endpoint, "--credential-env-prefix", "MOTO"], dataDir).status == 0)
            let environment = moto.environment(prefix: "MOTO").merging(
                threshold.map { ["ENGINE_S3_MULTIPART_THRESHOLD": $0, "ENGINE_S3_PART_SIZE": "5M"] } ?? [:]) { $1 }
            let uploaded = try await Command.engineAsync(["upload", "--backend", name, "--data-dir", dataDir.path], environment: environment)
            #expect(uploaded.status == 0, "\(uploaded.stderr)")
            let key = try #require(try await keys(bucket).first)
            return try moto.boto3("print(s3.head_object(Bucket=sys.argv[1], Key=sys.argv[2])['ETag'])", [bucket, key])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try await etag(threshold: "5M").hasSuffix("-2\""), "two parts")
        #expect(try await !etag(threshold: nil).contains("-"), "one piece under the 16M default")
    }

    /// `download_upload`: catalog items not yet stored are downloaded, stored and uploaded.
    @Test func aDownloadUploadJobStoresAndUploads() async throws {
        let dataDir = try TemporaryDirectory("data")
        let bucket = try moto.makeBucket("chain")
        #expect(try await engine(
            ["backend", "add", "s3", "moto", "--bucket", bucket, "--endpoint", moto.endpoint, "--credential-env-prefix", "MOTO"], dataDir).status == 0)
        #expect(try await engine(["jobs", "submit", "collect_only", "--input", Fixtures.media("audio-pcm.wav")], dataDir).status == 0)
        #expect(try await engine(["worker", "--until-idle"], dataDir).status == 0)
        let submitted = try await engine(["jobs", "submit", "download_upload", "--backend", "moto"], dataDir)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let worked = try await engine(["worker", "--until-idle"], dataDir)
        #expect(worked.status == 0, "\(worked.stderr)")
        let items = try #require(try parseJSON(try await engine(["items", "--json"], dataDir).stdout) as? [[String: Any]])
        let locator = try #require(items.first?["locator"] as? String)
        #expect(try await keys(bucket) == [locator])
    }

    /// `backend clean` aborts the multipart uploads the store does not know. (moto dates every
    /// upload 2010-11-10, so `--min-age`, which spares one a running job has just begun, is not
    /// put to the test here.)
    @Test func cleanAbortsOnlyUploadsTheStoreDoesNotKnow() async throws {
        let (dataDir, bucket) = try await library(renditions: false)
        try moto.boto3("s3.create_multipart_upload(Bucket=sys.argv[1], Key='lib/stray.bin')", [bucket])
        // One the store knows: a multipart upload the engine began (a 100 MiB file cut by SIGKILL would do;
        // recording one in the store directly is the same fact).
        let known = try moto.boto3("print(s3.create_multipart_upload(Bucket=sys.argv[1], Key='lib/ours.bin')['UploadId'])", [bucket])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let store = try SQLiteJobStore(path: dataDir.file("engine.sqlite").path)
        let asset = try #require(try await store.libraryItems().first?.file?.assetID)
        let task = try await store.uploadTask(assetID: asset, backend: "moto", key: "lib/ours.bin", size: 1, lease: nil)
        try await store.setMultipartUpload(taskID: task.id, uploadID: known, partSize: 16 << 20, lease: nil)
        let cleaned = try await engine(["backend", "clean", "moto", "--min-age", "0"], dataDir)
        #expect(cleaned.stdout.contains("1 stale multipart upload(s) aborted, 1 kept"), "\(cleaned.stdout)\(cleaned.stderr)")
        let left = try moto.boto3("print(' '.join(u['Key'] for u in s3.list_multipart_uploads(Bucket=sys.argv[1]).get('Uploads', [])))", [bucket])
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "lib/ours.bin")
    }

    /// A bucket as the input: `s3://BACKEND/PREFIX` lists its media objects (not the others),
    /// fetches them through presigned URLs, and with `upload:` the renditions land in another
    /// bucket; a second run does nothing new, a new object is taken on the next.
    @Test func aBucketPrefixIsAnInputAndItsRenditionsGoToAnotherBucket() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inbox = try moto.makeBucket("inbox"), outbox = try moto.makeBucket("outbox")
        try moto.boto3(
            """
            s3.upload_file(sys.argv[2], sys.argv[1], 'incoming/one.wav')
            s3.upload_file(sys.argv[3], sys.argv[1], 'incoming/two.mp3')
            s3.put_object(Bucket=sys.argv[1], Key='incoming/notes.txt', Body=b'not media')
            """, [inbox, Fixtures.media("audio-pcm.wav"), Fixtures.media("audio-id3.mp3")])
        for (name, bucket) in [("in", inbox), ("out", outbox)] {
            #expect(try await engine(
                ["backend", "add", "s3", name, "--bucket", bucket, "--endpoint", moto.endpoint, "--credential-env-prefix", "MOTO"], dataDir).status == 0)
        }
        let graph = try dataDir.write("graph.yaml", "renditions: {audio: [aac-128k], video: []}\nupload: {backend: out}\n")
        func run() async throws -> [String: Any] {
            let result = try await engine(["run", "--json", "--graph", graph, "s3://in/incoming/"], dataDir)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            return try #require(try parseJSON(result.stdout) as? [String: Any])
        }
        let first = try await run()
        #expect(first["collected"] as? Int == 2 && first["stored"] as? Int == 2, "\(first)")
        let out = try keys(outbox)
        #expect(out.count == 6 && out.filter { $0.hasSuffix(".aac-128k.m4a") }.count == 2, "\(out)")
        #expect(out.filter { $0.hasSuffix(".peaks.dat") }.count == 2, "the peaks go where the renditions go: \(out)")
        let again = try await run()
        #expect(again["downloaded"] as? Int == 0 && again["uploaded"] as? Int == 0, "\(again)")
        try moto.boto3("s3.upload_file(sys.argv[2], sys.argv[1], 'incoming/three.ogg')", [inbox, Fixtures.media("audio-vorbis.ogg")])
        let third = try await run()
        #expect(third["stored"] as? Int == 1 && third["uploaded"] as? Int == 1, "\(third)")
    }
}
