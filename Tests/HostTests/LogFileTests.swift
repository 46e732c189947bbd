import Foundation
import Testing
import TestSupport

/// Each run appends JSON lines to the profile's `logs/engine.log`, rotated past `log_max_size`.
@Suite struct LogFileTests {
    func lines(_ path: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func runsAppendJSONLinesAndTheLogIsRotatedBySize() async throws {
        let dataDir = try TemporaryDirectory("data")
        let log = dataDir.file("logs/engine.log").path
        let started = Date()
        for input in [Fixtures.media("audio-pcm.wav"), Fixtures.bad("not-audio.mp3")] {
            _ = try await Command.engineAsync(["run", "--no-renditions", "--data-dir", dataDir.path, input])
        }
        let first = lines(log)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(first.count == text.split(separator: "\n").count, "every line is one JSON object")
        #expect(first.filter { $0["message"] as? String == "job ended" }.count == 2, "both runs, appended")
        // When: UTC with milliseconds, ISO 8601, at the time it was written.
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for line in first {
            let time = try #require(line["time"] as? String)
            #expect(time.count == 24 && time.hasSuffix("Z"), "\(time)")
            let date = try format.parse(time)
            #expect(date >= started.addingTimeInterval(-0.01) && date <= Date(), "\(time)")
        }
        #expect(first.contains { $0["message"] as? String == "item stored" && $0["level"] as? String == "info" })
        #expect(first.contains { $0["message"] as? String == "item failed" && (($0["metadata"] as? [String: Any])?["error"] as? String)?.contains("not-audio.mp3") == true })

        // A small limit: the next runs rotate it, keeping three old files.
        for _ in 0..<6 {
            _ = try await Command.engineAsync(["run", "--no-renditions", "--data-dir", dataDir.path, Fixtures.bad("not-audio.mp3")], environment: ["ENGINE_LOG_MAX_SIZE": "1K"])
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dataDir.file("logs").path).sorted()
        #expect(names == ["engine.log", "engine.log.1", "engine.log.2", "engine.log.3"], "\(names)")
        for name in names {
            let size = try FileManager.default.attributesOfItem(atPath: dataDir.file("logs/\(name)").path)[.size] as! NSNumber
            #expect(size.intValue <= 1024 || lines(dataDir.file("logs/\(name)").path).count == 1, "\(name): \(size)")
        }
    }
}
