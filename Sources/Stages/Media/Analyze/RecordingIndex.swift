import Engine
import Foundation

/// What `on_same_recording` does with an incoming item whose fingerprint matches a recording
/// already in the library.
public enum SameRecording: String, Sendable, CaseIterable {
    /// Keep it as any other item.
    case keep
    /// Keep none of it: its original is taken out again and the item is skipped.
    case skip
    /// Point it at the files of the recording the library has, instead of a copy of its own.
    case link
}

/// The local library's fingerprints, loaded once per job and added to as items are
/// fingerprinted, so that an incoming item is matched against the recordings already kept (and
/// those kept earlier in the same job) without reading every fingerprint again; candidates are
/// the recordings sharing at least two values, as for `engine items duplicates`. Items
/// fingerprinted at the same time by another job or worker are seen only by a later run.
actor RecordingIndex {
    struct Match: Sendable {
        var assetID: Int64
        var item: String
        var similarity: Double
    }

    private var loaded = false
    private var prints: [Int64: [UInt32]] = [:]
    /// Fingerprint value → the recordings that have it.
    private var holders: [UInt32: [Int64]] = [:]
    private var items: [Int64: String] = [:]

    /// The best recording `values` matches among the others (at least `threshold`, compared
    /// when they share at least two values); when none does, `assetID` is added as a recording
    /// of the library (item `key`).
    func match(_ values: [UInt32], assetID: Int64, key: String, threshold: Double, store: any CatalogStore) async throws -> Match? {
        if !loaded { try await load(store) }
        var shared: [Int64: Int] = [:]
        for value in Set(values) {
            guard let ids = holders[value], ids.count <= 64 else { continue }  // values most prints have (silence) say nothing
            for id in ids where id != assetID { shared[id, default: 0] += 1 }
        }
        let best = shared.filter { $0.value >= 2 }.keys.map { ($0, AcousticMatcher.similarity(values, prints[$0] ?? [])) }.max { $0.1 < $1.1 }
        if let best, best.1 >= threshold { return Match(assetID: best.0, item: items[best.0] ?? "asset \(best.0)", similarity: best.1) }
        add(assetID, values)
        items[assetID] = items[assetID] ?? key
        return nil
    }

    private func add(_ id: Int64, _ values: [UInt32]) {
        guard prints[id] == nil else { return }
        prints[id] = values
        for value in Set(values) { holders[value, default: []].append(id) }
    }

    private func load(_ store: any CatalogStore) async throws {
        // Recordings the local library holds (not originals kept at their source or on S3).
        for entry in try await store.libraryItems(includingUnstored: false) where entry.file?.backend == LocalLibrary.backendName {
            if let asset = entry.file?.assetID, items[asset] == nil { items[asset] = "\(entry.source):\(entry.remoteID)" }
        }
        for record in try await store.assetResults(processor: AcousticFingerprint.processor) where items[record.assetID] != nil {
            if let values = AcousticMatcher.values(record) { add(record.assetID, values) }
        }
        loaded = true
    }
}
