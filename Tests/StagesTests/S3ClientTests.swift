import Foundation
import Stages
import Testing
import TestSupport

/// The S3 client against a real S3-protocol server (moto on loopback); what it stores is read
/// back through boto3, the reference client.
@Suite struct S3ClientTests {
    let moto = MotoServer.shared

    func client(bucket: String, prefix: String = "") throws -> S3Client {
        try S3Client(
            name: "moto",
            config: S3BackendConfig(bucket: bucket, endpoint: moto.endpoint, region: "us-east-1", basePrefix: prefix, credentialEnvPrefix: "MOTO"),
            credentials: S3Credentials(accessKeyID: MotoServer.accessKeyID, secretAccessKey: MotoServer.secretAccessKey))
    }

    func sha256(_ path: String) throws -> String {
        String(try Command.run("sha256sum", [path]).stdout.prefix(64))
    }

    @Test func anObjectGoesUpAndComesBackByteForByte() async throws {
        let bucket = try moto.makeBucket()
        let s3 = try client(bucket: bucket)
        let key = "local/Some Artist/été #1 + more.mp3"
        let source = Fixtures.media("audio-id3.mp3")
        let etag = try await s3.putObject(key, file: source)
        let back = try TemporaryDirectory("s3")
        try moto.download(bucket: bucket, key: key, to: back.file("boto3").path)
        #expect(try sha256(back.file("boto3").path) == sha256(source))
        try await s3.getObject(key, to: back.file("ours").path)
        #expect(try sha256(back.file("ours").path) == sha256(source))

        let info = try #require(try await s3.headObject(key))
        #expect(info.etag == etag)
        #expect(info.size == Int64(try Data(contentsOf: URL(fileURLWithPath: source)).count))
        #expect(try await s3.headObject("nothing/here") == nil)
    }

    @Test func listingPagesThroughEveryObjectUnderAPrefix() async throws {
        let bucket = try moto.makeBucket()
        let s3 = try client(bucket: bucket)
        let source = Fixtures.media("audio-pcm.wav")
        for index in 0..<5 { try await s3.putObject("in/\(index).wav", file: source) }
        try await s3.putObject("out/elsewhere.wav", file: source)
        let listed = try await s3.listObjects(prefix: "in/", pageSize: 2)
        #expect(listed.map(\.key) == (0..<5).map { "in/\($0).wav" })
    }

    @Test func aMultipartUploadIsAssembledFromItsParts() async throws {
        let bucket = try moto.makeBucket()
        let s3 = try client(bucket: bucket)
        let dir = try TemporaryDirectory("s3")
        let file = dir.file("big.bin").path
        let partSize: Int64 = 5 << 20
        try await offPool { try GeneratedMedia.appendRandomBytes(Int(partSize * 2 + 12345), to: file) }
        let key = "big/file.bin"
        let upload = try await s3.createMultipartUpload(key)
        var parts: [S3Client.Part] = []
        for (index, offset) in stride(from: Int64(0), to: partSize * 2 + 12345, by: Int(partSize)).enumerated() {
            parts.append(try await s3.uploadPart(key, uploadID: upload, number: index + 1, file: file, offset: offset, length: min(partSize, partSize * 2 + 12345 - offset)))
        }
        let listed = try #require(try await s3.listParts(key, uploadID: upload))
        #expect(listed.map(\.number) == [1, 2, 3])
        #expect(listed.map(\.etag) == parts.map(\.etag))
        #expect(try await s3.listMultipartUploads(prefix: "big/").map(\.uploadID) == [upload])
        try await s3.completeMultipartUpload(key, uploadID: upload, parts: parts)
        try moto.download(bucket: bucket, key: key, to: dir.file("back").path)
        #expect(try sha256(dir.file("back").path) == sha256(file))
        #expect(try await s3.listMultipartUploads(prefix: "big/").isEmpty)
    }

