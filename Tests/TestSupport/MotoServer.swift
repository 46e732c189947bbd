public import Foundation

/// moto's S3 server (scripts/moto-server.py) on a loopback port: one per test process,
/// started on first use, stopped with the process (the script exits when its parent does).
/// Buckets and objects are made and read back through boto3, the reference client.
public final class MotoServer: Sendable {
    public let port: Int
    /// Every request moto served, one access-log line each (`"PUT /bucket/key?partNumber=2&… HTTP/1.1" 200 -`).
    public let log: URL
    public static let accessKeyID = "AKIAMOTOTESTKEY00001"
    public static let secretAccessKey = "moto-secret-\(UUID().uuidString)"

    public static let shared: MotoServer = {
        do { return try MotoServer() } catch { fatalError("moto_server did not start: \(error)") }
    }()

    private init() throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(UUID().uuidString).log")
        port = try LoopbackServer.launch("moto-server.py", ["--log", log.path]).port
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The environment a backend with credential prefix `prefix` reads its secrets from.
    public func environment(prefix: String) -> [String: String] {
        ["\(prefix)_ACCESS_KEY_ID": Self.accessKeyID, "\(prefix)_SECRET_ACCESS_KEY": Self.secretAccessKey]
    }

    /// A new bucket with a unique name.
    public func makeBucket(_ label: String = "test") throws -> String {
        let name = "\(label)-\(UUID().uuidString.lowercased().prefix(12))"
        try boto3("s3.create_bucket(Bucket=sys.argv[1])", [name])
        return name
    }

    /// Runs `statement` with `s3` a boto3 client of this server (and `sys.argv[1...]` = `arguments`); its stdout.
    @discardableResult
    public func boto3(_ statement: String, _ arguments: [String]) throws -> String {
        let script = """
            import sys, boto3
            s3 = boto3.client("s3", endpoint_url="\(endpoint)", region_name="us-east-1",
                aws_access_key_id="\(Self.accessKeyID)", aws_secret_access_key="\(Self.secretAccessKey)")
            \(statement)
            """
        let result = try Command.run("python3", ["-c", script] + arguments)
        guard result.status == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "boto3: \(result.stderr)"])
        }
        return result.stdout
    }

    /// Downloads an object with boto3 into `path`.
    public func download(bucket: String, key: String, to path: String) throws {
        try boto3("s3.download_file(sys.argv[1], sys.argv[2], sys.argv[3])", [bucket, key, path])
    }

    /// The access-log lines so far.
    public func requests() throws -> [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
