import Engine
import Foundation
import Stages

/// What `maintenance duplicates` lists and `maintenance dedupe` works on: assets recorded at
/// more than one active place on one backend, and library files no location records (each a
/// byte-identical copy of a known asset, or unknown).
struct LibraryScan: Sendable {
    struct Unrecorded: Sendable {
        var path: String
        var size: Int64
        var sha256: String
        /// The assets with these bytes (empty: unknown).
        var assets: [Int64]
    }

    /// Groups of active locations of one asset in the library, each group oldest first.
    var duplicates: [[StoredLocation]]
    var unrecorded: [Unrecorded]
    /// Every location, whatever its state.
    var locations: [StoredLocation]

    static func run(store: any EngineStore, library: LocalLibrary) async throws -> LibraryScan {
        let every = try await store.storedLocations(backend: nil, states: ["active", "inactive", "corrupt"])
        let duplicates = Dictionary(grouping: every.filter { $0.state == "active" && $0.backend == LocalLibrary.backendName }) { "\($0.assetID) \($0.backend)" }
            .values.filter { $0.count > 1 }.map { $0.sorted { $0.id < $1.id } }.sorted { $0[0].id < $1[0].id }
        // A file at an inactive location's locator is a leftover (a dedupe that stopped midway).
        let recorded = Set(every.filter { $0.backend == LocalLibrary.backendName && $0.state != "inactive" }.map(\.locator))
        let assetsBySHA = Dictionary(grouping: every, by: \.sha256).mapValues { Set($0.map(\.assetID)).sorted() }
        var unrecorded: [Unrecorded] = []
        for path in try await BlockingIO.run({ files(under: library.root) }) where !recorded.contains(path) {
            guard let (sha, size) = try await LocationVerifier.hashFile(library.root.appendingPathComponent(path).path) else { continue }
            unrecorded.append(Unrecorded(path: path, size: size, sha256: sha, assets: assetsBySHA[sha] ?? []))
        }
        return LibraryScan(duplicates: duplicates, unrecorded: unrecorded, locations: every)
    }

    /// Every regular file under `root`, as a path relative to it.
    static func files(under root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var found: [String] = []
        while let path = walker.nextObject() as? String {
            if walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular { found.append(path) }
        }
        return found.sorted()
    }

    /// A group in the order the rules prefer its copies: a canonical name (no ` (1)`, ` (2)`
    /// before the extension) before a numbered one, a shorter locator, an older record. (The
    /// first rule, an existing healthy file, is the caller's: it hashes them in this order.)
    static func preferred(_ group: [StoredLocation]) -> [StoredLocation] {
        group.sorted { a, b in
            (isNumberedCopy(a.locator) ? 1 : 0, a.locator.count, a.id) < (isNumberedCopy(b.locator) ? 1 : 0, b.locator.count, b.id)
        }
    }

    /// `Song (1).mp3`, `Song (12).flac`: a copy a file manager or a downloader numbered.
    static func isNumberedCopy(_ locator: String) -> Bool {
        let stem = ((locator as NSString).lastPathComponent as NSString).deletingPathExtension
        return stem.range(of: #" \([0-9]+\)$"#, options: .regularExpression) != nil
    }
}
