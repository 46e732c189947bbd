import Foundation
import Stages

// In-process transcoding against the ffmpeg command line doing the same work with the same
// encoder settings, in the same run:
//   1. one 10 s 720p H.264+AAC file to h264-720p (libx264 veryfast, CRF 23, AAC 128k, 2 threads)
//   2. 200 one-second clips to aac-128k and to thumbnail, 2 at a time on both sides
//   3. peak memory (max RSS) transcoding the 720p file: `engine transcode` vs ffmpeg
//   4. the 720p file to two renditions (h264-720p and a 480p one) from one decode, against two
//      ffmpeg runs and against one ffmpeg command with both outputs
// Usage: TranscodeVsFFmpeg ENGINE_BINARY [CLIPS=200] [ROUNDS=3] [all|renditions]

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: TranscodeVsFFmpeg ENGINE_BINARY [CLIPS] [ROUNDS]")
    exit(2)
}
let engineBinary = arguments[1]
let clipCount = arguments.count > 2 ? Int(arguments[2]) ?? 200 : 200
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
let onlyRenditions = arguments.count > 4 && arguments[4] == "renditions"
let parallelism = 2
let work = FileManager.default.temporaryDirectory.appendingPathComponent("transcode-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }

@discardableResult
func run(_ executable: String, _ args: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

let ffmpeg = "/usr/bin/ffmpeg"
func ffmpegRun(_ args: [String]) throws {
    guard try run(ffmpeg, ["-hide_banner", "-nostdin", "-y", "-v", "error"] + args) == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "ffmpeg failed: \(args)"])
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func best(_ body: () async throws -> Void) async rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<rounds {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        times.append(seconds(clock.now - start))
    }
    return times.min()!
}

// Inputs.
let source720 = work.appendingPathComponent("source-720p.mp4").path
try ffmpegRun([
    "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=10", "-f", "lavfi", "-i", "sine=frequency=440:duration=10",
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k", "-ac", "2",
    "-shortest", source720,
])
let clipsFolder = work.appendingPathComponent("clips")
try FileManager.default.createDirectory(at: clipsFolder, withIntermediateDirectories: true)
let firstClip = clipsFolder.appendingPathComponent("clip-0.mp4").path
try ffmpegRun([
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-f", "lavfi", "-i", "sine=frequency=330:duration=1",
    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-shortest", firstClip,
])
let clips = (0..<clipCount).map { clipsFolder.appendingPathComponent("clip-\($0).mp4").path }
for clip in clips.dropFirst() { try FileManager.default.copyItem(atPath: firstClip, toPath: clip) }
let out = work.appendingPathComponent("out")
try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)

var profile720 = try TranscodeProfile.named("h264-720p")
profile720.threads = 2
let transcoder = Transcoder()

// 4. Two renditions of the 720p file from one decode.
var profile480 = profile720
profile480.name = "h264-480p"
(profile480.maxWidth, profile480.maxHeight) = (854, 480)
let encode = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-threads", "2", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart"]
func rendition(_ name: String) -> String { out.appendingPathComponent(name).path }
let engineTwo = try await best {
    try await transcoder.transcode(
        input: source720, outputs: [.init(path: rendition("e-720.mp4"), profile: profile720), .init(path: rendition("e-480.mp4"), profile: profile480)])
}
let engineApart = try await best {
    try await transcoder.transcode(input: source720, output: rendition("s-720.mp4"), profile: profile720)
    try await transcoder.transcode(input: source720, output: rendition("s-480.mp4"), profile: profile480)
}
let ffmpegTwoRuns = try await best {
    try ffmpegRun(["-threads", "2", "-i", source720] + encode + [rendition("f-720.mp4")])
    try ffmpegRun(["-threads", "2", "-i", source720, "-vf", "scale=854:480"] + encode + [rendition("f-480.mp4")])
}
let ffmpegTwoOutputs = try await best {
    try ffmpegRun(["-threads", "2", "-i", source720] + encode + [rendition("g-720.mp4"), "-vf", "scale=854:480"] + encode + [rendition("g-480.mp4")])
}
func renditionsReport() {
    print("two renditions of a 10 s 720p H.264+AAC file (h264-720p, and 854x480; x264 veryfast CRF 23, AAC 128k, 2 threads), best of \(rounds):")
    print(String(format: "  engine, one decode:              %7.3f s", engineTwo))
    print(String(format: "  engine, one at a time:           %7.3f s  (%.2fx slower than one decode)", engineApart, engineApart / engineTwo))
    print(String(format: "  ffmpeg, two runs:                %7.3f s  ratio (ffmpeg/engine) %.2fx", ffmpegTwoRuns, ffmpegTwoRuns / engineTwo))
    print(String(format: "  ffmpeg, one command, two outputs: %6.3f s  ratio (ffmpeg/engine) %.2fx", ffmpegTwoOutputs, ffmpegTwoOutputs / engineTwo))
}
if onlyRenditions {
    renditionsReport()
    exit(0)
}

