public import Foundation

/// scripts/catalog-server.py on a loopback port: podcast feeds (paged, conditional) and paged
/// JSON catalogs (well-behaved, repeating, failing on page 3), media under `/media/`. Stopped
/// on deinit.
public final class CatalogServer: @unchecked Sendable {  // immutable after init; Process is thread-safe to terminate
    public let port: Int
    private let process: Process
    /// The folder `/media/` serves: `tone.mp3`, a short real MP3, and `notmedia.wav`, an HTML page.
    public let root: TemporaryDirectory

    /// The request log (one JSON line per request, `requests(_:)` reads it).
    public let log: URL
    private let logs: TemporaryDirectory

    public init(arguments: [String] = []) throws {
        root = try TemporaryDirectory("catalog-media")
        logs = try TemporaryDirectory("catalog-log")
        log = logs.file("requests.jsonl")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Fixtures.media("audio-id3.mp3")), to: root.file("tone.mp3"))
        try root.write("notmedia.wav", "<html><body>Not found, but said with a 200</body></html>\n")
        let (process, port) = try LoopbackServer.launch("catalog-server.py", ["--root", root.path, "--log", log.path] + arguments)
        self.port = port
        self.process = process
    }

    /// A server and its request log.
    public static func start(arguments: [String] = []) throws -> (CatalogServer, URL) {
        let server = try CatalogServer(arguments: arguments)
        return (server, server.log)
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    public struct Request: Decodable, Sendable {
        public var path: String
        public var query: String
        public var host: String?
        public var status: Int
        public var apiKey: String?
        public var ifNoneMatch: String?
        public var ifModifiedSince: String?

        enum CodingKeys: String, CodingKey {
            case path, query, host, status
            case apiKey = "api_key"
            case ifNoneMatch = "if_none_match"
            case ifModifiedSince = "if_modified_since"
        }
    }

    /// The requests the server logged, in order.
    public static func requests(_ log: URL) throws -> [Request] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
