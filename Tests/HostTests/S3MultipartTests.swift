import Foundation
import GRDB
import Testing
import TestSupport

/// A 100 MiB file goes up as a multipart upload; one cut by SIGKILL goes on where it was,
/// without sending the parts the store had recorded again (counted in moto's request log).
@Suite struct S3MultipartTests {
    let moto = MotoServer.shared

    @Test func aMultipartUploadKilledHalfwayResumesWithoutResendingFinishedParts() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inputs = try TemporaryDirectory("inputs")
        let file = inputs.file("big.wav").path
        try await offPool { try GeneratedMedia.wav(dataBytes: 100 << 20, to: file) }
        let environment = moto.environment(prefix: "MOTO")
        #expect(try await offPool { try Command.engine(["run", "--no-renditions", "--data-dir", dataDir.path, file]) }.status == 0)
        let bucket = try moto.makeBucket("multipart")
        #expect(try Command.engine(
            ["backend", "add", "s3", "moto", "--bucket", bucket, "--endpoint", moto.endpoint, "--credential-env-prefix", "MOTO",
             "--data-dir", dataDir.path]).status == 0)

        func partPuts() throws -> [String] {
            try moto.requests().filter { $0.contains("\"PUT /\(bucket)/") && $0.contains("partNumber=") && $0.contains("\" 200") }
        }
        // At 8 MiB/s the 100 MiB take over 12 s: the kill comes while parts are still going up,
        // once moto has answered two and the store has recorded one (a watcher of its own sends
        // it: the test's own polling may wait long on a busy machine).
        func recordedParts() throws -> [Int] {
            let queue = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
            return try queue.read { try Int.fetchAll($0, sql: "SELECT part_number FROM upload_parts ORDER BY part_number") }
        }
        let first = try EngineProcess(
            ["upload", "--backend", "moto", "--workers", "1", "--limit-rate", "8M", "--data-dir", dataDir.path], environment: environment)
        let watcher = try await offPool { try Command.run(
            "python3",
            [Fixtures.packageRoot.appendingPathComponent("scripts/signal-when.py").path, "--pid", String(first.process.processIdentifier),
             "--log", moto.log.path, "--pattern", "PUT /\(bucket)/.*partNumber=.*\" 200", "--count", "2",
             "--sql", dataDir.file("engine.sqlite").path, "SELECT 1 FROM upload_parts", "--signals", "KILL"]) }
        #expect(watcher.stdout.hasPrefix("SENT"), "\(watcher.stdout)\(first.errors)")
        _ = try await first.wait()
        let recorded = try recordedParts()
        #expect(recorded.count < 7, "the upload was done before the kill")

        let second = try await offPool {
            try Command.engine(["upload", "--backend", "moto", "--json", "--data-dir", dataDir.path], environment: environment)
        }
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect((try parseJSON(second.stdout) as? [String: Any])?["uploaded"] as? Int == 1, "\(second.stdout)")

        func number(_ line: String) -> Int? {
            line.range(of: "partNumber=").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
        }
        let puts = try partPuts()
        for part in recorded {
            #expect(puts.filter { number($0) == part }.count == 1, "part \(part) was recorded and sent again")
        }
        #expect(Set(puts.compactMap(number)) == Set(1...7), "100 MiB in 16 MiB parts")
        let back = try TemporaryDirectory("back")
        try await offPool { try moto.download(bucket: bucket, key: "local/Unknown Artist/big.wav", to: back.file("big.wav").path) }
        #expect(try Command.run("cmp", [file, back.file("big.wav").path]).status == 0, "the object is not the file")
        let type = try moto.boto3("print(s3.head_object(Bucket=sys.argv[1], Key=sys.argv[2])['ContentType'])", [bucket, "local/Unknown Artist/big.wav"])
        #expect(type.trimmingCharacters(in: .whitespacesAndNewlines) == "audio/wav")
        #expect(try moto.boto3("print(len(s3.list_multipart_uploads(Bucket=sys.argv[1]).get('Uploads', [])))", [bucket])
            .trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// A job cancel (Ctrl-C twice) gives the multipart upload up at the store: none is left.
    @Test func cancelingTheJobAbortsItsMultipartUpload() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inputs = try TemporaryDirectory("inputs")
        let file = inputs.file("big.wav").path
        try await offPool { try GeneratedMedia.wav(dataBytes: 48 << 20, to: file) }
        #expect(try await offPool { try Command.engine(["run", "--no-renditions", "--data-dir", dataDir.path, file]) }.status == 0)
        let bucket = try moto.makeBucket("cancel")
        #expect(try Command.engine(
            ["backend", "add", "s3", "moto", "--bucket", bucket, "--endpoint", moto.endpoint, "--credential-env-prefix", "MOTO",
             "--data-dir", dataDir.path]).status == 0)
        func uploads() throws -> String {
            try moto.boto3("print(len(s3.list_multipart_uploads(Bucket=sys.argv[1]).get('Uploads', [])))", [bucket])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // At 4 MiB/s the 48 MiB take 12 s: the cut comes while parts are still going up.
        let upload = try EngineProcess(
            ["upload", "--backend", "moto", "--workers", "1", "--limit-rate", "4M", "--data-dir", dataDir.path],
            environment: moto.environment(prefix: "MOTO"))
        // Once pauses (the upload in flight would finish), twice cancels: at once, after the
        // first part (sent by a watcher of its own, as above).
        let watcher = try await offPool { try Command.run(
            "python3",
            [Fixtures.packageRoot.appendingPathComponent("scripts/signal-when.py").path, "--pid", String(upload.process.processIdentifier),
             "--log", moto.log.path, "--pattern", "PUT /\(bucket)/.*partNumber=", "--signals", "INT,INT"]) }
        #expect(watcher.stdout.hasPrefix("SENT"), "\(watcher.stdout)\(upload.errors)")
        #expect(try await upload.wait() == 130, "\(upload.errors)")
        let object = try moto.boto3(
            "print(len(s3.list_objects_v2(Bucket=sys.argv[1]).get('Contents', [])))", [bucket]).trimmingCharacters(in: .whitespacesAndNewlines)
        let log = try moto.requests().filter { $0.contains("/\(bucket)") }.joined(separator: "\n")
        #expect(object == "0", "the upload was not cut: it completed: \(log)")
        #expect(try uploads() == "0", "the canceled job left its multipart upload: \(upload.errors)")
    }
}
