public import Foundation

/// scripts/fault-http-server.py on a loopback port: a real HTTP server whose routes inject
/// faults (`/status/404`, `/slow/x`, `/drop/x`). Stopped on deinit.
public final class FaultServer: @unchecked Sendable {  // immutable after init; Process is thread-safe to terminate
    public let port: Int
    public let host: String
    private let process: Process

    /// `log`: a file the server appends one JSON line per request to (path, range, if_range,
    /// status, body_bytes). `dropAfter`: how many body bytes `/ranged-drop/` sends before it cuts.
    /// `host`: the address it listens on (a test network's; loopback by default).
    /// `barrierSeconds`: how long `/barrier/<n>/` waits for n requests open at once before a 503.
    public init(
        root: URL, slowSeconds: Double = 30, log: URL? = nil, dropAfter: Int? = nil, host: String = "127.0.0.1", barrierSeconds: Double = 20
    ) throws {
        self.host = host
        let (process, port) = try LoopbackServer.launch(
            "fault-http-server.py",
            ["--root", root.path, "--slow-seconds", String(slowSeconds), "--host", host, "--barrier-seconds", String(barrierSeconds)] + (log.map { ["--log", $0.path] } ?? [])
                + (dropAfter.map { ["--drop-after", String($0)] } ?? []))
        self.port = port
        self.process = process
    }

    public func url(_ path: String) -> String { "http://\(host):\(port)\(path)" }

    deinit {
        // SIGKILL: a test runner may start children with SIGTERM ignored.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
