public import Engine
import Foundation

extension ProcessorStage {
    /// The files a processor keeps beside the original (nil: none).
    public static func fileKind(of processor: ProcessorName) -> DerivedKind? {
        switch processor {
        case .peaks: .peaks
        case .scenes: .poster
        case .loudness, .fingerprint: nil
        }
    }

    /// The files a stored result says its processor keeps: the peaks file, the posters it lists;
    /// none for a result that records a failure.
    static func expectedFiles(_ processor: ProcessorName, of record: ProcessorRecord) -> Set<String> {
        guard let result = record.result, result["error"] == nil else { return [] }
        switch processor {
        case .peaks: return ["peaks"]
        case .scenes:
            guard case .array(let posters) = result["posters"] else { return [] }
            return Set(posters.compactMap { poster -> String? in if case .string(let name) = poster["name"] { name } else { nil } })
        case .loudness, .fingerprint: return []
        }
    }

    /// Of `planned`, the processors whose output for an original is out of date (`staleness`),
    /// given the original's results and derived files: what the stage makes for a forwarded
    /// item, and, with `onlyMissing`, whether the catalog stage forwards a stored one at all.
    /// `engine run --dry-run` plans with the same.
    public static func stale(
        _ planned: [ProcessorName], plan: ProcessorPlan, input: String, results: [ProcessorRecord], files: [DerivedFile],
        library: LocalLibrary?, onlyMissing: Bool = false
    ) -> [ProcessorName] {
        let byName = Dictionary(results.map { ($0.processor, $0) }) { $1 }
        return planned.filter { processor in
            !staleness(
                processor, plan: plan, input: input, result: byName[processor.rawValue], files: files, library: library, onlyMissing: onlyMissing
            ).isEmpty
        }
    }

    /// Why a processor's output for an original is out of date — empty when it is current: its
    /// result made from the key the plan gives now and, with the originals in `library`, its
    /// files those the result lists, recorded from the same key and held by the library. The
    /// stage and `engine reprocess --dry-run` decide with this one function. `onlyMissing`
    /// (the catalog stage of a plain run) counts a result or file made from another key as
    /// current: a changed key is for `engine reprocess`, not for every run after a libav upgrade.
    public static func staleness(
        _ processor: ProcessorName, plan: ProcessorPlan, input: String, result: ProcessorRecord?, files: [DerivedFile], library: LocalLibrary?,
        onlyMissing: Bool = false
    ) -> [String] {
        guard let result else { return ["missing"] }
        // The key now (a settings hash) only where a changed one counts.
        let key = onlyMissing ? nil : plan.key(for: processor, input: input)
        let changed = key?.changes(from: result.key) ?? []
        if !changed.isEmpty { return changed.map { "\($0) changed" } }
        guard let library, let kind = fileKind(of: processor) else { return [] }
        let own = files.filter { $0.kind == kind }
        if Set(own.map(\.name)) != expectedFiles(processor, of: result) { return ["files missing"] }
        if let key, own.contains(where: { $0.key != key }) { return ["files made from another key"] }
        if !own.allSatisfy({ library.holds($0.file.locator, size: $0.file.size) }) { return ["files missing"] }
        return []
    }
}
