public import Engine
public import Foundation
import Synchronization

/// The local library backend (`local_fs`): files under `root`, addressed by relative locators.
public struct LocalLibrary: Sendable {
    public static let backendName = "library"
    public let root: URL
    private let rootPath: String
    /// Folders this library (and its copies) made or found, with their device: placing into
    /// one again needs no `mkdir -p` and no look at the folder.
    private let folders = KnownFolders()

    public init(root: URL) {
        self.root = root.standardizedFileURL
        rootPath = self.root.path
    }

    /// The absolute path of a locator; nil when the locator would leave the library. Worked
    /// out on the text (`.` and `..` resolved, as `standardizedFileURL` does), without asking
    /// the file system.
    public func path(for locator: String) -> String? {
        var parts: [Substring] = []
        for part in locator.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": guard parts.popLast() != nil else { return nil }
            default: parts.append(part)
            }
        }
        return parts.isEmpty ? nil : rootPath + "/" + parts.joined(separator: "/")
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
    public func place(_ file: String, sha256: String, candidates: some Sequence<String>) throws -> String {
        var tried = ""
        for locator in candidates {
            tried = locator
            do {
                try place(file, at: locator)
                return locator
            } catch StorageError.taken {
                if let path = path(for: locator), FileKind.size(of: path) == FileKind.size(of: file),
                    (try? FileChecksummer().sha256(path: path).digest.hex) == sha256
                {
                    unlink(file)
                    return locator
                }
            }
        }
        throw StorageError.taken(locator: tried)
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
            do {
                try publish(file, at: destination, in: folder, replacing: replacing)
            } catch AtomicFileError.cannotPublish where folders.forget(folder) {
                // A folder made earlier and since removed (by hand, or a dedupe's clean-up): made again.
                try publish(file, at: destination, in: folder, replacing: replacing)
            }
        } catch AtomicFileError.exists {
            throw StorageError.taken(locator: locator)
        } catch let error as AtomicFileError {
            throw StorageError.cannotWrite(path: destination, reason: error.reason)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.cannotWrite(path: destination, reason: error.localizedDescription)
        }
    }

    /// How often an item asks again for content another process is placing.
    public static let claimPoll = Duration.milliseconds(200)

    /// What an attempt does with a file it placed but could not record. Without a lease (one
    /// process, no job) it removes it, so the library holds nothing unaccounted for. An attempt
    /// under a lease leaves it and gives back its claim on the content (a release that fails
    /// leaves a claim that dies with the lease): the failed write does not say whether the
    /// lease is still its own — a worker cut off from the store hears a connection error,
    /// not that its lease passed on — and a newer attempt that holds the claim now may have
    /// adopted that very file and recorded it (`place` takes same bytes as they are). The
    /// item's next attempt adopts the file the same way when it places the same content at the
    /// same name; a file nobody adopts (the item never stored again, or its content stored under
    /// another name first) stays unrecorded, which `maintenance` reports, rather than a recorded
    /// file being deleted.
    func abandon(_ locator: String, claim: ContentKey, lease: ItemLease?, store: any CatalogStore, after error: any Error) async {
        guard let lease else {
            if let path = path(for: locator) { unlink(path) }
            return
        }
        if case StoreError.leaseLost = error { return }
        try? await store.releaseContent(claim, backend: Self.backendName, lease: lease)
    }

    /// Deletes the files of these records that are in the library (the others are left where they are).
    public func delete(_ files: [StoredFile]) async throws {
        let paths = files.filter { $0.backend == Self.backendName }.compactMap { path(for: $0.locator) }
        guard !paths.isEmpty else { return }
        try await BlockingIO.run { for path in paths { unlink(path) } }
    }

    private func publish(_ file: String, at destination: String, in folder: String, replacing: Bool) throws {
        let device: dev_t
        if let known = folders.device(of: folder) {
            device = known
        } else {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var info = stat()
            guard stat(folder, &info) == 0 else { throw StorageError.cannotWrite(path: folder, reason: String(errno: errno)) }
            device = info.st_dev
            folders.add(folder, device: device)
        }
        var info = stat()
        if stat(file, &info) == 0, info.st_dev == device {
            try AtomicFile.publish(file, at: destination, replacing: replacing)
        } else {
            try AtomicFile.write(to: destination, replacing: replacing) { temporary in
                try FileManager.default.copyItem(atPath: file, toPath: temporary)
            }
            unlink(file)
        }
    }
}

/// Folders known to exist, with the device each is on. Shared by a library's copies.
final class KnownFolders: Sendable {
    private let folders = Mutex<[String: dev_t]>([:])

    func device(of folder: String) -> dev_t? { folders.withLock { $0[folder] } }
    func add(_ folder: String, device: dev_t) { folders.withLock { $0[folder] = device } }
    /// Forgets `folder`; true when it was known.
    func forget(_ folder: String) -> Bool { folders.withLock { $0.removeValue(forKey: folder) != nil } }
}

/// Why an item could not be placed in the library: its name leaves the library, is taken, or the file system refused.
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