// 1. One 720p file.
let engine720 = try await best {
    try await transcoder.transcode(input: source720, output: out.appendingPathComponent("engine-720p.mp4").path, profile: profile720)
}
let ffmpeg720Args = [
    "-threads", "2", "-i", source720, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-threads", "2",
    "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", out.appendingPathComponent("ffmpeg-720p.mp4").path,
]
let ffmpeg720 = try await best { try ffmpegRun(ffmpeg720Args) }

// 2. Many small files, `parallelism` at a time on both sides.
func inProcessBatch(_ profile: TranscodeProfile) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func add() {
            let index = next
            next += 1
            group.addTask {
                try await transcoder.transcode(
                    input: clips[index], output: out.appendingPathComponent("e\(index).\(profile.fileExtension)").path,
                    profile: profile)
            }
        }
        for _ in 0..<min(parallelism, clips.count) { add() }
        while try await group.next() != nil { if next < clips.count { add() } }
    }
}
func ffmpegBatch(_ args: @escaping @Sendable (String, String) -> [String], ext: String) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func add() {
            let index = next
            next += 1
            group.addTask { try ffmpegRun(args(clips[index], out.appendingPathComponent("f\(index).\(ext)").path)) }
        }
        for _ in 0..<min(parallelism, clips.count) { add() }
        while try await group.next() != nil { if next < clips.count { add() } }
    }
}
let aac = try TranscodeProfile.named("aac-128k")
let thumbnail = try TranscodeProfile.named("thumbnail")
let engineAAC = try await best { try await inProcessBatch(aac) }
let ffmpegAAC = try await best {
    try await ffmpegBatch({ ["-i", $0, "-vn", "-c:a", "aac", "-b:a", "128k", "-f", "ipod", $1] }, ext: "m4a")
}
let engineThumb = try await best { try await inProcessBatch(thumbnail) }
let ffmpegThumb = try await best {
    try await ffmpegBatch({
        ["-threads", "1", "-ss", "0.1", "-i", $0, "-frames:v", "1", "-vf", "scale=320:-2", "-c:v", "mjpeg", "-q:v", "3", "-f", "mjpeg", $1]
    }, ext: "jpg")
}

// 3. Peak memory: max RSS of a child process doing the 720p transcode.
func maxRSS(_ command: [String]) throws -> Int {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = ["python3", "-c", """
        import resource, subprocess, sys
        subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        """] + command
    let pipe = Pipe()
    probe.standardOutput = pipe
    try probe.run()
    probe.waitUntilExit()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
}
let engineRSS = try maxRSS([engineBinary, "transcode", source720, out.appendingPathComponent("rss-e.mp4").path,
                            "--profile", "h264-720p", "--threads", "2"])
let ffmpegRSS = try maxRSS([ffmpeg, "-nostdin", "-y", "-v", "error"] + ffmpeg720Args.dropLast() + [out.appendingPathComponent("rss-f.mp4").path])

func line(_ label: String, _ engine: Double, _ peer: Double, unit: String = "s") {
    print(String(format: "  %@\n    engine %8.3f %@   ffmpeg %8.3f %@   ratio (ffmpeg/engine) %.2fx", label, engine, unit, peer, unit, peer / engine))
}
print("transcode vs ffmpeg CLI, same encoder settings, best of \(rounds):")
line("10 s 720p H.264+AAC -> h264-720p (x264 veryfast CRF 23, AAC 128k, 2 threads)", engine720, ffmpeg720)
line("\(clipCount) one-second clips -> aac-128k, \(parallelism) at a time", engineAAC, ffmpegAAC)
line("\(clipCount) one-second clips -> thumbnail (JPEG, 320 wide), \(parallelism) at a time", engineThumb, ffmpegThumb)
print(String(format: "  peak memory (max RSS) transcoding the 720p file: engine %.1f MiB, ffmpeg %.1f MiB",
             Double(engineRSS) / 1024, Double(ffmpegRSS) / 1024))
renditionsReport()
