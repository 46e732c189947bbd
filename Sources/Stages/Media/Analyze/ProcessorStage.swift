public import Engine
import Foundation
import Logging

/// Runs the planned processors on each stored original, in one decode, and keeps each result
/// for the original's asset with the key it was made from; a result whose key is the one the
/// plan gives now is not made again (items with the same content share it). The peaks are also
/// kept as audiowaveform's `.dat` beside the original in the library (`<stem>.peaks.dat`), a
/// file asset of kind `peaks`.
///
/// A processor failure never fails the item (its original is stored): a file the decoder
/// cannot read gets a result with the error, which stands until the key changes; a damaged
/// one gets the partial result with its warnings.
///
/// It runs before the transcode, so that renditions can carry the loudness (ReplayGain) tags.
public struct ProcessorStage: ItemStage {
    public let plan: ProcessorPlan
    public let store: any CatalogStore
    public let library: LocalLibrary
    /// Originals are in the library (false: in the item's temp space, from its download; the
    /// peaks are then kept in the result only).
    public let libraryOriginals: Bool
    /// A `reprocess`: results (and the peaks file) of processors no longer planned are taken out.
    public let reprocess: Bool
    let analyzer = AudioAnalyzer()
    private let making = KeyedLock<String>()

    public init(plan: ProcessorPlan, store: any CatalogStore, library: LocalLibrary, libraryOriginals: Bool = true, reprocess: Bool = false) {
        self.plan = plan
        self.reprocess = reprocess
        self.store = store
        self.library = library
        self.libraryOriginals = libraryOriginals
    }

    public var name: String { "process" }
    public var concurrency: Int { LaneLimits.cores }
    public var lane: LaneKind? { .cpu }
    /// A cpu slot for the decode only; the lookups and records hold none.
    public var takesLaneItself: Bool { true }

