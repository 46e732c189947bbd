import Engine
import Foundation
import Testing
import TestSupport

/// The live display of `engine run` on a real pseudo-terminal of 80 columns, read back through
/// a small terminal model: it fits the width, redraws in place, shows the files in flight with
/// their %, and leaves nothing stale behind it; log lines stand on their own lines.
@Suite struct ProgressTests {
    /// A WAV of `bytes` (any bytes are valid PCM after its header).
    func wav(_ bytes: Int, at url: URL) throws {
        var header = Data("RIFF".utf8)
        func le32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { header.append(contentsOf: $0) } }
        func le16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { header.append(contentsOf: $0) } }
        le32(36 + bytes)
        header.append(contentsOf: Array("WAVEfmt ".utf8))
        le32(16); le16(1); le16(2); le32(48_000); le32(192_000); le16(4); le16(16)
        header.append(contentsOf: Array("data".utf8))
        le32(bytes)
        try (header + Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })).write(to: url)
    }

    @Test func theDisplayFitsTheTerminalRedrawsInPlaceAndLeavesNoStaleLines() async throws {
        let root = try TemporaryDirectory("served")
        try wav(1 << 20, at: root.file("long.wav"))
        let server = try FaultServer(root: root.url)
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let titles = (1...4).map { "A title long enough to need cutting on an eighty column terminal, number \($0)" }
        let list = try lists.write(
            "list.m3u", "#EXTM3U\n" + titles.map { "#EXTINF:5,Band - \($0)\n\(server.url("/files/long.wav?n=\($0.suffix(1))"))\n" }.joined())

        let terminal = try PseudoTerminal()
        terminal.setSize(columns: 80, rows: 24)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.engineBinary)
        process.arguments = ["run", "--no-renditions", "--limit-rate", "1M", "--workers", "2", "--data-dir", dataDir.path, "--input", list]
        process.environment = ProcessInfo.processInfo.environment.merging(["LOG_LEVEL": "info"]) { $1 }
        process.standardError = FileHandle(fileDescriptor: terminal.subordinateDescriptor, closeOnDealloc: false)
        process.standardOutput = FileHandle(fileDescriptor: terminal.subordinateDescriptor, closeOnDealloc: false)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        terminal.closeSubordinate()
        let output = try await withDeadline("the run ends", timeout: .seconds(120)) {
            try await BlockingIO.run { terminal.readAll() }
        }
        process.waitUntilExit()
        terminal.close()
        #expect(process.terminationStatus == 0)
        let text = String(decoding: output, as: UTF8.self)

        // It was drawn: the bar and the files in flight with their share and speed.
        #expect(text.contains("ETA") && text.contains("/4 ·"), "no progress was drawn")
        #expect(text.range(of: #"\s[0-9]{1,3}% [0-9.]+ (bytes|KiB|MiB)/s  A title"#, options: .regularExpression) != nil, "no file in flight")
        // Every line of the display fits in 79 columns (log lines and the summary may wrap: the
        // terminal does that, and they are written once).
        let drawn = text.components(separatedBy: CharacterSet(charactersIn: "\r\n\u{1B}")).filter {
            $0.contains(" · ETA ") || $0.range(of: #"^ +[0-9]{1,3}% "#, options: .regularExpression) != nil
        }
        #expect(!drawn.isEmpty)
        #expect(drawn.allSatisfy { $0.dropFirst($0.hasPrefix("[K") ? 2 : 0).count <= 79 }, "\(drawn.filter { $0.count > 81 })")
        // What is left on screen: the job line, the log lines (each from its first column), the
        // summary; no stale line of the display.
        let lines = VirtualScreen(columns: 80, output: text).lines
        #expect(!lines.contains { $0.contains(" · ETA ") || $0.range(of: #"^ +[0-9]{1,3}% "#, options: .regularExpression) != nil }, "\(lines)")
        let logStarts = lines.filter { $0.contains("info stages.ingest") }
        #expect(logStarts.count == 4, "\(lines)")
        #expect(logStarts.allSatisfy { $0.hasPrefix("20") }, "a log line glued onto another: \(logStarts)")
        #expect(lines.first == "engine: job 1")
        #expect(lines.contains { $0.hasPrefix("job 1 done in") })
    }
}
