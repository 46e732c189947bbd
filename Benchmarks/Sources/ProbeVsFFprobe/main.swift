import Foundation
import Stages

// Probes every good fixture (and the files named after ROUNDS) ROUNDS times in-process, then
// does the same probes by starting ffprobe once per file (`ffprobe -v error -show_format
// -show_streams -of json FILE`), one at a time on both sides, and prints both figures and the
// ratio. Both sides produce the JSON. Then each file's in-process probe with the demuxer its
// name gives against libav guessing (what plain ffprobe does).
//   ProbeVsFFprobe [ROUNDS=20] [FILE...]
let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20
let media = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/media")
let files = try FileManager.default.contentsOfDirectory(atPath: media.path).sorted()
    .map { media.appendingPathComponent($0).path } + CommandLine.arguments.dropFirst(2)
let ffprobe = ["/usr/bin/ffprobe", "/usr/local/bin/ffprobe"].first { FileManager.default.isExecutableFile(atPath: $0) }
guard let ffprobe else {
    print("ffprobe not found: run ./scripts/setup.sh")
    exit(3)
}

func inProcess(_ prober: MediaProber = MediaProber()) throws -> Int {
    var bytes = 0
    for file in files {
        bytes += try prober.probe(file).ffprobeJSON.serialized().utf8.count
    }
    return bytes
}

func processPerFile() throws {
    for file in files {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffprobe)
        process.arguments = ["-v", "error", "-show_format", "-show_streams", "-of", "json", file]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown) }
    }
}

func measure(_ body: () throws -> Void) rethrows -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<rounds { try body() }
    return clock.now - start
}

_ = try inProcess()  // warm up: page cache, libav's lazy tables
try processPerFile()
let engineTime = try measure { _ = try inProcess() }
let ffprobeTime = try measure { try processPerFile() }

let probes = Double(rounds * files.count)
func perProbe(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 / probes + Double(d.components.attoseconds) / 1e15 / probes }
print("probe: \(files.count) fixtures x \(rounds) rounds = \(Int(probes)) probes, sequential")
print(String(format: "  engine (in-process libav): %8.3f ms/probe  %8.0f probes/s", perProbe(engineTime), 1e3 / perProbe(engineTime)))
print(String(format: "  ffprobe (process per file): %7.3f ms/probe  %8.0f probes/s", perProbe(ffprobeTime), 1e3 / perProbe(ffprobeTime)))
print(String(format: "  ratio: engine is %.1fx faster than ffprobe", perProbe(ffprobeTime) / perProbe(engineTime)))

print("per file, in-process, best of \(rounds): the demuxer named from the file vs libav guessing")
for file in files {
    func best(_ prober: MediaProber) throws -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = clock.now
            _ = try prober.probe(file).ffprobeJSON.serialized()
            let d = clock.now - start
            best = min(best, Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12)
        }
        return best
    }
    let named = try best(MediaProber()), guessed = try best(MediaProber(namesDemuxer: false))
    let name = (file as NSString).lastPathComponent.padding(toLength: 28, withPad: " ", startingAt: 0)
    print(name + String(format: " %7.0f µs named  %7.0f µs guessed  (%.1fx)", named, guessed, guessed / named))
}