    public func handles(_ item: MediaItem) -> Bool { reprocess || !plan.processors(for: item.mediaKind).isEmpty }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        let planned = plan.processors(for: item.mediaKind)
        guard !planned.isEmpty || reprocess else { return .forward(item) }
        guard let id = item.catalogID, let sha256 = item.sha256,
            let input = libraryOriginals ? item.locator.flatMap(library.path(for:)) : item.downloadedFile
        else {
            throw StageInputError(item: item.key, stage: name, missing: libraryOriginals ? "a stored original" : "a download")
        }
        guard let original = try await store.storedOriginal(itemID: id) else {
            throw StageInputError(item: item.key, stage: name, missing: "a recorded original")
        }
        try await making.withLock(sha256) {
            try await run(planned, input: input, sha256: sha256, original: original, itemID: id, item: item, context: context)
        }
        return .forward(item)
    }

    private func run(
        _ planned: [ProcessorName], input: String, sha256: String, original: StoredFile, itemID: Int64, item: MediaItem, context: StageContext
    ) async throws {
        var stored = Dictionary(try await store.assetResults(assetID: original.assetID).map { ($0.processor, $0) }) { $1 }
        var peaksFile = libraryOriginals ? try await store.derivedFiles(parentAssetID: original.assetID).first { $0.kind == .peaks } : nil
        if reprocess {
            for name in stored.keys where !planned.map(\.rawValue).contains(name) {
                try await store.removeAssetResult(assetID: original.assetID, processor: name, lease: item.lease)
                stored[name] = nil
            }
            if let file = peaksFile, !planned.contains(.peaks) {
                try await library.delete(try await store.removeOutput(assetID: file.file.assetID, lease: item.lease))
                peaksFile = nil
            }
        }
        let wanted = planned.filter { processor in
            let key = plan.key(for: processor, input: sha256)
            if stored[processor.rawValue]?.key != key { return true }
            // The peaks file is part of the peaks' output: made again when it is missing.
            return processor == .peaks && libraryOriginals
                && !(peaksFile.map { $0.key == key && library.holds($0.file.locator, size: $0.file.size) } ?? false)
        }
        guard !wanted.isEmpty else { return }
        let analysis: AudioAnalyzer.Analysis
        do {
            analysis = try await context.withLane(.cpu) {
                try await analyzer.analyze(input, processors: Set(wanted), samplesPerPixel: plan.samplesPerPixel)
            }
        } catch let error as AnalyzeError {
            Self.logger.warning("processors failed", metadata: ["item.key": "\(item.key)", "error": "\(error)"])
            for processor in wanted {
                try await save(
                    processor, .object([("error", .string("\(AnalyzeError.failed(input: item.url, reason: error.reason))"))]),
                    warnings: [], asset: original.assetID, sha256: sha256, lease: item.lease)
            }
            return
        }
        for processor in wanted {
            let result: JSONValue? =
                switch processor {
                case .loudness: analysis.loudness?.json
                case .peaks: analysis.peaks?.resultJSON
                case .fingerprint: analysis.fingerprint?.json
                }
            // The decoder's notes are every processor's; the fingerprinter's are its own.
            let warnings = analysis.warnings.filter { $0.contains("fingerprint") == (processor == .fingerprint) || !$0.contains("fingerprint") }
            // A processor that gave nothing (a fingerprint of too short a file) says why.
            try await save(
                processor, result ?? .object([("error", .string("no result: \(warnings.joined(separator: "; "))"))]),
                warnings: warnings, asset: original.assetID, sha256: sha256, lease: item.lease)
        }
        if wanted.contains(.peaks), libraryOriginals, let peaks = analysis.peaks, let locator = item.locator {
            try await keep(peaks, beside: locator, sha256: sha256, original: original, replacing: peaksFile, itemID: itemID, lease: item.lease, context: context)
        }
    }

    private func save(
        _ processor: ProcessorName, _ result: JSONValue, warnings: [String], asset: Int64, sha256: String, lease: ItemLease?
    ) async throws {
        var fields: [(key: String, value: JSONValue)] = [("processor", .string(processor.rawValue)), ("version", .int(Int64(processor.version)))]
        if case .object(let pairs) = result { fields += pairs.filter { $0.key != "processor" && $0.key != "version" } }
        if !warnings.isEmpty { fields.append(("warnings", .array(warnings.map(JSONValue.string)))) }
        try await store.saveAssetResult(
            assetID: asset, processor: processor.rawValue, version: processor.version, key: plan.key(for: processor, input: sha256),
            json: JSONValue.object(fields).serialized(), lease: lease)
    }

    /// The peaks as audiowaveform's `.dat` beside the original (over the one made before).
    private func keep(
        _ peaks: WaveformPeaks, beside locator: String, sha256: String, original: StoredFile, replacing old: DerivedFile?, itemID: Int64,
        lease: ItemLease?, context: StageContext
    ) async throws {
        let made = context.temporaryPath(suffix: ".dat")
        let data = peaks.dat()
        let placed = try await context.withLane(.disk) { try await BlockingIO.run { [library] in
            try data.write(to: URL(fileURLWithPath: made))
            let digest = try FileChecksummer().sha256(path: made).digest.hex
            if let old {
                try library.place(made, at: old.file.locator, replacing: true)
                return (digest, old.file.locator)
            }
            let at = try library.place(
                made, sha256: digest,
                candidates: LibraryPath.candidates(locator, sha256: sha256) { LibraryPath.rendition(of: $0, profile: "peaks", ext: "dat") })
            return (digest, at)
        } }
        _ = try await store.recordDerivedFile(
            itemID: itemID, parentAssetID: original.assetID, kind: .peaks, name: "peaks", sha256: placed.0, size: Int64(data.count),
            format: "audiowaveform-dat", key: plan.key(for: .peaks, input: sha256), backend: LocalLibrary.backendName, locator: placed.1,
            lease: lease)
    }

    static let logger = Logger(label: "stages.process")
}
