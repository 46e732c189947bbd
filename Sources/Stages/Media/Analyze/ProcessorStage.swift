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
    /// A `reprocess`: results and files of processors no longer planned are taken out.
    public let reprocess: Bool
    let analyzer = AudioAnalyzer()
    private let making = KeyedLock<String>()
    let recordings = RecordingIndex()

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
        let skipped = try await making.withLock(sha256) {
            try await run(planned, input: input, sha256: sha256, original: original, itemID: id, item: item, context: context)
        }
        return skipped.map { .skip(item, reason: $0) } ?? .forward(item)
    }

    /// Returns why the item leaves the graph here (the same recording as one the library has), if it does.
    private func run(
        _ planned: [ProcessorName], input: String, sha256: String, original: StoredFile, itemID: Int64, item: MediaItem, context: StageContext
    ) async throws -> String? {
        let results = try await store.assetResults(assetID: original.assetID)
        var files = try await store.derivedFiles(parentAssetID: original.assetID)
        if reprocess {
            for name in Set(results.map(\.processor)) where !planned.map(\.rawValue).contains(name) {
                try await store.removeAssetResult(assetID: original.assetID, processor: name, lease: item.lease)
            }
            let unplanned = files.filter { file in !planned.contains { Self.fileKind(of: $0) == file.kind } }
            try await remove(unplanned, lease: item.lease)
            files.removeAll { unplanned.contains($0) }
        }
        let wanted = Self.stale(planned, plan: plan, input: sha256, results: results, files: files, library: libraryOriginals ? library : nil)
        guard !wanted.isEmpty else { return nil }
        let target = Target(original: original, sha256: sha256, itemID: itemID, item: item, context: context)
        let old = Dictionary(grouping: files, by: \.kind)
        if wanted.contains(.scenes) { try await scenes(input, target, replacing: old[.poster] ?? []) }
        let audio = wanted.filter { $0 != .scenes }
        return audio.isEmpty ? nil : try await analyze(audio, input, target, replacing: old[.peaks] ?? [])
    }

    /// What the outputs are made for.
    struct Target {
        var original: StoredFile
        var sha256: String
        var itemID: Int64
        var item: MediaItem
        var context: StageContext
    }

    private func analyze(_ wanted: [ProcessorName], _ input: String, _ target: Target, replacing oldPeaks: [DerivedFile]) async throws -> String? {
        let analysis: AudioAnalyzer.Analysis
        do {
            analysis = try await target.context.withLane(.cpu) {
                try await analyzer.analyze(input, processors: Set(wanted), samplesPerPixel: plan.samplesPerPixel)
            }
        } catch let error as AnalyzeError {
            if wanted.contains(.peaks), libraryOriginals { try await keep([], kind: .peaks, ext: "dat", format: "", for: .peaks, target, replacing: oldPeaks) }
            for processor in wanted { try await saveFailure(processor, error, target) }
            return nil
        }
        if let reason = try await sameRecording(analysis.fingerprint, target) { return reason }
        // The files first, the results last: a result is never kept without the files it lists.
        if wanted.contains(.peaks), libraryOriginals {
            var made: [(name: String, path: String)] = []
            if let peaks = analysis.peaks {
                let path = target.context.temporaryPath(suffix: ".dat")
                try await BlockingIO.run { try peaks.dat().write(to: URL(fileURLWithPath: path)) }
                made = [(name: "peaks", path: path)]
            }
            try await keep(made, kind: .peaks, ext: "dat", format: "audiowaveform-dat", for: .peaks, target, replacing: oldPeaks)
        }
        for processor in wanted {
            let result: JSONValue? =
                switch processor {
                case .loudness: analysis.loudness?.json
                case .peaks: analysis.peaks?.resultJSON
                case .fingerprint: analysis.fingerprint?.json
                case .scenes: nil
                }
            // The decoder's notes are every processor's; the fingerprinter's are its own.
            let warnings = analysis.warnings.filter { $0.contains("fingerprint") == (processor == .fingerprint) || !$0.contains("fingerprint") }
            // A processor that gave nothing (a fingerprint of too short a file) says why.
            try await save(processor, result ?? .object([("error", .string("no result: \(warnings.joined(separator: "; "))"))]), warnings: warnings, target)
        }
        return nil
    }

    /// `on_same_recording` for an ingested item whose fingerprint matches a recording the
    /// library has: its own original is taken out (its files too, unless another item has
    /// them) and the item is skipped, or linked to the files of the recording kept.
    private func sameRecording(_ fingerprint: AcousticFingerprint?, _ target: Target) async throws -> String? {
        // Only an original this attempt stored: one the library held before is never taken out.
        guard !reprocess, libraryOriginals, !target.item.originalAlreadyStored, plan.onSameRecording != .keep, let fingerprint,
            let values = AcousticMatcher.decode(fingerprint.fingerprint),
            let match = try await recordings.match(
                values, assetID: target.original.assetID, key: target.item.key, threshold: AcousticMatcher.threshold, store: store)
        else { return nil }
        let link = plan.onSameRecording == .link
        let similar = "the same recording as \(match.item) (similarity \(String(format: "%.2f", match.similarity)))"
        let reason = link ? "\(similar): linked to its files" : "\(similar): skipped (on_same_recording: skip)"
        try await library.delete(
            try await store.dropOriginal(
                itemID: target.itemID, assetID: target.original.assetID, linkTo: link ? match.assetID : nil, reason: reason,
                lease: target.item.lease))
        return reason
    }

    func save(_ processor: ProcessorName, _ result: JSONValue, warnings: [String], _ target: Target) async throws {
        var fields: [(key: String, value: JSONValue)] = [("processor", .string(processor.rawValue)), ("version", .int(Int64(processor.version)))]
        if case .object(let pairs) = result { fields += pairs.filter { $0.key != "processor" && $0.key != "version" } }
        if !warnings.isEmpty { fields.append(("warnings", .array(warnings.map(JSONValue.string)))) }
        try await store.saveAssetResult(
            assetID: target.original.assetID, processor: processor.rawValue, version: processor.version,
            key: plan.key(for: processor, input: target.sha256), json: JSONValue.object(fields).serialized(), lease: target.item.lease)
    }

    /// A file the decoder cannot read: the result says why, and stands until the key changes.
    func saveFailure(_ processor: ProcessorName, _ error: AnalyzeError, _ target: Target) async throws {
        Self.logger.warning("processor failed", metadata: ["item.key": "\(target.item.key)", "processor": "\(processor.rawValue)", "error": "\(error)"])
        try await save(processor, .object([("error", .string("\(AnalyzeError.failed(input: target.item.url, reason: error.reason))"))]), warnings: [], target)
    }

    /// Places made files beside the original (`<stem>.<name>.<ext>`) and records them as its
    /// derived files of `kind`, replacing the ones made before (those no longer made are taken out).
    func keep(
        _ made: [(name: String, path: String)], kind: DerivedKind, ext: String, format: String, for processor: ProcessorName, _ target: Target,
        replacing old: [DerivedFile]
    ) async throws {
        try await remove(old.filter { file in !made.contains { $0.name == file.name } }, lease: target.item.lease)
        guard let locator = target.item.locator else { return }
        let key = plan.key(for: processor, input: target.sha256)
        for file in made {
            let previous = old.first { $0.name == file.name }
            let placed = try await target.context.withLane(.disk) { try await BlockingIO.run { [library] in
                let (digest, bytes) = try FileChecksummer().sha256(path: file.path)
                if let previous {
                    try library.place(file.path, at: previous.file.locator, replacing: true)
                    return (digest.hex, Int64(bytes), previous.file.locator)
                }
                let at = try library.place(
                    file.path, sha256: digest.hex,
                    candidates: LibraryPath.candidates(locator, sha256: target.sha256) { LibraryPath.rendition(of: $0, profile: file.name, ext: ext) })
                return (digest.hex, Int64(bytes), at)
            } }
            do {
                _ = try await store.recordDerivedFile(
                    itemID: target.itemID, parentAssetID: target.original.assetID, kind: kind, name: file.name, sha256: placed.0, size: placed.1,
                    format: format, key: key, backend: LocalLibrary.backendName, locator: placed.2, lease: target.item.lease)
            } catch {
                // A file placed anew but not recorded is not left in the library (unless the
                // lease passed on: the newer attempt may have adopted it).
                let leaseLost = if case StoreError.leaseLost = error { true } else { false }
                if previous == nil, !leaseLost, let path = library.path(for: placed.2) { unlink(path) }
                throw error
            }
        }
    }

    func remove(_ files: [DerivedFile], lease: ItemLease?) async throws {
        for file in files { try await library.delete(try await store.removeOutput(assetID: file.file.assetID, lease: lease)) }
    }

    static let logger = Logger(label: "stages.process")
}
