public import Foundation

/// The fault server with one fixture to serve, whose `/hold/` downloads wait while the gate
/// file `<root>/hold` exists: the job cannot finish before the test opens it, however late the
/// test's own polling wakes on a busy machine.
public final class HeldServer: Sendable {
    public let root: TemporaryDirectory
    public let server: FaultServer
    public let fixture: String

    public init(_ fixture: String = "audio-id3.mp3") throws {
        root = try TemporaryDirectory("served")
        try FileManager.default.copyItem(atPath: Fixtures.media(fixture), toPath: root.file(fixture).path)
        try root.write("hold", "")
        server = try FaultServer(root: root.url)
        self.fixture = fixture
    }

    /// A plain list of `count` held URLs (distinct items of the same bytes) in `lists`.
    public func playlist(_ count: Int, in lists: TemporaryDirectory) throws -> String {
        try lists.write("held.txt", (0..<count).map { server.url("/hold/\(fixture)?copy=\($0)") }.joined(separator: "\n") + "\n")
    }

    /// Opens the gate: the held downloads are served.
    public func release() throws {
        try FileManager.default.removeItem(at: root.file("hold"))
    }
}