    /// moto checks neither signatures nor expiry: the URL is fetched with curl, and is the
    /// very URL botocore's presigner makes for the same second and expiry (which AWS enforces).
    @Test func aPresignedURLWorksWithCurlAndIsTheOneBotocoreMakes() async throws {
        let bucket = try moto.makeBucket()
        let source = Fixtures.media("audio-aac.m4a")
        let at = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
        let s3 = try S3Client(
            name: "moto",
            config: S3BackendConfig(bucket: bucket, endpoint: moto.endpoint, region: "us-east-1", credentialEnvPrefix: "MOTO"),
            credentials: S3Credentials(accessKeyID: MotoServer.accessKeyID, secretAccessKey: MotoServer.secretAccessKey), now: { at })
        let key = "shared/my song (live).m4a"
        try await s3.putObject(key, file: source)
        let url = s3.presignedURL(key, expires: 300)
        let dir = try TemporaryDirectory("s3")
        let fetched = try Command.run("curl", ["-sS", "-f", "-o", dir.file("got").path, url])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(try sha256(dir.file("got").path) == sha256(source))

        let stamp = ISO8601DateFormatter().string(from: at)
        let botocore = try moto.boto3(
            """
            import datetime
            from unittest import mock
            from botocore.config import Config
            s3 = boto3.client("s3", endpoint_url=sys.argv[4], region_name="us-east-1", aws_access_key_id=sys.argv[5],
                aws_secret_access_key=sys.argv[6], config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
            when = datetime.datetime.strptime(sys.argv[3], "%Y-%m-%dT%H:%M:%SZ")
            with mock.patch("botocore.auth.get_current_datetime", return_value=when):
                print(s3.generate_presigned_url("get_object", Params={"Bucket": sys.argv[1], "Key": sys.argv[2]}, ExpiresIn=300))
            """, [bucket, key, stamp, moto.endpoint, MotoServer.accessKeyID, MotoServer.secretAccessKey])
        func parts(_ url: String) -> (String, Set<String>) {
            let split = url.split(separator: "?", maxSplits: 1).map(String.init)
            return (split[0], Set(split[1].split(separator: "&").map(String.init)))
        }
        let (ourPath, ourQuery) = parts(url), (theirPath, theirQuery) = parts(botocore.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(ourPath == theirPath)
        #expect(ourQuery == theirQuery, "\(ourQuery.symmetricDifference(theirQuery))")
    }

    @Test func anErrorNamesTheBackendTheKeyAndS3sCode() async throws {
        let s3 = try client(bucket: "no-such-bucket-\(UUID().uuidString.lowercased().prefix(8))")
        await #expect {
            try await s3.putObject("a/b.mp3", file: Fixtures.media("audio-id3.mp3"))
        } throws: { error in
            "\(error)".hasPrefix("backend 'moto': put a/b.mp3: HTTP 404 NoSuchBucket") && !"\(error)".contains(MotoServer.secretAccessKey)
        }
    }

    @Test func aMissingObjectIsAnErrorWithS3sCodeAndLeavesNoFile() async throws {
        let bucket = try moto.makeBucket()
        let s3 = try client(bucket: bucket)
        let dir = try TemporaryDirectory("s3")
        await #expect {
            try await s3.getObject("not/there.mp3", to: dir.file("got").path)
        } throws: { error in
            "\(error)".contains("HTTP 404 NoSuchKey")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("got").path), "the error document was kept as the object")
    }

    /// S3 takes at most 10,000 parts: a file too large for the part size gets larger parts.
    @Test func partsGrowSoThatAnyFileFitsInTenThousand() {
        let uploader = S3Uploader()
        #expect(uploader.partSize(for: 100 << 20) == 16 << 20)
        for size: Int64 in [200 << 30, 5 << 40, (156 << 30) + 1] {
            let part = uploader.partSize(for: size)
            #expect((size + part - 1) / part <= 10_000, "\(size) bytes in parts of \(part)")
            #expect(part % (1 << 20) == 0)
        }
    }
}
