import Foundation
import Stages

/// The live progress line on a terminal (stderr), redrawn a few times a second; nothing at
/// all when stderr is not a terminal.
final class ProgressLine: Sendable {
    private let task: Task<Void, Never>

    private init(task: Task<Void, Never>) {
        self.task = task
    }

    static func startIfTerminal(observer: IngestObserver) -> ProgressLine? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task {
            while !Task.isCancelled {
                draw(observer.snapshot, elapsed: Format.seconds(clock.now - start))
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        return ProgressLine(task: task)
    }

    func stop() async {
        task.cancel()
        await task.value
        Terminal.clearProgress()
    }

    private static func draw(_ tally: IngestTally, elapsed: Double) {
        let stages = ["catalog", "resolve", "download", "probe", "store", "transcode"]
            .map { "\($0) \(max(0, tally.active[$0] ?? 0))" }.joined(separator: " · ")
        let rate = elapsed > 0 ? Int64(Double(tally.downloadedBytes) / elapsed) : 0
        let line = "collected \(tally.collected) · \(stages) · stored \(tally.stored) · skipped \(tally.skipped)"
            + " · failed \(tally.failedCount) · \(Format.bytes(tally.downloadedBytes)) (\(Format.bytes(rate))/s)"
        Terminal.drawProgress([String(line.prefix(Terminal.width - 1))])
    }
}
