import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine analyze FILE...`: the processors over local files, without a store.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Measure media files with the processors (loudness / ReplayGain, waveform peaks, fingerprint; scene cuts for video), one decode each, no store.",
        discussion: """
            Each FILE is decoded once and every processor reads the same frames. loudness: EBU R 128 \
            integrated loudness (LUFS), loudness range (LU), sample and true peak, and the ReplayGain \
            2.0 track gain (reference -18 LUFS) and peak. With several files, the album's loudness, \
            gain and peak over all of them, as one measurement of the files in a row would gate it. \
            --json: an object per file ({file, duration, sample_rate, channels, warnings, processors: \
            {loudness: {...}, peaks: {...}, fingerprint: {...}}}, or {file, error}) in `files`, and `album`. peaks: a mono \
            waveform as BBC audiowaveform makes it (--samples-per-pixel, default 256), with a 1,000-pair \
            overview in the result; --peaks-dir writes audiowaveform's .dat and .json (version 2, 8-bit) \
            that peaks.js reads. fingerprint: Chromaprint's fingerprint of the first 120 s and the \
            duration, as fpcalc prints them. A video file gets the scenes processor instead: its cuts \
            with ffmpeg scdet's score (--scene-threshold, default 10), and with --posters-dir a JPEG \
            poster of each scene's first frame (320 wide) in DIR/NAME.poster-0001.jpg…. Exit 1 when \
            any file failed.
            """
    )

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Option(name: .long, help: "Write each file's waveform peaks as audiowaveform's .dat and .json (8-bit) into this folder.")
    var peaksDir: String?

    @Option(name: .long, help: "Audio frames per peaks pixel (at least 2).")
    var samplesPerPixel = WaveformPeaks.defaultSamplesPerPixel

    @Option(name: .long, help: "Video: the scene score (0–100) from which a frame starts a scene.")
    var sceneThreshold = SceneCuts.defaultThreshold

    @Option(name: .long, help: "Video: write a JPEG poster of each scene into this folder.")
    var postersDir: String?

    @Argument(help: "Media files.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE to analyze") }
        if samplesPerPixel < 2 { throw ValidationError("--samples-per-pixel must be at least 2") }
    }

    func run() async throws {
        let analyzer = AudioAnalyzer()
        var documents: [JSONValue] = []
        var measured: [Loudness] = []
        var failed = false
        for file in files {
            do {
                if (try? MediaProber().probe(file).mediaKind) == .video {
                    let scenes = try await scenes(file)
                    documents.append(.object([("file", .string(file)), ("processors", .object([(SceneCuts.processor, scenes.json)]))]))
                    continue
                }
                let analysis = try await analyzer.analyze(file, samplesPerPixel: samplesPerPixel)
                if let peaksDir, let peaks = analysis.peaks { try Self.write(peaks, of: file, to: peaksDir) }
                if let loudness = analysis.loudness { measured.append(loudness) }
                for warning in analysis.warnings { Output.note("analyze: \(file): \(warning)") }
                if json {
                    documents.append(.object([
                        ("file", .string(file)), ("duration", .double(analysis.duration)), ("sample_rate", .int(Int64(analysis.sampleRate))),
                        ("channels", .int(Int64(analysis.channels))), ("warnings", .array(analysis.warnings.map(JSONValue.string))),
                        ("processors", .object(
                            (analysis.loudness.map { [(Loudness.processor, $0.json)] } ?? [])
                                + (analysis.peaks.map { [(WaveformPeaks.processor, $0.resultJSON)] } ?? [])
                                + (analysis.fingerprint.map { [(AcousticFingerprint.processor, $0.json)] } ?? []))),
                    ]))
                } else {
                    Output.line("\(file): \(Self.text(analysis))")
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failed = true
                Output.error("analyze", "\(error)")
                documents.append(.object([("file", .string(file)), ("error", .string("\(error)"))]))
            }
        }
        let album = files.count > 1 && !measured.isEmpty ? Loudness.album(measured) : nil
        if json {
            let albumJSON: JSONValue = album.map {
                .object([
                    ("integrated_lufs", $0.integrated.map(JSONValue.double) ?? .null),
                    ("replaygain_album_gain_db", $0.gain.map(JSONValue.double) ?? .null), ("replaygain_album_peak", .double($0.peak)),
                ])
            } ?? .null
            Output.line(JSONValue.object([("files", .array(documents)), ("album", albumJSON)]).serialized())
        } else if let album {
            Output.line("album: \(Self.lufs(album.integrated)), gain \(Self.db(album.gain)), peak \(String(format: "%.6f", album.peak))")
        }
        if failed { throw EngineExit.failures }
    }

    /// The scenes of a video file (printed as text unless --json), posters into --posters-dir.
    func scenes(_ file: String) async throws -> SceneCuts {
        var directory: String?
        if let postersDir {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            directory = URL(fileURLWithPath: postersDir).appendingPathComponent(".\(name).posters-\(getpid())").path
            try FileManager.default.createDirectory(atPath: directory!, withIntermediateDirectories: true)
        }
        defer { if let directory { try? FileManager.default.removeItem(atPath: directory) } }
        let (scenes, warnings) = try await SceneCuts.detect(file, threshold: sceneThreshold, posterDirectory: directory, threads: 0)
        for warning in warnings { Output.note("analyze: \(file): \(warning)") }
        if let directory, let postersDir {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            for index in scenes.posterTimes.indices {
                let poster = "\(SceneCuts.posterName(index)).jpg"
                let target = URL(fileURLWithPath: postersDir).appendingPathComponent("\(name).\(poster)").path
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.moveItem(atPath: "\(directory)/\(poster)", toPath: target)
            }
        }
        if !json {
            let cuts = scenes.cuts.map { String(format: "%.3f (%.1f)", $0.time, $0.score) }
            Output.line("\(file): \(scenes.cuts.count + 1) scene(s), \(scenes.frames) frames" + (cuts.isEmpty ? "" : "; cuts at \(cuts.joined(separator: ", "))"))
        }
        return scenes
    }

    static func text(_ analysis: AudioAnalyzer.Analysis) -> String {
        guard let l = analysis.loudness else { return "no processor result" }
        return "\(lufs(l.integrated)), range \(String(format: "%.1f", l.range)) LU, true peak "
            + "\(Loudness.decibels(l.truePeak).map { String(format: "%.1f dBTP", $0) } ?? "none"), track gain \(db(l.trackGain))"
            + (analysis.peaks.map { ", \($0.length) peaks" } ?? "")
    }

    /// `<name>.dat` and `<name>.json` (the file's name without its extension) in `dir`.
    static func write(_ peaks: WaveformPeaks, of file: String, to dir: String) throws {
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let folder = URL(fileURLWithPath: dir)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try peaks.dat().write(to: folder.appendingPathComponent(name + ".dat"), options: .atomic)
            try Data((peaks.json().serialized() + "\n").utf8).write(to: folder.appendingPathComponent(name + ".json"), options: .atomic)
        } catch {
            throw AnalyzeError.failed(input: file, reason: "cannot write its peaks into \(dir): \((error as NSError).localizedDescription)")
        }
    }

    static func lufs(_ value: Double?) -> String { value.map { String(format: "%.1f LUFS", $0) } ?? "silent" }
    static func db(_ value: Double?) -> String { value.map { String(format: "%+.2f dB", $0) } ?? "none" }
}
