internal import CMediaKernels
import Engine
import Foundation

/// Runs the processors over one decode of a file's audio (`mk_analyze`): the best audio stream
/// decoded once, converted once to float, each processor fed every frame. Damaged input is
/// tolerated as the transcode tolerates it; what was tolerated comes back as warnings.
package struct AudioAnalyzer: Sendable {
    /// What one decode measured.
    public struct Analysis: Sendable {
        public var sampleRate: Int
        public var channels: Int
        /// Seconds of audio decoded.
        public var duration: Double
        public var loudness: Loudness?
        public var peaks: WaveformPeaks?
        public var fingerprint: AcousticFingerprint?
        public var warnings: [String]
        /// libebur128's own sample and true peak (linear), with `referencePeaks`: what ours are checked against.
        public var referencePeaks: (sample: Double, true: Double)?
    }

    public init() {
        Libav.initialize()
    }

    /// Chromaprint's version (part of the fingerprint result's key).
    public static var fingerprintLibraryVersion: String { String(cString: mk_fingerprint_version()) }

    /// libebur128's version (part of the loudness result's key).
    public static var loudnessLibraryVersion: String {
        var buffer = [CChar](repeating: 0, count: 32)
        mk_loudness_version(&buffer, buffer.count)
        return String(nulTerminated: buffer)
    }

    /// `processors`: those that run (the others' results are nil); `samplesPerPixel`: the
    /// peaks' resolution (at least 2); `referencePeaks`: also measure the peaks with libebur128.
    public func analyze(
        _ path: String, processors: Set<ProcessorName> = Set(ProcessorName.allCases), samplesPerPixel: Int = WaveformPeaks.defaultSamplesPerPixel,
        referencePeaks: Bool = false
    ) async throws -> Analysis {
        let control = TranscodeControl(progress: nil)
        return try await withTaskCancellationHandler {
            try await BlockingIO.run {
                try Self.run(path, processors: processors, samplesPerPixel: samplesPerPixel, referencePeaks: referencePeaks, control: control)
            }
        } onCancel: {
            control.cancel()
        }
    }

    private static func run(
        _ path: String, processors: Set<ProcessorName>, samplesPerPixel: Int, referencePeaks: Bool, control: TranscodeControl
    ) throws -> Analysis {
        func on(_ processor: ProcessorName) -> Int32 { processors.contains(processor) ? 1 : 0 }
        var options = mk_analyze_options(
            loudness: on(.loudness), peaks: on(.peaks), samples_per_pixel: Int32(clamping: samplesPerPixel), fingerprint: on(.fingerprint),
            fingerprint_seconds: AcousticFingerprint.seconds, threads: 1, reference_peaks: referencePeaks ? 1 : 0)
        var result = mk_analysis()
        var error = [CChar](repeating: 0, count: 1024)
        var notes = [CChar](repeating: 0, count: 2048)
        defer { mk_analysis_free(&result) }
        let status = mk_analyze(path, &options, &result, control.flag, &error, error.count, &notes, notes.count)
        if status == Int32(MK_ANALYZE_CANCELED) || control.isCancelled { throw CancellationError() }
        guard status == 0 else { throw AnalyzeError.failed(input: path, reason: String(nulTerminated: error)) }
        var analysis = Analysis(
            sampleRate: Int(result.sample_rate), channels: Int(result.channels), duration: result.duration, loudness: nil, peaks: nil,
            fingerprint: nil, warnings: String(nulTerminated: notes).split(separator: "\n").map(String.init),
            referencePeaks: referencePeaks && result.has_loudness != 0
                ? (result.loudness.reference_sample_peak, result.loudness.reference_true_peak) : nil)
        if result.has_loudness != 0 {
            let measured = result.loudness
            var histogram: [Int: Int] = [:]
            if let bins = measured.histogram {
                for bin in 0..<Int(MK_LOUDNESS_BINS) where bins[bin] > 0 { histogram[bin] = Int(bins[bin]) }
            }
            analysis.loudness = Loudness(
                integrated: measured.integrated.isFinite ? measured.integrated : nil, range: measured.range,
                samplePeak: measured.sample_peak, truePeak: measured.true_peak, histogram: histogram)
        }
        if result.has_peaks != 0 {
            let pairs = Int(result.peaks.length)
            let data = result.peaks.data.map { Array(UnsafeBufferPointer(start: $0, count: 2 * pairs)) } ?? []
            analysis.peaks = WaveformPeaks(sampleRate: analysis.sampleRate, samplesPerPixel: samplesPerPixel, data: data)
        }
        if let printed = result.fingerprint {
            analysis.fingerprint = AcousticFingerprint(
                fingerprint: String(cString: printed), duration: result.stream_duration_ms < 0 ? 0 : Int(result.stream_duration_ms) / 1000)
        }
        return analysis
    }
}

/// Why a file could not be analyzed: one line naming the file and the cause.
package enum AnalyzeError: Error, Sendable, CustomStringConvertible {
    case failed(input: String, reason: String)

    public var description: String {
        switch self {
        case .failed(let input, let reason): "cannot analyze \(input): \(reason)"
        }
    }

    public var reason: String {
        switch self {
        case .failed(_, let reason): reason
        }
    }
}
