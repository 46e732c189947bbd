package import Engine
import Foundation

/// What exporting one collection writes: its folder's name, the files in collection order
/// (`01 - Creator - Title.ext`), the playlist over them, the cover art (read from the files
/// when written), and a fingerprint of it all, which tells whether an existing export folder
/// is still current without opening a media file (the cover comes from the files' contents,
/// which their SHA-256 stand for).
package struct ExportPlan: Sendable {
    public struct File: Sendable, Equatable {
        /// The name in the export folder.
        public var name: String
        /// Where the library holds it.
        public var path: String
        public var sha256: String
        public var size: Int64
        public var title: String
        public var creators: [String]
        public var duration: Double?
    }

    public var collection: CollectionRow
    public var folder: String
    public var files: [File]
    public var playlistName: String
    public var playlist: [UInt8]
    public var fingerprint: String

    /// `cover.jpg` or `cover.png`: the picture of the first item that has one (blocking: it
    /// opens the files until one has).
    public func cover() -> (name: String, bytes: [UInt8])? {
        files.lazy.compactMap { CoverArt.picture(in: $0.path) }.first.map { (name: "cover.\($0.ext)", bytes: $0.bytes) }
    }

    /// The plan for `collection` from the store, its files in `library`. Throws `notReady`
    /// when an item is not stored in the library (or lacks the rendition asked for): an
    /// export is never partial.
    public static func make(
        _ collection: CollectionRow, store: any EngineStore, library: LocalLibrary, options: ExportOptions
    ) async throws -> ExportPlan {
        let name = collection.title ?? Self.name(fromLocator: collection.locator)
        let entries = try await store.collectionItems(collection.id)
        guard !entries.isEmpty else { throw ExportError.notReady(collection: name, reason: "it has not been collected (no items)") }
        let width = max(2, String(entries.count).count)
        var files: [File] = []
        var missing: [String] = []
        for (index, entry) in entries.enumerated() {
            let stored: StoredFile?
            if let profile = options.rendition {
                stored = entry.renditions.first { $0.profile == profile && $0.file.backend == LocalLibrary.backendName }?.file
            } else {
                stored = entry.file?.backend == LocalLibrary.backendName ? entry.file : nil
            }
            guard let stored, let path = library.path(for: stored.locator) else {
                missing.append("\(entry.source):\(entry.remoteID)")
                continue
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw ExportError.notReady(collection: name, reason: "the library file \(stored.locator) is missing from the library folder")
            }
            let number = String(repeating: "0", count: max(0, width - String(index + 1).count)) + String(index + 1)
            let label = (entry.creators.first.map { "\($0) - " } ?? "") + entry.title
            let ext = (stored.locator as NSString).pathExtension
            let stem = LibraryPath.component("\(number) - \(label)", fallback: number)
            files.append(
                File(
                    name: ext.isEmpty ? stem : "\(stem).\(LibraryPath.sanitizeExtension(ext))", path: path, sha256: stored.sha256,
                    size: stored.size, title: entry.title, creators: entry.creators, duration: entry.duration))
        }
        if !missing.isEmpty {
            let what = options.rendition.map { "no '\($0)' rendition in the library" } ?? "not stored in the library"
            throw ExportError.notReady(
                collection: name,
                reason: "\(missing.count) of \(entries.count) item(s) \(what) (\(missing.prefix(3).joined(separator: ", "))\(missing.count > 3 ? ", …" : ""))")
        }
        let folder = LibraryPath.component(name, fallback: "collection-\(collection.id)")
        let playlistName = "\(folder).\(options.playlist.rawValue)"
        let playlist = ExportPlaylist.text(options.playlist, title: name, files: files)
        var hashed = "\(options.playlist.rawValue)\n\(options.rendition ?? "")\n\(playlistName)\n"
        for file in files { hashed += "\(file.name)\t\(file.sha256)\n" }
        hashed += try SHA256Digest.of(playlist).hex
        return ExportPlan(
            collection: collection, folder: folder, files: files, playlistName: playlistName, playlist: playlist,
            fingerprint: try SHA256Digest.of(Array(hashed.utf8)).hex)
    }

    /// A collection without a title: its locator's last part without the extension.
    static func name(fromLocator locator: String) -> String {
        let last = URL(string: locator)?.lastPathComponent ?? (locator as NSString).lastPathComponent
        let stem = (last as NSString).deletingPathExtension
        return stem.isEmpty ? locator : stem
    }
}
