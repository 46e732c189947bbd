import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine analyze FILE...`: the processors over local files, without a store.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Measure media files with the processors (loudness / ReplayGain), one decode each, no store.",
        discussion: """
            Each FILE is decoded once and every processor reads the same frames. loudness: EBU R 128 \
            integrated loudness (LUFS), loudness range (LU), sample and true peak, and the ReplayGain \
            2.0 track gain (reference -18 LUFS) and peak. With several files, the album's loudness, \
            gain and peak over all of them, as one measurement of the files in a row would gate it. \
            --json: an object per file ({file, duration, sample_rate, channels, warnings, processors: \
            {loudness: {...}}}, or {file, error}) in `files`, and `album`. Exit 1 when any file failed.
            """
    )

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Argument(help: "Media files.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE to analyze") }
    }

    func run() async throws {
        let analyzer = AudioAnalyzer()
        var documents: [JSONValue] = []
        var measured: [Loudness] = []
        var failed = false
        for file in files {
            do {
                let analysis = try await analyzer.analyze(file)
                if let loudness = analysis.loudness { measured.append(loudness) }
                for warning in analysis.warnings { Output.note("analyze: \(file): \(warning)") }
                if json {
                    documents.append(.object([
                        ("file", .string(file)), ("duration", .double(analysis.duration)), ("sample_rate", .int(Int64(analysis.sampleRate))),
                        ("channels", .int(Int64(analysis.channels))), ("warnings", .array(analysis.warnings.map(JSONValue.string))),
                        ("processors", .object(analysis.loudness.map { [(Loudness.processor, $0.json)] } ?? [])),
                    ]))
                } else {
                    Output.line("\(file): \(Self.text(analysis))")
                }
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

    static func text(_ analysis: AudioAnalyzer.Analysis) -> String {
        guard let l = analysis.loudness else { return "no processor result" }
        return "\(lufs(l.integrated)), range \(String(format: "%.1f", l.range)) LU, true peak "
            + "\(Loudness.decibels(l.truePeak).map { String(format: "%.1f dBTP", $0) } ?? "none"), track gain \(db(l.trackGain))"
    }

    static func lufs(_ value: Double?) -> String { value.map { String(format: "%.1f LUFS", $0) } ?? "silent" }
    static func db(_ value: Double?) -> String { value.map { String(format: "%+.2f dB", $0) } ?? "none" }
}
