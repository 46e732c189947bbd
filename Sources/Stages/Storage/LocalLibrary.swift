public import Engine
public import Foundation

/// The local library backend (`local_fs`): files under `root`, addressed by relative locators.
public struct LocalLibrary: Sendable {
    public static let backendName = "library"
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The absolute path of a locator; nil when the locator would leave the library.
    public func path(for locator: String) -> String? {
        let path = root.appendingPathComponent(locator).standardizedFileURL.path
        return path.hasPrefix(root.path + "/") ? path : nil
    }

    /// True when the file for `locator` exists with `size` bytes.
    public func holds(_ locator: String, size: Int64) -> Bool {
        guard let path = path(for: locator),
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        else { return false }
        return (attributes[.size] as? NSNumber)?.int64Value == size
    }

    /// The one naming policy of the library: `file` (whose content is `sha256`) goes to the
    /// first of `candidates` that is free (`LibraryPath.candidates`: the readable name, then
    /// content-tagged ones). A candidate that already holds these very bytes (a file placed by
    /// a run that stopped before recording it) is taken as it is and `file` is dropped; one that
    /// holds other bytes is never overwritten.
    public func place(_ file: String, sha256: String, candidates: [String]) throws -> String {
        for locator in candidates {
            do {
                try place(file, at: locator)
                return locator
            } catch StorageError.taken {
                if let path = path(for: locator), Self.size(of: path) == Self.size(of: file),
                    (try? FileChecksummer().sha256(path: path).digest.hex) == sha256
                {
                    unlink(file)
                    return locator
                }
            }
        }
        throw StorageError.taken(locator: candidates.last ?? "")
    }

    /// Moves `file` into place at `locator`; never overwrites (a taken locator is
    /// `StorageError.taken`) unless `replacing` (a rendition made again over its old file). Across volumes the file is copied to a hidden temporary name
    /// beside the destination first (`AtomicFile`), so the final name only ever holds a
    /// complete file.
    public func place(_ file: String, at locator: String, replacing: Bool = false) throws {
        guard let destination = path(for: locator) else {
            throw StorageError.outsideLibrary(locator: locator)
        }
        let folder = (destination as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if sameVolume(file, folder) {
                try AtomicFile.publish(file, at: destination, replacing: replacing)
            } else {
                try AtomicFile.write(to: destination, replacing: replacing) { temporary in
                    try FileManager.default.copyItem(atPath: file, toPath: temporary)
                }
                unlink(file)
            }
        } catch AtomicFileError.exists {
            throw StorageError.taken(locator: locator)
        } catch let error as AtomicFileError {
            throw StorageError.cannotWrite(path: destination, reason: error.reason)
        } catch {
            throw StorageError.cannotWrite(path: destination, reason: error.localizedDescription)
        }
    }

    /// How often an item asks again for content another process is placing.
    public static let claimPoll = Duration.milliseconds(200)

    /// Claims the placing of `content` here for a job item's attempt (`CatalogStore.claimContent`);
    /// nil without a lease (a graph outside a job, one process: its `KeyedLock` suffices).
    func claim(_ content: ContentKey, lease: ItemLease?, store: any CatalogStore, replacing: Bool) async throws -> ContentClaim? {
        guard let lease else { return nil }
        return try await store.claimContent(content, backend: Self.backendName, lease: lease, replacing: replacing)
    }

    /// What an attempt does with a file it placed but could not record: removes it, so the
    /// library holds nothing unaccounted for, and gives back its claim on the content. Unless
    /// the lease passed on: then the item's newer attempt owns the claim and may have adopted
    /// that very file (`place` takes same bytes as they are). A release that fails leaves a
    /// claim that dies with the attempt's lease.
    func abandon(_ locator: String, claim: ContentKey, lease: ItemLease?, store: any CatalogStore, after error: any Error) async {
        if case StoreError.leaseLost = error { return }
        if let path = path(for: locator) { unlink(path) }
        if let lease { try? await store.releaseContent(claim, backend: Self.backendName, lease: lease) }
    }

    /// Deletes the files of these records that are in the library (the others are left where they are).
    public func delete(_ files: [StoredFile]) async throws {
        let paths = files.filter { $0.backend == Self.backendName }.compactMap { path(for: $0.locator) }
        guard !paths.isEmpty else { return }
        try await BlockingIO.run { for path in paths { unlink(path) } }
    }

    private static func size(of path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    private func sameVolume(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        return stat(a, &first) == 0 && stat(b, &second) == 0 && first.st_dev == second.st_dev
    }
}

public enum StorageError: Error, Sendable, CustomStringConvertible {
    case outsideLibrary(locator: String)
    case taken(locator: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .outsideLibrary(let locator): "\(locator): would be outside the library"
        case .taken(let locator): "\(locator): another file already has this name"
        case .cannotWrite(let path, let reason): "\(path): \(reason)"
        }
    }
}
