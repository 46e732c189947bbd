import Engine
import Foundation
import Stages

/// What a progress display shows at one moment: the job's items, and its downloads in flight.
struct ProgressFrame {
    struct Transfer {
        var key: String
        var title: String
        var bytes: Int64
        var expected: Int64?
    }

    var done = 0
    var total = 0
    var failed = 0
    var retrying = 0
    /// Every byte received so far (finished transfers included), when the display runs in the
    /// runner's own process; nil when it only sees running items (`jobs show --follow`).
    var receivedBytes: Int64?
    var transfers: [Transfer] = []
}

/// Turns frames into the lines of a live display that fits the terminal, in the manner of
/// rclone and yt-dlp: a bar with done/total, bytes/s and ETA, then the files in flight with
/// their %, and speed. Speeds are moving windows over the last few seconds of samples.
struct ProgressMeter {
    private var totals: [(time: Double, bytes: Int64)] = []
    private var items: [(time: Double, done: Int)] = []
    private var perTransfer: [String: [(time: Double, bytes: Int64)]] = [:]
    static let window = 5.0

    /// The display's lines for `frame` sampled at `time` (seconds), each at most `width - 1`
    /// columns (the last column left free: a full line would wrap on some terminals).
    mutating func lines(_ frame: ProgressFrame, at time: Double, width: Int, maxTransfers: Int) -> [String] {
        var speeds: [String: Double] = [:]
        var next: [String: [(time: Double, bytes: Int64)]] = [:]
        for transfer in frame.transfers {
            let samples = Self.keep(perTransfer[transfer.key, default: []] + [(time, transfer.bytes)], now: time)
            next[transfer.key] = samples
            speeds[transfer.key] = Self.rate(samples)
        }
        perTransfer = next
        let speed: Double
        if let received = frame.receivedBytes {
            totals = Self.keep(totals + [(time, received)], now: time)
            speed = Self.rate(totals)
        } else {
            speed = speeds.values.reduce(0, +)
        }
        items = Array(items.filter { time - $0.time <= 4 * Self.window } + [(time, frame.done)])
        let itemRate = items.count > 1 ? Double(frame.done - items[0].done) / max(time - items[0].time, 0.001) : 0
        let eta = itemRate > 0 ? Double(frame.total - frame.done) / itemRate : nil

        let columns = max(width - 1, 20)
        var facts = ["\(frame.done)/\(frame.total)", "\(Format.bytes(Int64(speed)))/s", "ETA \(Format.duration(eta))"]
        if frame.failed > 0 { facts.append("\(frame.failed) failed") }
        if frame.retrying > 0 { facts.append("\(frame.retrying) to retry") }
        var head = facts.joined(separator: " · ")
        let barWidth = min(30, columns - head.count - 3)
        if barWidth >= 10 {
            let filled = frame.total > 0 ? Int(Double(barWidth) * Double(frame.done) / Double(frame.total)) : 0
            head = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "] " + head
        }
        var lines = [Self.fit(head, columns)]
        for transfer in frame.transfers.sorted(by: { $0.key < $1.key }).prefix(maxTransfers) {
            let amount = transfer.expected.map { $0 > 0 ? String(format: "%3d%%", Int(100 * Double(transfer.bytes) / Double($0))) : "  0%" }
                ?? Format.bytes(transfer.bytes)
            let figures = "  \(amount) \(Format.bytes(Int64(speeds[transfer.key] ?? 0)))/s  "
            lines.append(Self.fit(figures + transfer.title, columns))
        }
        if frame.transfers.count > maxTransfers { lines.append(Self.fit("  … and \(frame.transfers.count - maxTransfers) more", columns)) }
        return lines
    }

    private static func keep(_ samples: [(time: Double, bytes: Int64)], now: Double) -> [(time: Double, bytes: Int64)] {
        Array(samples.drop { now - $0.time > window })
    }

    private static func rate(_ samples: [(time: Double, bytes: Int64)]) -> Double {
        guard let first = samples.first, let last = samples.last, last.time > first.time else { return 0 }
        return max(0, Double(last.bytes - first.bytes) / (last.time - first.time))
    }

    /// `text` cut to `columns` characters (an ellipsis marks the cut); control characters of a
    /// title become spaces, so nothing can move the cursor.
    static func fit(_ text: String, _ columns: Int) -> String {
        let clean = String(text.map { $0.isNewline || $0.asciiValue.map { $0 < 32 || $0 == 127 } == true ? " " : $0 })
        return clean.count <= columns ? clean : String(clean.prefix(columns - 1)) + "…"
    }
}

/// A live display on stderr while it is a terminal (nothing otherwise), redrawn in place a few
/// times a second from `sample`.
final class ProgressDisplay: Sendable {
    private let task: Task<Void, Never>

    private init(task: Task<Void, Never>) {
        self.task = task
    }

    static func startIfTerminal(every interval: Duration = .milliseconds(250), _ sample: @escaping @Sendable () async -> ProgressFrame?)
        -> ProgressDisplay?
    {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let task = Task {
            var meter = ProgressMeter()
            let clock = ContinuousClock()
            let start = clock.now
            while !Task.isCancelled {
                if let frame = await sample() {
                    let size = Terminal.size
                    Terminal.drawProgress(
                        meter.lines(frame, at: Format.seconds(clock.now - start), width: size.columns, maxTransfers: max(1, min(8, size.rows - 4))))
                }
                try? await Task.sleep(for: interval)
            }
        }
        return ProgressDisplay(task: task)
    }

    func stop() async {
        task.cancel()
        await task.value
        Terminal.clearProgress()
    }

    /// The frame of a job as the store has it, with the transfers of this process when it runs them.
    static func frame(_ store: any JobQueue, jobID: Int64, local: Bool) async -> ProgressFrame? {
        guard let counters = try? await store.counters(jobID: jobID) else { return nil }
        var frame = ProgressFrame()
        frame.total = counters.total
        frame.done = counters[.succeeded] + counters[.failed] + counters[.skipped] + counters[.canceled]
        frame.failed = counters[.failed]
        frame.retrying = counters.waitingToRetry
        if local {
            let (transfers, received) = TransferRegistry.shared.snapshot()
            frame.receivedBytes = received
            frame.transfers = transfers.map { transfer in
                let now = transfer.current
                return .init(key: "\(ObjectIdentifier(transfer).hashValue)", title: transfer.title, bytes: now.bytes, expected: now.expected)
            }
        } else {
            frame.transfers = ((try? await store.runningItems(jobID: jobID, limit: 50)) ?? []).compactMap { item in
                guard item.step == "download" else { return nil }
                return .init(key: item.itemKey, title: item.title, bytes: item.bytes ?? 0, expected: item.bytesExpected)
            }
        }
        return frame
    }
}
